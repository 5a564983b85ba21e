"""What a training reads: pages with polygons (detector) and line crops with text (recognizer).

Line crops are cut by the engine's own cropper, so the recognizer learns from exactly the
pixels it will be given when it reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ocr.engine.cropper import PerspectiveCropper
from ocr.engine.types import DetectedRegion, PageImage, Polygon, RGBImage


@dataclass(frozen=True)
class TruthRegion:
    """A region a person checked: its outline and its text ("" where it has none)."""

    polygon: Polygon
    text: str


@dataclass(frozen=True)
class DetectionSample:
    """One page for the detector: every text region's outline; `ignore` marks regions that
    must count as neither text nor background (too small, or marked as unreadable)."""

    pixels: RGBImage
    polygons: tuple[Polygon, ...]
    ignore: tuple[bool, ...]

    def __post_init__(self) -> None:
        if len(self.polygons) != len(self.ignore):
            raise ValueError("one ignore flag per polygon")


@dataclass(frozen=True)
class LineSample:
    """One straightened line crop and its text."""

    pixels: RGBImage
    text: str


def normalise_text(text: str) -> str:
    """Whitespace runs (no-break spaces included) as one space, as the metrics compare it."""
    return " ".join(text.split())


def detection_sample(page: PageImage, regions: Sequence[TruthRegion]) -> DetectionSample:
    """The page with its regions; a region without text is ignored (FUNSD's check boxes,
    logos), so the detector is neither taught to find nor to skip it."""
    usable = [r for r in regions if len(r.polygon) >= 3]
    return DetectionSample(
        pixels=page.pixels,
        polygons=tuple(r.polygon for r in usable),
        ignore=tuple(not r.text.strip() for r in usable),
    )


def line_samples(
    page: PageImage, regions: Sequence[TruthRegion], padding: int = 0
) -> list[LineSample]:
    """Each region with text cut out and straightened by the `crop-1.0` cropper."""
    lines = [r for r in regions if normalise_text(r.text) and len(r.polygon) >= 3]
    # The cropper reduces a many-point outline (eScriptorium's, one a person drew) to its
    # minimum-area rectangle itself, exactly as when it cuts a detector's regions.
    detected = [DetectedRegion(polygon=r.polygon, score=1.0) for r in lines]
    crops = PerspectiveCropper(padding=padding).crop(page, detected)
    return [
        LineSample(pixels=crop.pixels, text=normalise_text(region.text))
        for crop, region in zip(crops, lines, strict=True)
        if crop.pixels.shape[0] >= 4 and crop.pixels.shape[1] >= 4
    ]
