"""How to read a file: choices a user makes per upload, unlike limits, which the site sets."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    pdf_dpi: int = 200  # render resolution for PDF pages
    text_layer: bool = False  # use a PDF page's own text instead of OCR where it has some
    video_interval_ms: int = 1000  # one video frame read per interval
