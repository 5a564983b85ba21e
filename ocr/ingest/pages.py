"""What ingest hands on: a summary before any decoding, then the pages one at a time."""

from __future__ import annotations

from dataclasses import dataclass

from ocr.engine.types import PageImage, PageResult


@dataclass(frozen=True)
class InputInfo:
    kind: str  # "image", "pdf", "video" or "zip"
    format: str
    pages: int  # at most this many pages come out of iter_pages (an estimate for video)
    width: int  # first page or frame; 0 for a ZIP
    height: int


@dataclass(frozen=True)
class IngestedPage:
    """One page to read, plus what the input already knows about it."""

    image: PageImage
    timecode_ms: int | None = None  # video frames only
    text_layer: PageResult | None = None  # PDF text, when asked for and the page has some
