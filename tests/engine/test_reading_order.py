"""Reading order on made-up layouts: one column, two columns under a title, a table."""

from __future__ import annotations

from dataclasses import dataclass

from ocr.engine.reading_order import sort_regions
from ocr.engine.types import Polygon


@dataclass(frozen=True)
class Box:
    name: str
    polygon: Polygon


def box(name: str, left: float, top: float, right: float, bottom: float) -> Box:
    return Box(name, ((left, top), (right, top), (right, bottom), (left, bottom)))


def names(boxes: list[Box]) -> list[str]:
    return [b.name for b in sort_regions(boxes)]


def test_one_column_reads_top_to_bottom_and_words_left_to_right() -> None:
    page = [box("b1", 60, 40, 90, 55), box("a", 10, 10, 200, 25), box("b0", 10, 41, 50, 56)]
    assert names(page) == ["a", "b0", "b1"]


def test_two_columns_under_a_title_are_read_column_by_column() -> None:
    # Both columns share baselines, as in a LaTeX two-column paper.
    page = [box("title", 50, 10, 550, 40)]
    for row in range(4):
        top = 60 + 25 * row
        page.append(box(f"L{row}", 20, top, 280, top + 18))
        page.append(box(f"R{row}", 320, top + 1, 580, top + 19))
    page.append(box("footer", 20, 200, 580, 215))
    expected = ["title", "L0", "L1", "L2", "L3", "R0", "R1", "R2", "R3", "footer"]
    assert names(page[::-1]) == expected


def test_a_table_and_a_contents_page_are_read_row_by_row() -> None:
    page = []
    for row in range(3):
        top = 10 + 30 * row
        page.append(box(f"name{row}", 10, top, 300, top + 20))
        page.append(box(f"page{row}", 520, top, 560, top + 20))  # narrow: not a column of text
    assert names(page) == ["name0", "page0", "name1", "page1", "name2", "page2"]


def test_no_regions_no_order() -> None:
    assert sort_regions([]) == []
