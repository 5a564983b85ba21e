"""Model-free checks of the pre/post-processing helpers."""

from __future__ import annotations

import random

import numpy as np
import pytest

from ocr.engine.cropper import rectify
from ocr.engine.detectors.ppocr_db import detection_size
from ocr.engine.geometry import order_clockwise
from ocr.engine.reading_order import sort_regions
from ocr.engine.recognizers.ppocr_ctc import ctc_greedy_decode, fold_fullwidth, scaled_width
from ocr.engine.types import DetectedRegion


@pytest.mark.parametrize(
    ("size", "max_side", "expected"),
    [
        ((640, 480), 1600, (640, 480)),
        ((650, 470), 1600, (650, 470)),  # not stretched to multiples of 32: padded later
        ((3200, 1600), 1600, (1600, 800)),
        ((3312, 2550), 1600, (1600, 1232)),  # aspect kept
        ((10, 5), 1600, (64, 32)),  # tiny: short side grown to 32
        ((1, 1), 1600, (32, 32)),
        ((20000, 50), 1600, (1600, 32)),  # extreme strip: capped, not huge
        ((50, 20000), 960, (32, 960)),
    ],
)
def test_detection_size(size: tuple[int, int], max_side: int, expected: tuple[int, int]) -> None:
    assert detection_size(*size, max_side) == expected


def test_detection_size_enlarges_small_pages_to_max_side_when_asked() -> None:
    assert detection_size(762, 1000, 2000, upscale=True) == (1524, 2000)
    assert detection_size(3200, 1600, 1600, upscale=True) == (1600, 800)  # still shrinks
    assert detection_size(762, 1000, 2000) == (762, 1000)


def test_order_clockwise_from_top_left() -> None:
    square = [(10, 10), (0, 10), (10, 0), (0, 0)]
    assert order_clockwise(square).tolist() == [[0, 0], [10, 0], [10, 10], [0, 10]]


def test_rectify_straightens_and_pads() -> None:
    page = np.zeros((100, 200, 3), dtype=np.uint8)
    page[20:40, 50:150] = 255
    crop = rectify(page, [(50, 20), (150, 20), (150, 40), (50, 40)])
    assert crop.shape == (20, 100, 3)
    assert crop[2:-2, 2:-2].min() > 200
    padded = rectify(page, [(50, 20), (150, 20), (150, 40), (50, 40)], padding=5)
    assert padded.shape == (30, 110, 3)
    assert padded[0, 0].max() == 0  # page context, not the region


def test_rectify_cuts_a_many_point_line_polygon_whole() -> None:
    # A handwritten line as eScriptorium exports it: points along the top edge, then back along
    # the bottom. Warping its first four points used to cut a sliver off the line's start.
    page = np.zeros((100, 400, 3), dtype=np.uint8)
    page[30:60, 20:380] = 255
    top = [(float(x), 30.0 + (x % 40) / 20) for x in range(20, 381, 30)]
    bottom = [(float(x), 60.0 - (x % 40) / 20) for x in range(380, 19, -30)]
    crop = rectify(page, top + bottom)
    assert 355 <= crop.shape[1] <= 365
    assert 28 <= crop.shape[0] <= 33
    assert crop[4:-4, 4:-4].min() > 200


def test_rectify_turns_vertical_text() -> None:
    page = np.zeros((300, 100, 3), dtype=np.uint8)
    crop = rectify(page, [(10, 10), (40, 10), (40, 210), (10, 210)])
    assert crop.shape[:2] == (30, 200)


def test_ctc_greedy_decode() -> None:
    charset = ["<blank>", "a", "b", " "]
    steps = [1, 1, 0, 1, 2, 2, 0, 3, 0]
    probs = np.full((len(steps), 4), 0.05, dtype=np.float32)
    for t, k in enumerate(steps):
        probs[t, k] = 0.8 if k else 0.9
    probs[0, 1] = 0.6
    rec = ctc_greedy_decode(probs, charset)
    assert rec.text == "aab "
    assert rec.score == pytest.approx((0.6 + 0.8 + 0.8 + 0.8) / 4)


def test_ctc_all_blank_scores_zero() -> None:
    probs = np.zeros((5, 3), dtype=np.float32)
    probs[:, 0] = 1.0
    rec = ctc_greedy_decode(probs, ["<blank>", "a", " "])
    assert (rec.text, rec.score) == ("", 0.0)


def test_wide_forms_fold_to_ascii_only_outside_east_asian_lines() -> None:
    assert fold_fullwidth("TRAVEL\uff06LEISURE") == "TRAVEL&LEISURE"
    assert fold_fullwidth("Code #\uff1a\u3000\uff21\uff11") == "Code #: A1"
    assert (
        fold_fullwidth("\u4e2d\u6587\uff0c\u6807\u70b9\uff1a")
        == "\u4e2d\u6587\uff0c\u6807\u70b9\uff1a"
    )
    assert (
        fold_fullwidth("caf\u00e9 \u2014 \u201cquoted\u201d")
        == "caf\u00e9 \u2014 \u201cquoted\u201d"
    )
    # The decoder applies it.
    rec = ctc_greedy_decode(np.eye(3, dtype=np.float32), ["<blank>", "A", "\uff06"])
    assert rec.text == "A&"


def test_scaled_width_keeps_aspect_within_bounds() -> None:
    assert scaled_width(np.zeros((24, 100, 3), dtype=np.uint8)) == 200
    assert scaled_width(np.zeros((100, 1, 3), dtype=np.uint8)) >= 16
    assert scaled_width(np.zeros((1, 100000, 3), dtype=np.uint8)) <= 4096


def box(x: float, y: float, w: float = 50, h: float = 20, score: float = 1.0) -> DetectedRegion:
    return DetectedRegion(polygon=((x, y), (x + w, y), (x + w, y + h), (x, y + h)), score=score)


def test_sort_regions_lines_then_left_to_right() -> None:
    # Three lines; words on a line wobble by a few pixels, as real detections do.
    expected = [
        box(10, 10),
        box(70, 13),
        box(130, 8),
        box(10, 40),
        box(75, 42),
        box(10, 70, w=200),
    ]
    shuffled = expected[:]
    random.Random(4).shuffle(shuffled)
    assert sort_regions(shuffled) == expected
    assert sort_regions([]) == []
