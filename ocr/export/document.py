"""What the exporters read: pages of (edited) results plus the images they were read from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ocr.engine.types import PageResult

from .errors import ExportError


@dataclass(frozen=True)
class ExportPage:
    """One page: its current text, the image the engine saw, and where it sits in a video."""

    result: PageResult
    image_path: Path | None
    timecode_ms: int | None = None
    region_ids: tuple[int, ...] | None = None
    # Page pixels per inch (horizontal, vertical): the scan's own, or a PDF's render resolution;
    # None when unknown (the PDF export then assumes DEFAULT_DPI).
    dpi: tuple[float, float] | None = None
    # A JPEG file that holds exactly `image_path`'s picture: the PDF export embeds it unchanged.
    jpeg_path: Path | None = None

    def __post_init__(self) -> None:
        if self.region_ids is not None and len(self.region_ids) != len(self.result.regions):
            raise ExportError(
                f"page {self.result.index}: {len(self.region_ids)} region ids "
                f"for {len(self.result.regions)} regions"
            )


@dataclass(frozen=True)
class ExportDocument:
    """An input (file name) and its pages in order."""

    name: str
    pages: Sequence[ExportPage]

    @property
    def stem(self) -> str:
        """The file name without folders or extension, for naming exported files."""
        stem = Path(self.name.replace("\\", "/")).stem
        return stem or "document"
