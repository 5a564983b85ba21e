"""Searchable PDF: each page image with an invisible, selectable text layer on top."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextMode

from .document import ExportDocument, ExportPage
from .geometry import polygon_box
from .glyphless_font import ADVANCE, ASCENT, UNITS_PER_EM, glyphless_font
from .options import Options

DPI = 200  # page pixels per inch: a 1700 x 2200 px scan becomes a US Letter page
POINTS_PER_PIXEL = 72 / DPI
FONT = "LegibleGlyphless"

# fpdf2 subsets fonts with fontTools, which logs a dozen INFO lines per export.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


def _page(pdf: FPDF, page: ExportPage) -> None:
    result = page.result
    width, height = result.width * POINTS_PER_PIXEL, result.height * POINTS_PER_PIXEL
    pdf.add_page(format=(width, height))
    if page.image_path is not None:
        pdf.image(str(page.image_path), x=0, y=0, w=width, h=height)
    for region in result.regions:
        text = region.text.strip()
        box = polygon_box(region.polygon, result.width, result.height)
        if not text or box.width <= 0 or box.height <= 0:
            continue
        # The font's em spans ascent to descent, so an em of box height fills the box and
        # puts the baseline a fifth of the way up from its bottom.
        size = box.height * POINTS_PER_PIXEL
        pdf.set_font_size(size)
        natural = len(text) * size * ADVANCE / UNITS_PER_EM
        pdf.set_stretching(box.width * POINTS_PER_PIXEL / natural * 100)
        baseline = (box.y0 + box.height * ASCENT / UNITS_PER_EM) * POINTS_PER_PIXEL
        pdf.text(box.x0 * POINTS_PER_PIXEL, baseline, text)


def render_pdf(document: ExportDocument, options: Options) -> bytes:
    """Pages sized at 200 dpi (1 px = 0.36 pt); pages without an image stay blank.

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
