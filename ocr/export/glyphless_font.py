"""A tiny TrueType font made for invisible OCR text: every character, no visible shapes.

The searchable PDF's text layer is never drawn (render mode 3), so glyph shapes do not
matter; what matters is that every character of every script maps to a glyph (so it is
embedded and extractable) and that advances are uniform (so a line can be stretched to
its box). Tesseract's "GlyphLessFont" does the same. Building it per export from the
document's own characters gives full Unicode coverage without shipping a large font.
"""

from __future__ import annotations

import io

from fontTools.fontBuilder import FontBuilder  # type: ignore[import-untyped]
from fontTools.pens.ttGlyphPen import TTGlyphPen  # type: ignore[import-untyped]

UNITS_PER_EM = 1000
ASCENT = 800
DESCENT = -200
ADVANCE = 500  # every glyph is half an em wide: a line's natural width is 0.5 * size * len


def _box_glyph() -> object:
    # A filled em-box: readers use glyph bounds for selection and hit-testing.
    pen = TTGlyphPen(None)
    pen.moveTo((0, DESCENT))
    pen.lineTo((0, ASCENT))
    pen.lineTo((ADVANCE, ASCENT))
    pen.lineTo((ADVANCE, DESCENT))
    pen.closePath()
    return pen.glyph()


def glyphless_font(text: str) -> bytes:
    """A TTF covering every character in `text` (and the space), each a blank-advance box."""
    codepoints = sorted({ord(c) for c in text if ord(c) > 32 and not 0xD800 <= ord(c) <= 0xDFFF})
    names = [".notdef", "space"] + [f"uni{cp:04X}" for cp in codepoints]
    cmap = {32: "space", **{cp: f"uni{cp:04X}" for cp in codepoints}}
    builder = FontBuilder(UNITS_PER_EM, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap(cmap)
    builder.setupGlyf({name: _box_glyph() for name in names})
    builder.setupHorizontalMetrics({name: (ADVANCE, 0) for name in names})
    builder.setupHorizontalHeader(ascent=ASCENT, descent=DESCENT)
    builder.setupNameTable({"familyName": "LegibleGlyphless", "styleName": "Regular"})
    builder.setupOS2(
        sTypoAscender=ASCENT,
        sTypoDescender=DESCENT,
        usWinAscent=ASCENT,
        usWinDescent=-DESCENT,
    )
    builder.setupPost()
    buffer = io.BytesIO()
    builder.save(buffer)
    return buffer.getvalue()
