"""The rule against pictures read as text, and the pipeline applying it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from ocr.engine.images import load_image
from ocr.engine.pictures import line_height, looks_like_picture, pictures
from ocr.engine.pipeline import Pipeline, build_pipeline
from ocr.engine.types import Crop, DetectedRegion, PageImage, Polygon, Recognition, Region
from ocr.engine.workflow import resolve_workflow

from .conftest import FIXTURES


def box(left: float, top: float, right: float, bottom: float) -> Polygon:
    return ((left, top), (right, top), (right, bottom), (left, bottom))


def line(polygon: Polygon, text: str, score: float = 0.99) -> Region:
    return Region(polygon, text, score, 0.9)


# The dev sets' cases (README, "Measured"): width, height and the page's line height.
def test_it_takes_an_unsure_character_many_lines_high_for_a_picture() -> None:
    assert looks_like_picture("2", 0.50, 242, 258, 30)  # google-doc p1's snake


def test_it_takes_an_unsure_character_wide_and_low_for_a_picture() -> None:
    assert looks_like_picture("V", 0.66, 37, 15, 21)  # a hatched bar of tracemonkey p13's chart


def test_it_keeps_real_short_text_read_with_little_confidence() -> None:
    assert not looks_like_picture("x", 0.60, 15, 13, 17)  # ticked on a FUNSD form
    assert not looks_like_picture("0", 0.57, 13, 18, 21)  # in a table
    # Handwritten lines the recognizer failed on: as high as the page's lines, kept for a
    # person to correct.
    assert not looks_like_picture("o", 0.64, 216, 76, 76)
    assert not looks_like_picture("ns", 0.52, 1468, 104, 76)


def test_it_keeps_confident_reads_and_longer_lines() -> None:
    assert not looks_like_picture("2", 0.98, 242, 258, 30)  # a large confident digit
    assert not looks_like_picture("IN THE", 0.40, 300, 100, 20)
    assert not looks_like_picture("  ", 0.10, 300, 100, 20)  # nothing read: nothing to judge


def test_it_judges_nothing_on_a_page_without_text_lines() -> None:
    assert not looks_like_picture("2", 0.50, 242, 258, 0)


def test_the_page_line_height_is_its_text_lines_median() -> None:
    regions = [
        line(box(0, 0, 300, 20), "first line"),
        line(box(0, 30, 300, 52), "second line"),
        line(box(0, 60, 300, 84), "third line"),
        line(box(400, 0, 500, 300), "2", 0.5),  # too short to count
    ]
    assert line_height(regions) == 22
    assert pictures(regions) == [False, False, False, True]
    # A vertical region is measured along its text: 300 across a 100-wide line is 3 lines.
    assert line_height([line(box(0, 0, 22, 300), "vertical text")]) == 22


class _Page:
    """Stub stages: each region 'read' as the text the test gives it."""

    def __init__(self, reads: Sequence[tuple[Polygon, str, float]]) -> None:
        self.reads = reads

    def detect(self, page: PageImage) -> list[DetectedRegion]:
        return [DetectedRegion(polygon, 0.9) for polygon, _, _ in self.reads]

    def crop(self, page: PageImage, regions: Sequence[DetectedRegion]) -> list[Crop]:
        return [Crop(region, np.zeros((8, 8, 3), np.uint8)) for region in regions]

    def recognize(self, crops: Sequence[Crop]) -> list[Recognition]:
        return [Recognition(text, score) for _, text, score in self.reads]


def test_the_pipeline_leaves_pictures_out_only_when_asked() -> None:
    stub = _Page(
        [
            (box(10, 10, 400, 40), "Example document", 0.97),
            (box(10, 50, 400, 80), "Beautiful is better than ugly.", 0.99),
            (box(450, 10, 550, 110), "2", 0.50),  # a picture beside them
            (box(10, 90, 30, 120), "1", 0.60),  # a page number, as narrow as a digit
        ]
    )
    page = PageImage(np.zeros((200, 600, 3), np.uint8))
    kept = Pipeline(stub, stub, stub).read_page(page)
    dropped = Pipeline(stub, stub, stub, drop_pictures=True).read_page(page)
    assert sorted(r.text for r in kept.regions) == sorted(t for _, t, _ in stub.reads)
    assert "2" not in [r.text for r in dropped.regions]
    assert len(dropped.regions) == 3


@pytest.mark.model
def test_default_leaves_out_the_picture_of_a_real_page_and_nothing_else() -> None:
    """google-doc p1: its snake, read as '2' at 0.50 (Latin alphabet), is the one line left out."""
    page = load_image(FIXTURES / "google-doc-p1.png")
    nodes = resolve_workflow("default")
    read = build_pipeline(nodes).read_page(page)
    nodes[2]["params"]["drop_pictures"] = False
    everything = build_pipeline(nodes).read_page(page)
    left_out = [r for r in everything.regions if r not in read.regions]
    assert [r.text for r in left_out] == ["2"] and left_out[0].score < 0.75
    assert len(read.regions) == len(everything.regions) - 1
