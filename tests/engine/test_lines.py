"""Line assembly: word boxes joined into line boxes, columns and separate lines kept apart."""

from __future__ import annotations

import math

import pytest

from ocr.engine.geometry import bounds
from ocr.engine.lines import merge_lines
from ocr.engine.types import DetectedRegion


def box(left: float, top: float, right: float, bottom: float, score: float = 1.0) -> DetectedRegion:
    return DetectedRegion(
        polygon=((left, top), (right, top), (right, bottom), (left, bottom)), score=score
    )


def tilted(cx: float, cy: float, width: float, height: float, angle: float) -> DetectedRegion:
    """A width x height rectangle centred on (cx, cy), turned clockwise by `angle` radians."""
    ux, uy = math.cos(angle) * width / 2, math.sin(angle) * width / 2
    vx, vy = -math.sin(angle) * height / 2, math.cos(angle) * height / 2
    return DetectedRegion(
        polygon=(
            (cx - ux - vx, cy - uy - vy),
            (cx + ux - vx, cy + uy - vy),
            (cx + ux + vx, cy + uy + vy),
            (cx - ux + vx, cy - uy + vy),
        ),
        score=1.0,
    )


def test_it_joins_the_words_of_a_line_and_keeps_the_mean_score() -> None:
    # "This is a line": a short x-height word ("a") sits lower than its neighbours.
    words = [box(10, 10, 60, 34, 0.9), box(70, 10, 90, 34, 0.7), box(100, 16, 112, 34, 0.8)]
    merged = merge_lines(words)
    assert len(merged) == 1
    assert bounds(merged[0].polygon) == (10, 10, 112, 34)
    assert merged[0].score == pytest.approx(0.8)


def test_it_keeps_lines_above_each_other_apart() -> None:
    first = [box(10, 10, 60, 34), box(70, 10, 120, 34)]
    second = [box(10, 40, 60, 64), box(70, 40, 120, 64)]
    merged = merge_lines([*second, *first])
    assert sorted(bounds(r.polygon) for r in merged) == [(10, 10, 120, 34), (10, 40, 120, 64)]


def test_it_does_not_join_across_a_column_gap() -> None:
    # Two columns whose lines share a baseline, with a gutter of three line heights.
    left_column = [box(10, 10, 60, 34), box(70, 10, 200, 34)]
    right_column = [box(272, 10, 330, 34), box(340, 10, 400, 34)]
    merged = merge_lines([*left_column, *right_column])
    assert sorted(bounds(r.polygon) for r in merged) == [(10, 10, 200, 34), (272, 10, 400, 34)]


def test_it_does_not_join_boxes_that_barely_overlap_vertically() -> None:
    merged = merge_lines([box(10, 10, 60, 34), box(65, 28, 120, 52)])
    assert len(merged) == 2


def test_it_follows_a_tilted_line() -> None:
    angle = math.radians(5)
    words = [
        tilted(50 + 80 * i * math.cos(angle), 100 + 80 * i * math.sin(angle), 70, 20, angle)
        for i in range(4)
    ]
    [line] = merge_lines(words)
    (x0, y0), (x1, y1), _, (x3, y3) = line.polygon
    assert math.atan2(y1 - y0, x1 - x0) == pytest.approx(angle, abs=1e-6)
    # As thick as one word, not as tall as the tilted line's bounding box.
    assert math.hypot(x3 - x0, y3 - y0) == pytest.approx(20, abs=1e-3)


def test_it_returns_lines_in_input_order_and_leaves_single_boxes_alone() -> None:
    lone = box(300, 200, 340, 220, 0.5)
    words = [lone, box(10, 10, 60, 34), box(70, 10, 120, 34)]
    merged = merge_lines(words)
    assert merged[0] is lone
    assert bounds(merged[1].polygon) == (10, 10, 120, 34)
    assert merge_lines([]) == []


@pytest.mark.model
def test_it_leaves_the_ppocr_lines_of_a_clean_page_as_they_are() -> None:
    from ocr.engine.detectors.ppocr_db import PPOCRDBDetector
    from ocr.engine.gallery.common import detector_params
    from ocr.engine.gallery.ppocr import DETECTOR_PARAMS
    from ocr.engine.images import load_image

    from .conftest import EUROTEXT

    params = detector_params({p.name: p.default for p in DETECTOR_PARAMS})
    page = load_image(EUROTEXT)
    plain = PPOCRDBDetector.from_params(params).detect(page)
    merged = PPOCRDBDetector.from_params({**params, "merge_lines": True}).detect(page)
    # Eurotext's twelve lines are found whole already: nothing to join, nothing joined across.
    assert len(merged) == len(plain) == 12
