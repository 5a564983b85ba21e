"""The one result shape: every stage, the database, the API and the exporters speak it.

Coordinates are page pixels, origin top-left. Polygons are lists of (x, y) points, clockwise from
the top-left corner for quadrilaterals.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Point = tuple[float, float]
Polygon = tuple[Point, ...]
RGBImage = npt.NDArray[np.uint8]  # H x W x 3, RGB order


@dataclass(frozen=True)
class PageImage:
    """One page to read: an RGB array plus where it came from (page index within its input)."""

    pixels: RGBImage
    index: int = 0

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


@dataclass(frozen=True)
class DetectedRegion:
    polygon: Polygon
    score: float


@dataclass(frozen=True)
class Crop:
    """A region cut out of the page and straightened so that its text runs left to right."""

    region: DetectedRegion
    pixels: RGBImage


@dataclass(frozen=True)
class Recognition:
    text: str
    score: float


@dataclass(frozen=True)
class Region:
    """A detected region with its text: what users see, edit and search."""

    polygon: Polygon
    text: str
    score: float
    detection_score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "polygon": [[round(x, 1), round(y, 1)] for x, y in self.polygon],
            "text": self.text,
            "score": round(self.score, 4),
            "detection_score": round(self.detection_score, 4),
        }


@dataclass(frozen=True)
class PageResult:
    """All regions of one page, in reading order."""

    index: int
    width: int
    height: int
    regions: tuple[Region, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.regions if r.text)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["regions"] = [r.to_dict() for r in self.regions]
        return data
