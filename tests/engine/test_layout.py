"""Blocks and reading order on a real two-column page, against the PDF's own text layer."""

from __future__ import annotations

import pytest

from ocr.bench.datasets import TruthBox
from ocr.bench.scoring import order_pairs
from ocr.engine.geometry import bounds
from ocr.engine.pipeline import Pipeline
from ocr.engine.reading_order import group_blocks
from ocr.engine.types import PageResult, Region
from ocr.ingest.inputs import iter_pages
from ocr.ingest.limits import Limits
from ocr.ingest.options import Options

from .conftest import FIXTURES

SLACK = 8  # page pixels at 100 dpi


@pytest.fixture(scope="module")
def two_columns(pipeline: Pipeline) -> tuple[PageResult, list[TruthBox]]:
    """multicolumn.pdf's first page (title, then two columns) read at 100 dpi, and the lines of
    its text layer, which runs column by column."""
    options = Options(pdf_dpi=100, text_layer=True)
    page = next(iter(iter_pages(FIXTURES / "multicolumn.pdf", Limits(), options)))
    assert page.text_layer is not None
    truth = [TruthBox(r.polygon, r.text) for r in page.text_layer.regions]
    return pipeline.read_page(page.image), truth


def test_it_reads_two_columns_one_after_the_other(
    two_columns: tuple[PageResult, list[TruthBox]],
) -> None:
    result, truth = two_columns
    agree, adjacent, pairs = order_pairs(result.regions, truth)
    assert pairs >= 60
    assert agree / pairs >= 0.97
    # Read row by row, each column's next line would come two regions later: this sees that.
    assert adjacent / pairs >= 0.9


def test_its_blocks_never_straddle_the_gutter(
    two_columns: tuple[PageResult, list[TruthBox]],
) -> None:
    result, _ = two_columns
    assert [i for block in result.blocks for i in block.lines] == list(range(len(result.regions)))
    middle = 425 * result.width / 827  # the gutter runs from x=417 to 432 at 100 dpi

    def crosses(polygon: tuple[tuple[float, float], ...]) -> bool:
        # Detected boxes reach a few pixels past their ink, into the gutter.
        left, _, right, _ = bounds(polygon)
        return left < middle - SLACK and right > middle + SLACK

    sides = {"left": 0, "right": 0}
    for block in result.blocks:
        if not crosses(block.polygon):
            sides["left" if bounds(block.polygon)[2] < middle + SLACK else "right"] += 1
            continue
        # A block across the gutter holds a line across it: the title, or the one line at
        # y=740 that the detector reads across the 15-pixel gutter (two lines that share a
        # baseline, merged into one box), which then joins the lines around it.
        assert any(crosses(result.regions[i].polygon) for i in block.lines)
    assert sides["left"] >= 1 and sides["right"] >= 1


def test_a_heading_and_a_new_column_start_blocks() -> None:
    def line(left: float, top: float, right: float, height: float = 20) -> Region:
        box = ((left, top), (right, top), (right, top + height), (left, top + height))
        return Region(polygon=box, text="x", score=1.0, detection_score=1.0)

    regions = [
        line(100, 50, 400, height=40),  # a heading, twice the body's height
        line(100, 110, 400),
        line(100, 134, 400),
        line(100, 158, 300),
        line(450, 110, 750),  # the next column, back up the page
        line(450, 134, 750),
        line(450, 220, 750),  # after a wide gap: a new paragraph
    ]
    assert [block.lines for block in group_blocks(regions)] == [(0,), (1, 2, 3), (4, 5), (6,)]
