"""PDFs: page count and sizes before rendering, one page at a time, and the text layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr.ingest import IngestError, Limits, Options, inspect, iter_pages

from .media import PDF, encrypted_pdf


def test_inspect_counts_pages_and_sizes_them_at_the_chosen_dpi() -> None:
    info = inspect(PDF, Limits(), Options(pdf_dpi=100))
    assert (info.kind, info.format, info.pages) == ("pdf", "PDF 1.5", 4)
    assert (info.width, info.height) == (827, 1170)  # A4 at 100 dpi


def test_pages_are_rendered_in_order_without_a_text_layer_by_default() -> None:
    pages = list(iter_pages(PDF, Limits(), Options(pdf_dpi=50)))
    assert [page.image.index for page in pages] == [0, 1, 2, 3]
    assert all(page.text_layer is None and page.timecode_ms is None for page in pages)
    pixels = pages[0].image.pixels
    assert pixels.shape == (585, 414, 3) and pixels.dtype.name == "uint8"
    assert 0 < pixels.mean() < 255  # white paper with some ink


def test_the_text_layer_gives_lines_where_the_text_is() -> None:
    page = next(iter(iter_pages(PDF, Limits(), Options(pdf_dpi=100, text_layer=True))))
    layer = page.text_layer
    assert layer is not None
    assert (layer.index, layer.width, layer.height) == (0, page.image.width, page.image.height)
    assert len(layer.regions) > 20
    tops = []
    for region in layer.regions:
        assert region.text and region.text == region.text.strip()
        assert region.score == region.detection_score == 1.0
        (left, top), (right, _), (_, bottom), _ = region.polygon
        assert 0 <= left < right <= layer.width and 0 <= top < bottom <= layer.height
        # Ink inside the box: dark pixels where the text layer says the text is.
        assert page.image.pixels[int(top) : int(bottom) + 1, int(left) : int(right) + 1].min() < 128
        tops.append(top)
    assert tops == sorted(tops)  # one column, read top to bottom
    assert "\n" not in layer.text.splitlines()[0]


def test_limits_on_pages_and_pixels_name_their_setting() -> None:
    with pytest.raises(IngestError, match=r"4 pages; the limit is 3 pages \(OCR_MAX_PDF_PAGES\)"):
        inspect(PDF, Limits(max_pdf_pages=3))
    too_big = Limits(max_pixels=1_000_000)
    with pytest.raises(IngestError, match=r"OCR_MAX_IMAGE_PIXELS"):
        inspect(PDF, too_big, Options(pdf_dpi=200))
    with pytest.raises(IngestError, match=r"OCR_MAX_IMAGE_PIXELS"):
        next(iter(iter_pages(PDF, too_big, Options(pdf_dpi=200))))
    assert inspect(PDF, too_big, Options(pdf_dpi=50)).pages == 4


def test_damaged_and_encrypted_pdfs_are_refused_clearly(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    with pytest.raises(IngestError, match="PDF is damaged"):
        inspect(damaged, Limits())
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(encrypted_pdf())
    with pytest.raises(IngestError, match="protected by a password"):
        inspect(locked, Limits())
