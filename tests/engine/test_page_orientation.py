"""Pages scanned sideways or upside down are found and read upright."""

from __future__ import annotations

import numpy as np
import pytest

from ocr.engine.geometry import bounds
from ocr.engine.images import load_image
from ocr.engine.metrics import cer
from ocr.engine.page_orientation import get_page_orientation, point_back, turned
from ocr.engine.pipeline import Pipeline, build_pipeline
from ocr.engine.types import PageImage, PageResult
from ocr.engine.workflow import resolve_workflow

from .conftest import EUROTEXT, EUROTEXT_TEXT, PHOTOTEST

PAGES = {"eurotext": (EUROTEXT, EUROTEXT_TEXT)}


@pytest.fixture(scope="module")
def pages() -> dict[str, np.ndarray]:
    return {name: load_image(path).pixels for name, (path, _) in PAGES.items()} | {
        "phototest": load_image(PHOTOTEST).pixels
    }


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_it_tells_how_a_page_was_turned(pages: dict[str, np.ndarray], degrees: int) -> None:
    classifier = get_page_orientation()
    for pixels in pages.values():
        # np.rot90 with -k turns the page k quarters clockwise; k turns back bring it upright.
        sideways = np.ascontiguousarray(np.rot90(pixels, -degrees // 90))
        assert classifier.quarter_turns(sideways) == degrees // 90


def test_points_go_back_to_the_page_as_it_came() -> None:
    width, height = 40, 30
    for turns in range(4):
        image = np.zeros((height, width), np.uint8)
        image[5, 7] = 1  # the pixel whose corner (7, 5) we follow
        upright = turned(image[..., None], turns)[..., 0]
        y, x = (int(v) for v in np.argwhere(upright)[0])
        # The pixel's centre, turned back, lands on the original pixel's centre.
        assert point_back((x + 0.5, y + 0.5), turns, width, height) == (7.5, 5.5)


def _read(pipeline: Pipeline, pixels: np.ndarray) -> PageResult:
    return pipeline.read_page(PageImage(pixels=np.ascontiguousarray(pixels)))


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_it_reads_a_turned_page_as_well_as_the_upright_one(degrees: int) -> None:
    pipeline = build_pipeline(resolve_workflow("default"))
    nodes = resolve_workflow("default")
    nodes[0]["params"]["page_orientation"] = False  # the detector's node holds the switch
    off = build_pipeline(nodes)
    pixels = load_image(EUROTEXT).pixels
    upright = _read(pipeline, pixels)
    sideways = np.rot90(pixels, -degrees // 90)
    result = _read(pipeline, sideways)
    assert result.rotation == degrees
    assert (result.width, result.height) == (sideways.shape[1], sideways.shape[0])
    expected = cer(EUROTEXT_TEXT, upright.text)
    assert cer(EUROTEXT_TEXT, result.text) <= expected * 1.05 + 1e-9
    # Each line lies on the turned page where that page shows it.
    for line in result.regions:
        left, top, right, bottom = bounds(line.polygon)
        assert 0 <= left < right <= result.width and 0 <= top < bottom <= result.height
        tall = bottom - top > right - left
        assert tall == (degrees != 180) or len(line.text) < 3
    # Without the step, the turned page reads badly (sideways: hardly at all).
    assert cer(EUROTEXT_TEXT, _read(off, sideways).text) > 0.3
