"""Geometric reading order: columns left to right, each read top to bottom, line by line.

A recursive XY-cut: at each step the block is split at its widest stretch of white space,
across (between paragraphs and lines) or down (between columns). A gutter between two columns
is far wider than the space between lines, so a two-column page is read column by column even
when its lines share baselines. Lines that cross the gutter (a title, a caption, a footer) are
read where they stand, between the column-wise slabs above and below them. A cut down the page
is taken only when both sides are wide enough to be columns of text; narrow parts (the page
numbers of a contents page, the cells of a table) stay with their row, so tables are read row
by row.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from .geometry import bounds
from .types import Block, Polygon

LINE_OVERLAP = 0.5  # share of the shorter box's height two boxes must share to be one line
# A gap down the page narrower than this many line heights separates words, not columns.
MIN_COLUMN_GAP = 1.0
# Share of a box's height cut off each end when looking for a gutter between boxes.
CORE_INSET = 0.4
# A narrower gap down the page (down to this many line heights) is a gutter when at least
# MIN_FLUSH_LINES lines on each side end or start within FLUSH_SLACK line heights of it.
MIN_FLUSH_GAP = 0.25
MIN_FLUSH_LINES = 5
FLUSH_SLACK = 0.5
# Each side of a cut down the page must be at least this share of the block's width.
MIN_COLUMN_SHARE = 0.2
# Neighbouring columns share at least this much of the shorter one's height.
MIN_COLUMN_SIDE_BY_SIDE = 0.5
# Lines at least this share of the block's width divide it into slabs (titles, footers).
SPANNING_SHARE = 0.6
# Share of a block's narrower lines that may cross a gutter (captions) without hiding it; lines
# across the whole width (titles, footers) divide the block and are not counted.
MAX_GUTTER_CROSSINGS = 0.1

Box = tuple[float, float, float, float]  # left, top, right, bottom
Boxes = npt.NDArray[np.float64]  # one Box a row


class HasPolygon(Protocol):
    @property
    def polygon(self) -> Polygon: ...


T = TypeVar("T", bound=HasPolygon)
Item = tuple[Box, T]


# A line continues the block above it when the white space between them is at most this many
# line heights, it shares this much of its width with the block, and its height is within
# this factor of the block's lines (a heading over its paragraph starts a block of its own).
BLOCK_GAP = 0.8
BLOCK_OVERLAP = 0.5
BLOCK_HEIGHT_RATIO = 1.5


def group_blocks(regions: Sequence[HasPolygon]) -> list[Block]:
    """Regions already in reading order, cut into blocks where the order jumps (to the next
    column, across a gap, to a line of another size); each block's polygon is the box around
    its lines."""
    blocks: list[list[int]] = []
    boxes = [bounds(region.polygon) for region in regions]
    for index, box in enumerate(boxes):
        if blocks and _continues([boxes[i] for i in blocks[-1]], box):
            blocks[-1].append(index)
        else:
            blocks.append([index])
    result = []
    for members in blocks:
        left = min(boxes[i][0] for i in members)
        top = min(boxes[i][1] for i in members)
        right = max(boxes[i][2] for i in members)
        bottom = max(boxes[i][3] for i in members)
        polygon = ((left, top), (right, top), (right, bottom), (left, bottom))
        result.append(Block(polygon=polygon, lines=tuple(members)))
    return result


def _continues(block: list[Box], box: Box) -> bool:
    last = block[-1]
    heights = [b[3] - b[1] for b in block]
    height = statistics.median(heights)
    line = box[3] - box[1]
    if height <= 0 or line <= 0 or max(line / height, height / line) > BLOCK_HEIGHT_RATIO:
        return False
    overlap_y = min(last[3], box[3]) - max(last[1], box[1])
    if overlap_y >= LINE_OVERLAP * min(line, last[3] - last[1]):
        return True  # the same row (a line split into pieces, a table's cells)
    if box[1] - last[3] > BLOCK_GAP * height or box[3] <= last[1]:
        return False  # a wide gap, or back up the page (the next column)
    left, right = min(b[0] for b in block), max(b[2] for b in block)
    shared = min(right, box[2]) - max(left, box[0])
    return shared >= BLOCK_OVERLAP * min(right - left, box[2] - box[0])


def sort_regions(regions: Sequence[T]) -> list[T]:
    """Regions in reading order, for single- and multi-column pages."""
    items = [(bounds(r.polygon), r) for r in regions]
    if not items:
        return []
    line_height = statistics.median(max(box[3] - box[1], 1.0) for box, _ in items)
    return [region for _, region in _xy_cut(items, line_height)]


def _xy_cut(items: list[Item[T]], line_height: float) -> list[Item[T]]:
    if len(items) <= 1:
        return items
    rows, row_gap = _split(items, axis=1, min_gap=0.0)
    columns, column_gap = _split(items, axis=0, min_gap=MIN_COLUMN_GAP * line_height)
    if len(columns) > 1 and column_gap > row_gap and _are_text_columns(columns):
        return [item for column in columns for item in _xy_cut(column, line_height)]
    gutter = _gutter(items, line_height)
    if gutter is not None:
        return _around_spanning(items, gutter, line_height)
    if len(rows) > 1:
        return [item for row in rows for item in _xy_cut(row, line_height)]
    return _by_lines(items)


def _gutter(items: list[Item[T]], line_height: float) -> tuple[float, float] | None:
    """The white space between columns of text: the widest stretch across which at most a few
    lines reach (a title, a caption), with a column of text on each side."""
    boxes = np.array([box for box, _ in items], dtype=np.float64)
    left, right = float(boxes[:, 0].min()), float(boxes[:, 2].max())
    narrow = boxes[boxes[:, 2] - boxes[:, 0] < SPANNING_SHARE * (right - left)].copy()
    if len(narrow) < 4:
        return None
    # A detector's boxes reach past the ink by a share of the line's height on each side (DB's
    # unclip), enough to close a tight gutter (multicolumn.pdf: 7 of its 15 pixels at 100
    # dpi); the columns are sought between the boxes' cores.
    inset = np.minimum(
        CORE_INSET * (narrow[:, 3] - narrow[:, 1]), (narrow[:, 2] - narrow[:, 0]) / 4
    )
    narrow[:, 0] += inset
    narrow[:, 2] -= inset
    starts, ends = narrow[:, 0], narrow[:, 2]
    allowed = max(1, int(MAX_GUTTER_CROSSINGS * len(narrow)))
    edges = np.unique(np.concatenate([starts, ends]))
    best: tuple[float, float] | None = None
    run_start: float | None = None
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        crossing = int(np.count_nonzero((starts < b) & (ends > a)))
        if crossing <= allowed:
            run_start = float(a) if run_start is None else run_start
            candidate = (run_start, float(b))
            width = candidate[1] - candidate[0]
            wide_enough = width >= MIN_COLUMN_GAP * line_height or (
                width >= MIN_FLUSH_GAP * line_height
                and _flush_columns(narrow, candidate, line_height)
            )
            if (
                wide_enough
                and _text_on_both_sides(narrow, candidate, right - left)
                and (best is None or candidate[1] - candidate[0] > best[1] - best[0])
            ):
                best = candidate
        else:
            run_start = None
    return best


def _flush_columns(boxes: Boxes, gap: tuple[float, float], line_height: float) -> bool:
    """Justified columns: many lines end flush against the gap on its left and many start
    flush on its right. A narrow gutter (LaTeX's two columns leave about one line height, and
    detected boxes reach into it) is told from the space between a form's label and its value
    that way."""
    slack = FLUSH_SLACK * line_height
    ending = np.count_nonzero(np.abs(boxes[:, 2] - gap[0]) <= slack)
    starting = np.count_nonzero(np.abs(boxes[:, 0] - gap[1]) <= slack)
    return bool(min(ending, starting) >= MIN_FLUSH_LINES)


def _text_on_both_sides(boxes: Boxes, gap: tuple[float, float], width: float) -> bool:
    before = boxes[boxes[:, 2] <= gap[0]]
    after = boxes[boxes[:, 0] >= gap[1]]
    return all(len(side) >= 2 and _is_text_column(side, width) for side in (before, after))


def _is_text_column(boxes: Boxes, block_width: float) -> bool:
    return float(boxes[:, 2].max() - boxes[:, 0].min()) >= MIN_COLUMN_SHARE * block_width


def _around_spanning(
    items: list[Item[T]], gutter: tuple[float, float], line_height: float
) -> list[Item[T]]:
    """Lines across the whole width divide the page into slabs, each read column by column.
    A narrower line straddling the gutter (a caption set between the columns) is read after the
    columns of its slab, or before them when it stands above all of them (a heading)."""
    left = min(box[0] for box, _ in items)
    width = max(box[2] for box, _ in items) - left
    # A line crosses only if it reaches over the whole gutter; one that merely runs into it (a
    # long line of the left column, a hanging indent of the right one) stays in its column.
    crossing = [item for item in items if item[0][0] < gutter[0] and item[0][2] > gutter[1]]
    middle = (gutter[0] + gutter[1]) / 2
    separators = sorted(
        (item for item in crossing if item[0][2] - item[0][0] >= SPANNING_SHARE * width),
        key=_middle,
    )
    slabs: list[list[Item[T]]] = [[] for _ in range(len(separators) + 1)]
    insets: list[list[Item[T]]] = [[] for _ in range(len(separators) + 1)]
    for item in items:
        if any(item is s for s in separators):
            continue
        between = sum(_middle(s) < _middle(item) for s in separators)
        (insets if any(item is c for c in crossing) else slabs)[between].append(item)
    ordered: list[Item[T]] = []
    for position, (slab, inset) in enumerate(zip(slabs, insets, strict=True)):
        if position:
            ordered.append(separators[position - 1])
        top = min((box[1] for box, _ in slab), default=float("inf"))
        heading = [i for i in inset if i[0][3] <= top]
        ordered += _by_lines(heading) if heading else []
        # Split at the gutter found above rather than search again: each side is smaller, so
        # this always ends.
        for side in (
            [i for i in slab if (i[0][0] + i[0][2]) / 2 < middle],
            [i for i in slab if (i[0][0] + i[0][2]) / 2 >= middle],
        ):
            ordered += _xy_cut(side, line_height)
        ordered += _by_lines([i for i in inset if i[0][3] > top])
    return ordered


def _middle(item: Item[T]) -> float:
    return (item[0][1] + item[0][3]) / 2


def _split(items: list[Item[T]], axis: int, min_gap: float) -> tuple[list[list[Item[T]]], float]:
    """Groups separated by white space wider than min_gap along axis (0: x, 1: y), in order,
    and the widest such gap."""
    ordered = sorted(items, key=lambda item: item[0][axis])
    groups: list[list[Item[T]]] = [[ordered[0]]]
    end = ordered[0][0][axis + 2]
    widest = 0.0
    for item in ordered[1:]:
        start = item[0][axis]
        if start - end > min_gap:
            widest = max(widest, start - end)
            groups.append([])
        groups[-1].append(item)
        end = max(end, item[0][axis + 2])
    return groups, widest


def _are_text_columns(columns: list[list[Item[T]]]) -> bool:
    left = min(box[0] for column in columns for box, _ in column)
    right = max(box[2] for column in columns for box, _ in column)
    if not all(
        _is_text_column(np.array([box for box, _ in column], dtype=np.float64), right - left)
        for column in columns
    ):
        return False
    # Columns stand side by side: each shares most of its height with its neighbour. A running
    # head set to the right above the text is no column beside it; it is read in its row.
    spans = [(min(b[1] for b, _ in c), max(b[3] for b, _ in c)) for c in columns]
    for (top_a, bottom_a), (top_b, bottom_b) in zip(spans[:-1], spans[1:], strict=True):
        shared = min(bottom_a, bottom_b) - max(top_a, top_b)
        if shared < MIN_COLUMN_SIDE_BY_SIDE * min(bottom_a - top_a, bottom_b - top_b):
            return False
    return True


def _by_lines(items: list[Item[T]]) -> list[Item[T]]:
    """No clean cut left: group boxes into lines by vertical overlap, each read left to right."""
    ordered = sorted(items, key=lambda item: (item[0][1] + item[0][3]) / 2)
    lines: list[tuple[float, float, list[Item[T]]]] = []
    for item in ordered:
        _, top, _, bottom = item[0]
        if lines:
            line_top, line_bottom, members = lines[-1]
            overlap = min(bottom, line_bottom) - max(top, line_top)
            shorter = min(bottom - top, line_bottom - line_top)
            if shorter > 0 and overlap >= LINE_OVERLAP * shorter:
                # Keep the line's band as the first box's: growing it lets skewed lines chain.
                members.append(item)
                continue
        lines.append((top, bottom, [item]))
    return [item for _, _, members in lines for item in sorted(members, key=_left)]


def _left(item: Item[T]) -> float:
    return item[0][0]
