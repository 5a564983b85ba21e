"""Word boxes: from the recognizer's CTC alignment, taken back to the page."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest

from ocr.engine.images import load_image
from ocr.engine.pipeline import Pipeline
from ocr.engine.recognizers.ppocr_ctc import ctc_greedy_decode
from ocr.engine.tesseract import LANGUAGE, tessdata_dir
from ocr.engine.types import Crop, DetectedRegion, PageResult, WordSpan
from ocr.engine.words import place_words

from .conftest import EUROTEXT, PHOTOTEST

Box = tuple[float, float, float, float]


def _tesseract_words(path: Any) -> list[tuple[str, Box]]:
    """Tesseract's own word boxes on the page: an independent reference."""
    tesserocr: Any = importlib.import_module("tesserocr")
    pixels = load_image(path).pixels
    with tesserocr.PyTessBaseAPI(path=str(tessdata_dir()), lang=LANGUAGE) as api:
        height, width = pixels.shape[:2]
        api.SetImageBytes(np.ascontiguousarray(pixels).tobytes(), width, height, 3, 3 * width)
        api.Recognize()
        level = tesserocr.RIL.WORD
        return [
            (word.GetUTF8Text(level).strip(), tuple(float(v) for v in word.BoundingBox(level)))
            for word in tesserocr.iterate_level(api.GetIterator(), level)
            if word.GetUTF8Text(level).strip()
        ]


def _span_overlap(a: Box, b: Box) -> float:
    """Intersection over union of two boxes along x (line boxes are taller than ink boxes)."""
    inter = min(a[2], b[2]) - max(a[0], b[0])
    return max(inter, 0.0) / (max(a[2], b[2]) - min(a[0], b[0]))


@pytest.mark.parametrize("path", [PHOTOTEST, EUROTEXT], ids=["phototest", "eurotext"])
def test_it_puts_each_word_where_tesseract_finds_it(pipeline: Pipeline, path: Any) -> None:
    result: PageResult = pipeline.read_page(load_image(path))
    reference = _tesseract_words(path)
    overlaps = []
    for region in result.regions:
        assert " ".join(w.text for w in region.words) == " ".join(region.text.split())
        for word in region.words:
            xs, ys = zip(*word.polygon, strict=True)
            box = (min(xs), min(ys), max(xs), max(ys))
            middle = (box[1] + box[3]) / 2
            same = [b for text, b in reference if text == word.text and b[1] < middle < b[3]]
            overlaps.append(max((_span_overlap(box, b) for b in same), default=0.0))
    assert len(overlaps) > 50
    # An even split of each line by characters puts most words off by a letter or two; CTC's
    # peaks put 80% of them within a fifth of Tesseract's own box.
    assert float(np.mean(np.array(overlaps) >= 0.7)) >= 0.8
    assert float(np.median(overlaps)) >= 0.8


def test_words_follow_the_crop_back_to_the_page() -> None:
    region = DetectedRegion(polygon=((10, 10), (110, 10), (110, 30), (10, 30)), score=1.0)
    spans = (WordSpan("ab", 0.0, 0.5, 1.0), WordSpan("cd", 0.5, 1.0, 1.0))
    flat = np.zeros((20, 100, 3), np.uint8)
    upright = place_words(Crop(region, flat), spans)
    assert upright[0].polygon == ((10, 10), (60, 10), (60, 30), (10, 30))
    # Turned over (an upside-down line): the first word read lies at the right of the page.
    over = place_words(Crop(region, flat, turned=2), spans)
    assert over[0].polygon == ((110, 30), (60, 30), (60, 10), (110, 10))
    # A vertical line, turned a quarter to read it: words go down the page.
    column = DetectedRegion(polygon=((10, 10), (30, 10), (30, 110), (10, 110)), score=1.0)
    down = place_words(Crop(column, np.zeros((20, 100, 3), np.uint8), turned=1), spans)
    assert down[0].polygon == ((30, 10), (30, 60), (10, 60), (10, 10))
    # Padding around the crop is not part of the region.
    padded = place_words(Crop(region, np.zeros((40, 120, 3), np.uint8), padding=10), spans)
    assert padded[1].polygon[1] == (110, 10)


def test_it_aligns_words_with_the_ctc_peaks() -> None:
    charset = ["<blank>", "a", "b", " "]
    steps = [1, 0, 1, 0, 3, 0, 2, 0, 0, 0]  # "a", "a" (a blank between), " ", "b"; 10 steps
    probs = np.eye(4, dtype=np.float32)[steps]
    found = ctc_greedy_decode(probs, charset)
    assert found.text == "aa b"
    first, second = found.words
    assert (first.text, second.text) == ("aa", "b")
    # Peaks at steps 0.5, 2.5 and 6.5: the pitch is 3 steps, so each word reaches 1.5 steps
    # beyond its outer peaks (never before the page's start).
    assert (first.start, first.end) == pytest.approx((0.0, 0.4))
    assert (second.start, second.end) == pytest.approx((0.5, 0.8))
    # When the crop fills only the first 8 of the 10 steps (the rest is the batch's padding),
    # the same peaks lie further along it.
    padded = ctc_greedy_decode(probs, charset, content=0.8).words[1]
    assert (padded.start, padded.end) == pytest.approx((5 / 8, 1.0))
