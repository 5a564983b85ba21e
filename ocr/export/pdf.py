"""Searchable PDF: each page image with an invisible, selectable text layer on top."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextMode
from PIL import Image, ImageChops

from .document import ExportDocument, ExportPage
from .geometry import polygon_box
from .glyphless_font import ADVANCE, ASCENT, UNITS_PER_EM, glyphless_font
from .options import Options

# Page pixels per inch when a page states none (a video frame, an image without a resolution):
# a 1700 x 2200 px scan becomes a US Letter page.
DEFAULT_DPI = 200.0
FONT = "LegibleGlyphless"

# fpdf2 subsets fonts with fontTools, which logs a dozen INFO lines per export.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


def _image(page: ExportPage) -> str | Image.Image | None:
    """What to embed: the JPEG as it is (DCT pass-through, as OCRmyPDF does: no second lossy
    pass, no inflation), else the page image losslessly, one channel when it is grey."""
    if page.jpeg_path is not None:
        return str(page.jpeg_path)
    if page.image_path is None:
        return None
    with Image.open(page.image_path) as image:
        image.load()
    if image.mode == "RGB":
        red, green, blue = image.split()
        if not ImageChops.difference(red, green).getbbox() and not (
            ImageChops.difference(green, blue).getbbox()
        ):
            return red  # a grey scan stored as RGB: a third of the bytes
    return image


def _page(pdf: FPDF, page: ExportPage) -> None:
    result = page.result
    dpi_x, dpi_y = page.dpi or (DEFAULT_DPI, DEFAULT_DPI)
    # Points per page pixel, across and down: the page is the scan's real size.
    sx, sy = 72 / dpi_x, 72 / dpi_y
    width, height = result.width * sx, result.height * sy
    pdf.add_page(format=(width, height))
    image = _image(page)
    if image is not None:
        pdf.image(image, x=0, y=0, w=width, h=height)
    for region in result.regions:
        text = region.text.strip()
        box = polygon_box(region.polygon, result.width, result.height)
        if not text or box.width <= 0 or box.height <= 0:
            continue
        # The font's em spans ascent to descent, so an em of box height fills the box and
        # puts the baseline a fifth of the way up from its bottom.
        size = box.height * sy
        pdf.set_font_size(size)
        natural = len(text) * size * ADVANCE / UNITS_PER_EM
        pdf.set_stretching(box.width * sx / natural * 100)
        baseline = (box.y0 + box.height * ASCENT / UNITS_PER_EM) * sy
        pdf.text(box.x0 * sx, baseline, text)


def render_pdf(document: ExportDocument, options: Options) -> bytes:
    """Pages at their own resolution (`ExportPage.dpi`, else DEFAULT_DPI), so a 300-dpi Letter
    scan is a Letter page; pages without an image stay blank.

    Each region's text is drawn invisibly (render mode 3) over the axis-aligned bounds of
    its polygon, stretched to their width, so that selecting or searching in a reader
    finds the words where they are on the image.
    """
    pdf = FPDF(unit="pt")
    pdf.set_creator("Legible")
    pdf.set_title(document.name)
    pdf.set_auto_page_break(False)
    text = "".join(region.text for page in document.pages for region in page.result.regions)
    with tempfile.TemporaryDirectory() as folder:
        # fpdf2 only reads fonts from files; it embeds a subset, so the file can go after.
        font_path = Path(folder) / "glyphless.ttf"
        font_path.write_bytes(glyphless_font(text))
        pdf.add_font(FONT, fname=str(font_path))
        pdf.set_font(FONT, size=12)
        pdf.text_mode = TextMode.INVISIBLE
        for page in document.pages:
            _page(pdf, page)
        return bytes(pdf.output())
