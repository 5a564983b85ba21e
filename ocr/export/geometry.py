"""Boxes and points derived from region polygons, clamped to the page."""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from ocr.engine.types import PageResult, Polygon, Region

IntPoint = tuple[int, int]


class Box(NamedTuple):
    """An axis-aligned box in integer page pixels; x1/y1 are exclusive edges."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0


def _clamp(value: float, limit: int) -> float:
    return min(max(value, 0.0), float(limit))


def polygon_box(polygon: Polygon, width: int, height: int) -> Box:
    """The smallest integer box holding the polygon, clamped to the page."""
    if not polygon:
        return Box(0, 0, 0, 0)
    xs = [_clamp(x, width) for x, _ in polygon]
    ys = [_clamp(y, height) for _, y in polygon]
    return Box(math.floor(min(xs)), math.floor(min(ys)), math.ceil(max(xs)), math.ceil(max(ys)))


def union_box(boxes: list[Box]) -> Box | None:
    """The box holding all boxes, or None for none."""
    if not boxes:
        return None
    return Box(
        min(b.x0 for b in boxes),
        min(b.y0 for b in boxes),
        max(b.x1 for b in boxes),
        max(b.y1 for b in boxes),
    )


def polygon_points(polygon: Polygon, width: int, height: int) -> list[IntPoint]:
    """The polygon as rounded, clamped points; its box's corners if that leaves no area.

    PAGE-XML only takes non-negative integers, and a degenerate outline helps nobody.
    """
    points: list[IntPoint] = []
    for x, y in polygon:
        point = (round(_clamp(x, width)), round(_clamp(y, height)))
        if not points or points[-1] != point:
            points.append(point)
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    if len(set(points)) < 3:
        box = polygon_box(polygon, width, height)
        points = [(box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1)]
    return points


def is_axis_aligned_rectangle(points: list[IntPoint]) -> bool:
    """Whether four points trace a rectangle whose edges are horizontal and vertical."""
    if len(points) != 4:
        return False
    edges = zip(points, points[1:] + points[:1], strict=True)
    kinds = ["h" if a[1] == b[1] else "v" if a[0] == b[0] else "?" for a, b in edges]
    return kinds in (["h", "v", "h", "v"], ["v", "h", "v", "h"])


def word_boxes(text: str, box: Box) -> list[tuple[str, Box]]:
    """Whitespace-separated words with boxes cut from the line box by character counts.

    The engine reads whole lines; splitting by character share is a rough but monotone
    estimate that keeps every word inside its line.
    """
    total = len(text)
    if total == 0:
        return []
    words = []
    for match in re.finditer(r"\S+", text):
        x0 = box.x0 + math.floor(box.width * match.start() / total)
        x1 = box.x0 + math.ceil(box.width * match.end() / total)
        words.append((match.group(), Box(x0, box.y0, max(x1, x0), box.y1)))
    return words


def region_words(region: Region, width: int, height: int) -> list[tuple[str, Box, float]]:
    """The line's words with boxes and confidences: the recognizer's own (its CTC alignment)
    while they still spell the line's text, else word_boxes()' estimate (a line whose text a
    person edited) with the line's confidence."""
    if region.words and [w.text for w in region.words] == region.text.split():
        return [(w.text, polygon_box(w.polygon, width, height), w.score) for w in region.words]
    box = polygon_box(region.polygon, width, height)
    return [(text, word_box, region.score) for text, word_box in word_boxes(region.text, box)]


def page_blocks(result: PageResult) -> list[tuple[int, ...]]:
    """The page's blocks as runs of region positions, covering every region once in order;
    one block of all regions when the result has none (or they do not fit its regions, as
    after a person deleted or added a line)."""
    count = len(result.regions)
    runs = [tuple(block.lines) for block in result.blocks]
    if runs and [i for run in runs for i in run] == list(range(count)) and all(runs):
        return runs
    return [tuple(range(count))] if count else []
