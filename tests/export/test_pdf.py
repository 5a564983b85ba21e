"""The searchable PDF: text is where its region is, and it is the current text."""

from __future__ import annotations

from dataclasses import replace

import pypdfium2 as pdfium  # type: ignore[import-untyped]

from ocr.export import export
from ocr.export.geometry import polygon_box
from ocr.export.pdf import POINTS_PER_PIXEL

from .samples import HEIGHT, WIDTH, one_page, two_pages, with_text


def test_pdf_text_sits_in_each_region_box() -> None:
    source = two_pages()
    pdf = pdfium.PdfDocument(export(source, "pdf"))
    assert len(pdf) == 2
    for page, exported in zip(source.pages, pdf, strict=True):
        width, height = exported.get_size()
        assert (round(width, 2), round(height, 2)) == (
            round(WIDTH * POINTS_PER_PIXEL, 2),
            round(HEIGHT * POINTS_PER_PIXEL, 2),
        )
        textpage = exported.get_textpage()
        for region in page.result.regions:
            box = polygon_box(region.polygon, WIDTH, HEIGHT)
            # Page pixels (origin top-left) to PDF points (origin bottom-left). Detected
            # lines overlap by a few pixels, so read the box's middle band, full width.
            inset = box.height / 4
            found = textpage.get_text_bounded(
                left=box.x0 * POINTS_PER_PIXEL - 1,
                bottom=height - (box.y1 - inset) * POINTS_PER_PIXEL,
                right=box.x1 * POINTS_PER_PIXEL + 1,
                top=height - (box.y0 + inset) * POINTS_PER_PIXEL,
            )
            assert found.strip() == region.text


def test_pdf_has_the_image_and_invisible_text() -> None:
    pdf = pdfium.PdfDocument(export(one_page(), "pdf"))
    objects = list(pdf[0].get_objects())
    kinds = {obj.type for obj in objects}
    assert pdfium.raw.FPDF_PAGEOBJ_IMAGE in kinds
    texts = [obj for obj in objects if obj.type == pdfium.raw.FPDF_PAGEOBJ_TEXT]
    assert texts
    for obj in texts:
        mode = pdfium.raw.FPDFTextObj_GetTextRenderMode(obj.raw)
        assert mode == pdfium.raw.FPDF_TEXTRENDERMODE_INVISIBLE


def test_pdf_uses_the_edited_text() -> None:
    edited = with_text(one_page(), 2, "of files formatted")
    pdf = pdfium.PdfDocument(export(edited, "pdf"))
    text = pdf[0].get_textpage().get_text_range()
    assert "of files formatted" in text
    assert "of file format." not in text
    assert "Fuchs über «rapide» café" in text


def test_pdf_page_without_image_is_blank_but_searchable() -> None:
    document = one_page()
    blank = replace(document, pages=[replace(document.pages[0], image_path=None)])
    pdf = pdfium.PdfDocument(export(blank, "pdf"))
    assert pdfium.raw.FPDF_PAGEOBJ_IMAGE not in {obj.type for obj in pdf[0].get_objects()}
    assert "lazy fox" in pdf[0].get_textpage().get_text_range()
