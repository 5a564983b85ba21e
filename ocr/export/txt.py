"""Plain text: the lines of each page, pages separated by form feeds."""

from __future__ import annotations

from .document import ExportDocument
from .options import Options
from .timecode import format_timecode

PAGE_SEPARATOR = "\f\n"


def render_txt(document: ExportDocument, options: Options) -> bytes:
    """Lines joined by newlines; video frames start with their timecode in brackets."""
    pages = []
    for page in document.pages:
        text = page.result.text
        if page.timecode_ms is not None:
            stamp = f"[{format_timecode(page.timecode_ms)}]"
            text = f"{stamp}\n{text}" if text else stamp
        pages.append(text)
    body = PAGE_SEPARATOR.join(pages)
    return (body + "\n").encode("utf-8") if body else b""
