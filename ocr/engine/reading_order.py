"""Geometric reading order: lines top to bottom, each read left to right."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from .geometry import bounds
from .types import Polygon

LINE_OVERLAP = 0.5  # share of the shorter box's height two boxes must share to be one line


class HasPolygon(Protocol):
    @property
    def polygon(self) -> Polygon: ...


T = TypeVar("T", bound=HasPolygon)


def sort_regions(regions: Sequence[T]) -> list[T]:
    """Regions in reading order for a single-column page."""
    boxes = [(bounds(r.polygon), r) for r in regions]
    boxes.sort(key=lambda item: (item[0][1] + item[0][3]) / 2)
    lines: list[tuple[float, float, list[tuple[float, T]]]] = []
    for (left, top, _right, bottom), region in boxes:
        if lines:
            line_top, line_bottom, members = lines[-1]
            overlap = min(bottom, line_bottom) - max(top, line_top)
            shorter = min(bottom - top, line_bottom - line_top)
            if shorter > 0 and overlap >= LINE_OVERLAP * shorter:
                # Keep the line's band as the first box's: growing it lets skewed lines chain.
                members.append((left, region))
                continue
        lines.append((top, bottom, [(left, region)]))
    return [region for _, _, members in lines for _, region in sorted(members, key=_left)]


def _left(item: tuple[float, object]) -> float:
    return item[0]
