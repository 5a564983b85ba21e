"""Images through the new API: sniffed by content, wrapped as pages without extras."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from ocr.ingest import IngestError, Limits, inspect, iter_pages, sniff

from .media import FIXTURES, write_tiff


def test_a_three_page_tiff_gives_three_pages(tmp_path: Path) -> None:
    tiff = write_tiff(tmp_path / "scan.tif", ("phototest.png", "eurotext.png", "phototest.png"))
    info = inspect(tiff, Limits())
    assert (info.kind, info.format, info.pages) == ("image", "TIFF", 3)
    pages = list(iter_pages(tiff, Limits()))
    assert [page.image.index for page in pages] == [0, 1, 2]
    assert pages[1].image.pixels.shape[2] == 3
    assert all(page.timecode_ms is None and page.text_layer is None for page in pages)


def test_the_page_limit_holds_for_a_tiff_too(tmp_path: Path) -> None:
    tiff = write_tiff(tmp_path / "scan.tif", ("phototest.png",) * 5)
    message = r"The TIFF has more than 3 pages; the limit is 3 pages \(OCR_MAX_PDF_PAGES\)"
    with pytest.raises(IngestError, match=message):
        inspect(tiff, Limits(max_pdf_pages=3))
    assert inspect(tiff, Limits(max_pdf_pages=5)).pages == 5
    # Read without inspecting first (an input kept before the limit): it stops at the limit.
    pages = iter_pages(tiff, Limits(max_pdf_pages=3))
    assert [page.image.index for page in itertools.islice(pages, 3)] == [0, 1, 2]
    with pytest.raises(IngestError, match=message):
        next(pages)


def test_the_kind_comes_from_the_content_not_the_name(tmp_path: Path) -> None:
    disguised = tmp_path / "photo.png"
    shutil.copy(FIXTURES / "pdflatex-4-pages.pdf", disguised)
    assert sniff(disguised) == "pdf"
    assert inspect(disguised, Limits()).kind == "pdf"


def test_unknown_and_empty_files_keep_their_messages(tmp_path: Path) -> None:
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello")
    with pytest.raises(IngestError, match="not a kind of file Legible reads") as refused:
        inspect(unknown, Limits())
    # Every kind that would work, not the image formats alone.
    for kind in ("JPEG", "PNG", "TIFF", "PDFs", "videos (MP4", "ZIP archives"):
        assert kind in str(refused.value)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match="The file is empty."):
        inspect(empty, Limits())
    with pytest.raises(IngestError, match=r"OCR_MAX_UPLOAD_MB"):
        inspect(FIXTURES / "phototest.png", Limits(max_bytes=100))


def test_a_damaged_image_is_refused_at_inspection(tmp_path: Path) -> None:
    from tests.images import truncated_jpeg

    cut = tmp_path / "cut.jpg"
    cut.write_bytes(truncated_jpeg())
    with pytest.raises(IngestError, match="The image is damaged or truncated"):
        inspect(cut, Limits())
    png = tmp_path / "cut.png"
    png.write_bytes((FIXTURES / "phototest.png").read_bytes()[:-200])
    with pytest.raises(IngestError, match="The image is damaged or truncated"):
        inspect(png, Limits())
    assert inspect(FIXTURES / "poilus-lines.jpg", Limits()).kind == "image"


def test_an_old_office_document_is_named(tmp_path: Path) -> None:
    doc = tmp_path / "letter.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(IngestError, match=r"older Microsoft Office document .* save it as a PDF"):
        inspect(doc, Limits())
