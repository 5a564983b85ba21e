"""DB targets and loss: shrunk text maps, threshold maps, balanced BCE, L1 and dice."""

from __future__ import annotations

import cv2
import numpy as np
import torch

from ocr.training.db import THRESHOLD_MAX, THRESHOLD_MIN, db_loss, db_targets, stack_targets


def _box(x0: float, y0: float, x1: float, y1: float) -> tuple[tuple[float, float], ...]:
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def test_it_shrinks_each_region_inside_its_outline() -> None:
    targets = db_targets(120, 200, [_box(50, 50, 150, 80)], [False])
    # D = A (1 - 0.4^2) / L = 3000 * 0.84 / 260, about 9.7 pixels in from every side.
    assert targets.shrink[65, 100] == 1
    assert targets.shrink[65, 58] == 0 and targets.shrink[65, 62] == 1
    assert targets.shrink[53, 100] == 0 and targets.shrink[77, 100] == 0
    assert targets.shrink[10, 10] == 0
    assert targets.shrink_mask.min() == 1


def test_it_keeps_touching_words_apart() -> None:
    words = [_box(10, 10, 60, 30), _box(62, 10, 110, 30)]  # two pixels between them
    targets = db_targets(40, 120, words, [False, False])
    count, _ = cv2.connectedComponents(targets.shrink.astype(np.uint8))
    assert count - 1 == 2


def test_it_masks_ignored_and_too_small_regions() -> None:
    regions = [_box(10, 10, 60, 30), _box(10, 50, 60, 52), _box(80, 10, 150, 30)]
    targets = db_targets(80, 160, regions, [True, False, False])
    assert targets.shrink_mask[20, 30] == 0 and targets.shrink[20, 30] == 0  # ignored
    assert targets.shrink_mask[51, 30] == 0  # two pixels tall: nothing to learn from
    assert targets.shrink_mask[20, 110] == 1 and targets.shrink[20, 110] == 1
    assert targets.threshold_mask[20, 30] == 0  # no threshold band around an ignored one


def test_it_raises_the_threshold_towards_each_border() -> None:
    targets = db_targets(120, 200, [_box(50, 50, 150, 80)], [False])
    assert targets.threshold.min() >= THRESHOLD_MIN - 1e-6
    assert targets.threshold.max() <= THRESHOLD_MAX + 1e-6
    on_border = targets.threshold[50, 100]
    inside = targets.threshold[65, 100]
    assert on_border > 0.69 and inside < on_border
    assert targets.threshold[5, 5] == THRESHOLD_MIN
    assert targets.threshold_mask[45, 100] == 1 and targets.threshold_mask[5, 5] == 0


def test_it_scores_a_right_map_better_than_a_wrong_one() -> None:
    targets = stack_targets([db_targets(64, 64, [_box(8, 20, 56, 40)], [False])])
    shrink = targets["shrink"][:, None]
    right = (shrink * 2 - 1) * 8.0
    threshold = targets["threshold"][:, None]
    good, parts = db_loss(right, threshold, targets)
    wrong = torch.zeros_like(right, requires_grad=True)
    bad, _ = db_loss(wrong, torch.full_like(threshold, 0.5), targets)
    assert float(good) < 0.1 < float(bad.detach())
    assert set(parts) == {"probability", "threshold", "binary"}
    bad.backward()
    assert wrong.grad is not None and torch.isfinite(wrong.grad).all()


def test_it_punishes_text_found_on_a_blank_window() -> None:
    targets = stack_targets([db_targets(64, 64, [], [])])
    false_alarm = torch.full((1, 1, 64, 64), 3.0)
    quiet = torch.full((1, 1, 64, 64), -3.0)
    threshold = torch.full((1, 1, 64, 64), 0.3)
    assert float(db_loss(false_alarm, threshold, targets)[0]) > float(
        db_loss(quiet, threshold, targets)[0]
    )
