"""The orientation step of the cropper: upside-down lines are turned, upright ones never."""

from __future__ import annotations

import numpy as np
import pytest

from ocr.engine.cropper import PerspectiveCropper
from ocr.engine.images import load_image
from ocr.engine.metrics import cer
from ocr.engine.orientation import get_classifier
from ocr.engine.pipeline import Pipeline
from ocr.engine.reading_order import sort_regions
from ocr.engine.types import DetectedRegion, PageImage

from .conftest import EUROTEXT, PHOTOTEST, PHOTOTEST_TEXT

pytestmark = pytest.mark.model

PHOTOTEST_LINES = [line for line in PHOTOTEST_TEXT.splitlines() if line]


def _line_crops(pipeline: Pipeline, path: object) -> list[np.ndarray]:
    page = load_image(path)  # type: ignore[arg-type]
    regions = sort_regions(pipeline.detector.detect(page))
    return [c.pixels for c in PerspectiveCropper(rotate_upside_down=False).crop(page, regions)]


def test_it_turns_an_upside_down_page_back_and_reads_it(pipeline: Pipeline) -> None:
    page = load_image(PHOTOTEST)
    flipped = PageImage(np.ascontiguousarray(page.pixels[::-1, ::-1]))
    regions = sort_regions(pipeline.detector.detect(flipped))
    crops = PerspectiveCropper(rotate_upside_down=True).crop(flipped, regions)
    texts = [r.text for r in pipeline.recognizer.recognize(crops)]
    # The page is upside down, so its lines are found bottom first.
    assert len(texts) == len(PHOTOTEST_LINES)
    for text, line in zip(texts[::-1], PHOTOTEST_LINES, strict=True):
        assert cer(line, text) < 0.1, (line, text)
    unturned = PerspectiveCropper(rotate_upside_down=False).crop(flipped, regions)
    garbled = " ".join(r.text for r in pipeline.recognizer.recognize(unturned))
    assert cer(" ".join(PHOTOTEST_LINES), garbled) > 0.5


def test_it_leaves_upright_lines_alone(pipeline: Pipeline) -> None:
    crops = _line_crops(pipeline, PHOTOTEST) + _line_crops(pipeline, EUROTEXT)
    scores = get_classifier().upside_down(crops)
    assert len(scores) == 20
    # Far below the default threshold (0.95): an upright line is never a close call.
    assert max(scores) < 0.2
    page = load_image(EUROTEXT)
    regions = pipeline.detector.detect(page)
    turned = PerspectiveCropper(rotate_upside_down=True).crop(page, regions)
    kept = PerspectiveCropper(rotate_upside_down=False).crop(page, regions)
    assert all(np.array_equal(a.pixels, b.pixels) for a, b in zip(turned, kept, strict=True))


def test_it_is_sure_about_upside_down_lines(pipeline: Pipeline) -> None:
    crops = _line_crops(pipeline, PHOTOTEST)
    scores = get_classifier().upside_down([c[::-1, ::-1] for c in crops])
    assert min(scores) > 0.95


@pytest.mark.parametrize("turns", [1, -1])
def test_it_reads_a_vertical_line_whichever_way_it_runs(pipeline: Pipeline, turns: int) -> None:
    line = _line_crops(pipeline, PHOTOTEST)[0]
    vertical = np.rot90(line, turns)  # a line running up (1) or down (-1) the page
    h, w = vertical.shape[:2]
    pixels = np.full((h + 40, w + 40, 3), 255, dtype=np.uint8)
    pixels[20 : 20 + h, 20 : 20 + w] = vertical
    region = DetectedRegion(
        polygon=((20, 20), (20 + w, 20), (20 + w, 20 + h), (20, 20 + h)), score=1.0
    )
    [crop] = PerspectiveCropper(rotate_upside_down=True).crop(PageImage(pixels), [region])
    assert crop.pixels.shape[1] > crop.pixels.shape[0]
    [rec] = pipeline.recognizer.recognize([crop])
    assert cer(PHOTOTEST_LINES[0], rec.text) < 0.1, rec.text


def test_it_counts_an_empty_crop_as_upright() -> None:
    empty = np.zeros((0, 0, 3), dtype=np.uint8)
    line = np.full((30, 200, 3), 255, dtype=np.uint8)
    scores = get_classifier().upside_down([empty, line])
    assert scores[0] == 0.0 and len(scores) == 2
    assert get_classifier().straighten([empty], 0.95)[0] is empty


def test_it_turns_the_less_sure_lines_of_a_page_found_upside_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    classifier = get_classifier()
    lines = [np.full((30, 200, 3), i, dtype=np.uint8) for i in range(4)]

    def turned(scores: list[float]) -> list[bool]:
        monkeypatch.setattr(classifier, "upside_down", lambda images: scores)
        out = classifier.straighten(lines, 0.95)
        return [a is not b for a, b in zip(out, lines, strict=True)]

    # Most lines sure: the page is upside down, so a line leaning that way is turned too.
    assert turned([0.99, 0.97, 0.99, 0.7]) == [True, True, True, True]
    # One sure line on an upright page is turned alone; leaning lines stay.
    assert turned([0.99, 0.7, 0.1, 0.0]) == [True, False, False, False]
    assert turned([0.4, 0.1, 0.0, 0.9]) == [False, False, False, False]
