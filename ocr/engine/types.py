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
    """A region cut out of the page and straightened so that its text runs left to right.

    `turned` counts the quarter turns (counter-clockwise) the cropper gave the warped region
    (1 for a vertical line, 2 for one found upside down), so a place along the crop can be
    taken back to the page; `padding` is the page pixels kept around the region on each side.
    """

    region: DetectedRegion
    pixels: RGBImage
    turned: int = 0
    padding: int = 0


@dataclass(frozen=True)
class WordSpan:
    """Where a word lies along its line crop, as shares of the crop's width (0 left, 1 right)."""

    text: str
    start: float
    end: float
    score: float


@dataclass(frozen=True)
class Recognition:
    text: str
    score: float
    # From the recognizer's alignment (CTC peaks, Tesseract's own boxes); empty when it has none.
    words: tuple[WordSpan, ...] = ()


@dataclass(frozen=True)
class Word:
    """One word of a line: its box on the page (page pixels), text and confidence."""

    polygon: Polygon
    text: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "polygon": [[round(x, 1), round(y, 1)] for x, y in self.polygon],
            "text": self.text,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Region:
    """A detected region with its text: what users see, edit and search."""

    polygon: Polygon
    text: str
    score: float
    detection_score: float
    words: tuple[Word, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "polygon": [[round(x, 1), round(y, 1)] for x, y in self.polygon],
            "text": self.text,
            "score": round(self.score, 4),
            "detection_score": round(self.detection_score, 4),
            "words": [w.to_dict() for w in self.words],
        }


@dataclass(frozen=True)
class Block:
    """A run of lines read together (a paragraph, a column's piece, a heading): the level
    between the page and its lines. `lines` are indices into the page's regions, in order."""

    polygon: Polygon
    lines: tuple[int, ...]
    kind: str = "text"

    def to_dict(self) -> dict[str, Any]:
        return {
            "polygon": [[round(x, 1), round(y, 1)] for x, y in self.polygon],
            "kind": self.kind,
            "lines": list(self.lines),
        }


@dataclass(frozen=True)
class PageResult:
    """All regions of one page, in reading order."""

    index: int
    width: int
    height: int
    regions: tuple[Region, ...] = field(default_factory=tuple)
    # Degrees (clockwise) the page was found turned and read upright; polygons are always in
    # the page's own pixels.
    rotation: int = 0
    # The regions grouped into blocks, in reading order (empty: no layout known).
    blocks: tuple[Block, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.regions if r.text)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["regions"] = [r.to_dict() for r in self.regions]
        data["blocks"] = [b.to_dict() for b in self.blocks]
        return data
