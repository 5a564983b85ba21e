"""The searchable PDF: text is where its region is, and it is the current text."""

from __future__ import annotations

from dataclasses import replace

import pypdfium2 as pdfium  # type: ignore[import-untyped]

from ocr.export import export
from ocr.export.geometry import polygon_box
from ocr.export.pdf import DEFAULT_DPI

from .samples import HEIGHT, WIDTH, one_page, two_pages, with_text

POINTS_PER_PIXEL = 72 / DEFAULT_DPI


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


def test_pdf_pages_take_the_scans_own_resolution() -> None:
    # A 300-dpi scan is drawn at 300 dpi: 640 x 480 px is 2.13 x 1.6 in, not 3.2 x 2.4 in.
    document = one_page()
    at_300 = replace(document, pages=[replace(document.pages[0], dpi=(300.0, 300.0))])
    pdf = pdfium.PdfDocument(export(at_300, "pdf"))
    width, height = pdf[0].get_size()
    assert (round(width, 2), round(height, 2)) == (153.6, 115.2)
    # The text still sits on its line: the first line's box, at 300 dpi.
    box = polygon_box(document.pages[0].result.regions[0].polygon, WIDTH, HEIGHT)
    scale = 72 / 300
    found = (
        pdf[0]
        .get_textpage()
        .get_text_bounded(
            left=box.x0 * scale - 1,
            bottom=height - (box.y1 - box.height / 4) * scale,
            right=box.x1 * scale + 1,
            top=height - (box.y0 + box.height / 4) * scale,
        )
    )
    assert found.strip() == document.pages[0].result.regions[0].text


def test_pdf_embeds_a_jpeg_page_as_it_is(tmp_path) -> None:
    from PIL import Image

    from .samples import PHOTOTEST

    jpeg = tmp_path / "scan.jpg"
    Image.open(PHOTOTEST).convert("RGB").save(jpeg, quality=80)
    document = one_page()
    passed = replace(document, pages=[replace(document.pages[0], jpeg_path=jpeg)])
    body = export(passed, "pdf")
    # The JPEG's own bytes, behind DCTDecode: no second lossy pass and no inflation.
    assert jpeg.read_bytes() in body and b"/DCTDecode" in body
    assert len(body) < jpeg.stat().st_size + 40_000


def test_pdf_embeds_a_grey_page_in_one_channel() -> None:
    # phototest.png is black text on white stored as RGB: one channel holds all of it.
    pdf = pdfium.PdfDocument(export(one_page(), "pdf"))
    [image] = [o for o in pdf[0].get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE]
    assert image.get_metadata().colorspace == pdfium.raw.FPDF_COLORSPACE_DEVICEGRAY
