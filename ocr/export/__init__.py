"""Exporters: turn a document's current text into files other tools read.

Pure functions of an `ExportDocument` (no Django): `export(document, "alto")` returns bytes;
`media_type_for` and `filename_for` say how to serve them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .alto import render_alto
from .document import ExportDocument, ExportPage
from .errors import ExportError
from .hocr import render_hocr
from .options import Options
from .overlay import render_overlay
from .page_xml import render_page
from .pdf import render_pdf
from .result_json import render_json
from .txt import render_txt
from .xmltext import xml_safe_document

Renderer = Callable[[ExportDocument, Options], bytes]


@dataclass(frozen=True)
class Format:
    """An export format: how it is named, served and rendered.

    `archive_media_type`/`archive_extension`, when set, apply to documents of more than
    one page (PAGE-XML is one file per page, so several pages come as a ZIP).
    """

    name: str
    media_type: str
    extension: str
    render: Renderer
    archive_media_type: str | None = None
    archive_extension: str | None = None
    # XML formats get the document with the characters XML cannot hold taken out (xmltext.py).
    xml: bool = False


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("txt", "text/plain; charset=utf-8", "txt", render_txt),
        Format("json", "application/json", "json", render_json),
        Format("hocr", "application/xhtml+xml", "hocr", render_hocr, xml=True),
        Format("alto", "application/xml", "alto.xml", render_alto, xml=True),
        Format(
            "page",
            "application/xml",
            "page.xml",
            render_page,
            archive_media_type="application/zip",
            archive_extension="page.zip",
            xml=True,
        ),
        Format("pdf", "application/pdf", "pdf", render_pdf),
        Format("overlay", "image/png", "overlay.png", render_overlay),
    )
}


def get_format(fmt: str) -> Format:
    """The format called `fmt`, or ExportError naming the known ones."""
    try:
        return FORMATS[fmt]
    except (KeyError, TypeError):
        known = ", ".join(sorted(FORMATS))
        raise ExportError(f"unknown export format {fmt!r}; formats: {known}") from None


def _archived(document: ExportDocument, format_: Format) -> bool:
    return format_.archive_media_type is not None and len(document.pages) > 1


def media_type_for(document: ExportDocument, fmt: str) -> str:
    """The media type of `export(document, fmt)`."""
    format_ = get_format(fmt)
    if _archived(document, format_) and format_.archive_media_type:
        return format_.archive_media_type
    return format_.media_type


def filename_for(document: ExportDocument, fmt: str) -> str:
    """A download name: the input's name without its extension, plus the format's."""
    format_ = get_format(fmt)
    extension = format_.extension
    if _archived(document, format_) and format_.archive_extension:
        extension = format_.archive_extension
    return f"{document.stem}.{extension}"


def export(document: ExportDocument, fmt: str, options: Options | None = None) -> bytes:
    """Render `document` as `fmt` (see FORMATS) with `options` (defaults if None)."""
    format_ = get_format(fmt)
    if not document.pages:
        raise ExportError(f"nothing to export: {document.name!r} has no pages")
    if format_.xml:
        document = xml_safe_document(document)
    return format_.render(document, options or Options())


__all__ = [
    "FORMATS",
    "ExportDocument",
    "ExportError",
    "ExportPage",
    "Format",
    "Options",
    "export",
    "filename_for",
    "get_format",
    "media_type_for",
]
