"""Tesseract's layout analysis as a detector: text lines (or words) without recognising them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from ..tesseract import get_api, set_image
from ..types import DetectedRegion, PageImage, Polygon

Level = Literal["lines", "words"]
MAX_SKEW = math.radians(30)  # beyond this a baseline is noise, not a tilted line


def skewed_box(box: tuple[int, int, int, int], angle: float) -> Polygon:
    """The rectangle tilted by `angle` (radians, clockwise in image coordinates) whose
    axis-aligned bounds are `box`; the box itself when the tilt does not fit it."""
    left, top, right, bottom = (float(v) for v in box)
    width, height = right - left, bottom - top
    cos, sin = math.cos(angle), abs(math.sin(angle))
    denominator = cos * cos - sin * sin
    # Bounds of a tilted L x h rectangle: W = L cos + h sin, H = L sin + h cos; solve for L, h.
    length = (width * cos - height * sin) / denominator if denominator > 0 else 0.0
    thickness = (height * cos - width * sin) / denominator if denominator > 0 else 0.0
    if abs(angle) < 1e-3 or length <= 0 or thickness <= 1:
        return ((left, top), (right, top), (right, bottom), (left, bottom))
    cx, cy = (left + right) / 2, (top + bottom) / 2
    ux, uy = math.cos(angle) * length / 2, math.sin(angle) * length / 2
    vx, vy = -math.sin(angle) * thickness / 2, math.cos(angle) * thickness / 2
    return (
        (cx - ux - vx, cy - uy - vy),
        (cx + ux - vx, cy + uy - vy),
        (cx + ux + vx, cy + uy + vy),
        (cx - ux + vx, cy - uy + vy),
    )


class TesseractLayoutDetector:
    """Finds text lines or words with Tesseract's page layout analysis (no recognition)."""

    def __init__(self, *, level: Level = "lines", min_size: int = 4) -> None:
        self.level = level
        self.min_size = min_size

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> TesseractLayoutDetector:
        return cls(level=params["level"], min_size=int(params["min_size"]))

    def detect(self, page: PageImage) -> list[DetectedRegion]:
        from tesserocr import PSM, PT, RIL  # type: ignore[import-untyped]

        # Blocks Tesseract takes for pictures, rules or specks hold no text to read.
        not_text = {
            PT.FLOWING_IMAGE,
            PT.HEADING_IMAGE,
            PT.PULLOUT_IMAGE,
            PT.HORZ_LINE,
            PT.VERT_LINE,
            PT.NOISE,
        }
        level = RIL.TEXTLINE if self.level == "lines" else RIL.WORD
        api = get_api(PSM.AUTO)
        set_image(api, page.pixels)
        iterator = api.AnalyseLayout()
        regions: list[DetectedRegion] = []
        while iterator is not None:
            box = iterator.BoundingBox(level)
            if box is not None and iterator.BlockType() not in not_text:
                left, top, right, bottom = box
                if min(right - left, bottom - top) >= self.min_size:
                    regions.append(
                        # Layout analysis gives no confidence: every region it keeps counts.
                        DetectedRegion(polygon=skewed_box(box, _angle(iterator, level)), score=1.0)
                    )
            if not iterator.Next(level):
                break
        api.Clear()
        return regions


def _angle(iterator: Any, level: int) -> float:
    """The baseline's tilt, or 0 where it has none worth trusting."""
    baseline = iterator.Baseline(level)
    if not baseline:
        return 0.0
    (x1, y1), (x2, y2) = baseline
    if x2 - x1 <= 0:
        return 0.0
    angle = math.atan2(y2 - y1, x2 - x1)
    return angle if abs(angle) <= MAX_SKEW else 0.0
