"""Detection figures at IoU 0.5 and pooled character error rates."""

from __future__ import annotations

import pytest

from ocr.training.evaluate import DetectionScore, pooled_detection, score_detection, score_texts


def _box(x0: float, y0: float, x1: float, y1: float) -> tuple[tuple[float, float], ...]:
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def test_it_matches_boxes_one_to_one_at_iou_one_half() -> None:
    truth = [_box(0, 0, 100, 20), _box(0, 40, 100, 60)]
    predicted = [_box(2, 1, 100, 21), _box(60, 40, 160, 60), _box(0, 0, 100, 20)]
    score = score_detection(predicted, truth)
    assert (score.matched, score.predicted, score.truth) == (1, 3, 2)
    assert score.precision == pytest.approx(1 / 3)
    assert score.recall == pytest.approx(1 / 2)
    assert score.hmean == pytest.approx(0.4)


def test_it_pools_pages() -> None:
    total = pooled_detection([DetectionScore(1, 2, 2), DetectionScore(3, 3, 6)])
    assert (total.precision, total.recall) == (0.8, 0.5)
    assert total.metrics()["hmean"] == pytest.approx(0.6154, abs=1e-4)
    assert DetectionScore(0, 0, 0).hmean == 0.0


def test_it_pools_character_errors_over_lines_ignoring_case() -> None:
    score = score_texts([("Ceci est", "ceci est"), ("mon Testament", "mon Testamant")])
    assert (score.errors, score.chars) == (1, 21)
    assert score_texts([("Ab", "ab")], ignore_case=False).errors == 1


def test_it_counts_a_box_on_a_dont_care_region_neither_way() -> None:
    truth = [_box(0, 0, 100, 20)]
    logo = _box(200, 0, 260, 60)
    predicted = [_box(0, 0, 100, 20), _box(205, 5, 250, 55), _box(240, 0, 400, 60)]
    # The second lies inside the logo; the third mostly outside it: a false alarm.
    score = score_detection(predicted, truth, dont_care=[logo])
    assert (score.matched, score.predicted, score.truth) == (1, 2, 1)
    assert score_detection(predicted, truth).predicted == 3
