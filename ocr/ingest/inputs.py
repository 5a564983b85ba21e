"""Any input: tell its kind from its first bytes (never its name), then hand it on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .archive import inspect_zip
from .images import SUPPORTED_KINDS, inspect_image, iter_image_pages, verify_image
from .limits import IngestError, Limits
from .options import Options
from .pages import IngestedPage, InputInfo
from .pdf import inspect_pdf, iter_pdf_pages
from .video import inspect_video, iter_video_pages

HEAD_BYTES = 1024  # the PDF standard lets a header start anywhere in the first kilobyte
_MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")  # MP4 and QuickTime


def sniff(path: Path) -> str:
    """The kind: pdf, zip, video, or image (the fallback, which also judges unknown files)."""
    with path.open("rb") as file:
        return sniff_head(file.read(HEAD_BYTES))


def sniff_head(head: bytes) -> str:
    """sniff() for the first HEAD_BYTES of a file already open."""
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head[4:8] in _MP4_BOXES or head.startswith(b"\x1a\x45\xdf\xa3"):  # MP4/MOV, MKV/WebM
        return "video"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "video"
    return "image"


def inspect(path: Path, limits: Limits, options: Options = Options()) -> InputInfo:  # noqa: B008
    """Cheap checks for the upload request: kind, size, page count; nothing is decoded."""
    limits.check_bytes(path.stat().st_size)
    kind = sniff(path)
    if kind == "pdf":
        return inspect_pdf(path, limits, options)
    if kind == "video":
        return inspect_video(path, limits, options)
    if kind == "zip":
        return inspect_zip(path, limits)
    _refuse_documents(path)
    info = inspect_image(path, limits)
    verify_image(path, limits)
    return info


# Kinds people upload by mistake, named so the message says what the file is. (Office Open XML
# and OpenDocument files are ZIPs: ocr/ingest/archive.py names those.)
_DOCUMENTS = (
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an older Microsoft Office document (.doc, .xls or .ppt)",
    ),
    (b"{\\rtf", "an RTF document"),
)


def _refuse_documents(path: Path) -> None:
    with path.open("rb") as file:
        head = file.read(16)
    for magic, what in _DOCUMENTS:
        if head.startswith(magic):
            raise IngestError(
                f"This is {what}, which Legible does not read: save it as a PDF and upload that. "
                f"Supported: {SUPPORTED_KINDS}."
            )


def iter_pages(
    path: Path,
    limits: Limits,
    options: Options = Options(),  # noqa: B008 - frozen, so one shared default is safe
    pages: range | None = None,
) -> Iterator[IngestedPage]:
    """Decode page by page (PDF pages, sampled video frames, TIFF pages); limits checked again.

    `pages` picks a range of page indices (a chunk of a run); PDF and TIFF pages outside it
    are not decoded. A video is always read whole: which frame is kept depends on the one
    kept before it.
    """
    limits.check_bytes(path.stat().st_size)
    kind = sniff(path)
    if kind == "pdf":
        return iter_pdf_pages(path, limits, options, pages)
    if kind == "video":
        return iter_video_pages(path, limits, options)
    if kind == "zip":
        raise IngestError("A ZIP archive has no pages of its own; unpack it with extract_zip.")
    return iter_image_pages(path, limits, pages)
