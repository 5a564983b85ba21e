"""Line assembly: word boxes on the same text line joined into one line box."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

import numpy as np

from .geometry import bounds, order_clockwise, to_polygon
from .types import DetectedRegion, Polygon

# Share of the shorter box's height two neighbours must share to sit on one line.
MIN_OVERLAP = 0.5
# Widest gap between neighbours, in line heights, still read as a space between words;
# gutters between columns (and table cells) are wider.
MAX_GAP = 1.2
# Neighbours may overlap a little (detectors grow boxes past their ink); beyond this share of
# the line height, the right box is not next to the left one but on top of it.
MAX_OVERLAP_X = 0.5
MAX_TILT = math.radians(20)  # a box tilted further is not a word of a horizontal line

Box = tuple[float, float, float, float]


def _next_on_line(left: Box, right: Box, max_gap: float, min_overlap: float) -> float | None:
    """The gap from `left` to `right` if `right` continues `left`'s line, else None."""
    left_height, right_height = left[3] - left[1], right[3] - right[1]
    if left_height <= 0 or right_height <= 0:
        return None
    shared = min(left[3], right[3]) - max(left[1], right[1])
    if shared < min_overlap * min(left_height, right_height):
        return None
    # Words without ascenders ("ocr") have short boxes, so the taller neighbour sets the line
    # height; capped so that a tall neighbour (a drop cap, a stray figure) cannot stretch it far.
    height = min(max(left_height, right_height), 2 * min(left_height, right_height))
    gap = right[0] - left[2]
    if gap > max_gap * height or gap < -MAX_OVERLAP_X * height:
        return None
    return gap


def _tilt(polygon: Polygon) -> float:
    """Angle of a quadrilateral's top edge (radians, clockwise in image coordinates)."""
    if len(polygon) != 4:
        return 0.0
    top_left, top_right = order_clockwise(np.asarray(polygon, dtype=np.float32))[:2]
    angle = math.atan2(float(top_right[1] - top_left[1]), float(top_right[0] - top_left[0]))
    return angle if abs(angle) <= MAX_TILT else 0.0


def _enclosing_quad(polygons: Sequence[Polygon], angle: float) -> Polygon:
    """The rectangle tilted by `angle` that holds every point of `polygons`."""
    points = np.array([p for polygon in polygons for p in polygon], dtype=np.float64)
    if abs(angle) < 1e-3:
        left, top = points.min(axis=0)
        right, bottom = points.max(axis=0)
        corners = np.array([[left, top], [right, top], [right, bottom], [left, bottom]])
        return to_polygon(corners)
    cos, sin = math.cos(angle), math.sin(angle)
    # Into the line's own frame (text runs along x), take the bounds, and back.
    to_line = np.array([[cos, sin], [-sin, cos]])
    local = points @ to_line.T
    (left, top), (right, bottom) = local.min(axis=0), local.max(axis=0)
    corners = np.array([[left, top], [right, top], [right, bottom], [left, bottom]])
    return to_polygon(corners @ to_line)


def merge_lines(
    regions: Sequence[DetectedRegion],
    *,
    max_gap: float = MAX_GAP,
    min_overlap: float = MIN_OVERLAP,
) -> list[DetectedRegion]:
    """Regions that sit side by side on one text line joined into one line region.

    Neighbours join when they share most of their height and the space between them is at
    most `max_gap` line heights, so words join but columns and table cells stay apart. A line's
    score is the mean of its words' scores; lines keep the input order of their earliest word.
    """
    boxes = [bounds(r.polygon) for r in regions]
    order = sorted(range(len(regions)), key=lambda i: (boxes[i][0], boxes[i][1]))
    lines: list[list[int]] = []
    for index in order:
        best: list[int] | None = None
        best_gap = math.inf
        for line in lines:
            gap = _next_on_line(boxes[line[-1]], boxes[index], max_gap, min_overlap)
            if gap is not None and gap < best_gap:
                best, best_gap = line, gap
        if best is None:
            lines.append([index])
        else:
            best.append(index)

    merged: list[tuple[int, DetectedRegion]] = []
    for line in lines:
        if len(line) == 1:
            merged.append((line[0], regions[line[0]]))
            continue
        polygons = [regions[i].polygon for i in line]
        angle = statistics.median(_tilt(p) for p in polygons)
        region = DetectedRegion(
            polygon=_enclosing_quad(polygons, angle),
            score=statistics.fmean(regions[i].score for i in line),
        )
        merged.append((min(line), region))
    return [region for _, region in sorted(merged, key=lambda pair: pair[0])]
