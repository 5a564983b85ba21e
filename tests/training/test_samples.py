"""Samples cut from pages: line crops through the product's cropper, pages with outlines."""

from __future__ import annotations

import numpy as np

from ocr.engine.images import load_image
from ocr.engine.types import PageImage
from ocr.training.samples import (
    TruthRegion,
    detection_sample,
    line_samples,
    normalise_text,
)

from .conftest import POILUS, poilus_regions


def test_it_cuts_handwritten_lines_upright_with_their_text() -> None:
    regions = poilus_regions()
    lines = line_samples(load_image(POILUS), regions)
    assert [line.text for line in lines] == [normalise_text(r.text) for r in regions]
    for line in lines:
        height, width = line.pixels.shape[:2]
        assert width > 3 * height  # a line, lying down
        assert line.pixels.dtype == np.uint8 and line.pixels.shape[2] == 3
        assert line.pixels.mean() < 250  # ink, not blank paper


def test_it_leaves_out_lines_without_text_and_folds_spaces() -> None:
    page = PageImage(np.full((100, 200, 3), 255, dtype=np.uint8))
    box = ((10.0, 10.0), (150.0, 10.0), (150.0, 40.0), (10.0, 40.0))
    lines = line_samples(page, [TruthRegion(box, " a\u00a0 b "), TruthRegion(box, "  ")])
    assert [line.text for line in lines] == ["a b"]


def test_it_ignores_regions_without_text_when_training_a_detector() -> None:
    page = PageImage(np.full((100, 200, 3), 255, dtype=np.uint8))
    box = ((10.0, 10.0), (150.0, 10.0), (150.0, 40.0), (10.0, 40.0))
    sample = detection_sample(page, [TruthRegion(box, "word"), TruthRegion(box, "")])
    assert sample.ignore == (False, True)
    assert len(sample.polygons) == 2
