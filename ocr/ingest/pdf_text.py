"""A PDF page's own text as lines with boxes, in the order the PDF draws them."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ocr.engine.types import PageResult, Region

# A char this far (in line heights) right of the previous one starts a new line: table cells and
# columns that share a baseline are different lines, while wide justified spaces are not.
_MAX_GAP = 2.0
# ...and this far left of it: the PDF went back to draw elsewhere. Accents drawn back over their
# letter move left by less than a letter.
_MAX_BACKSTEP = 1.0
# Chars whose boxes share less than this fraction of the smaller height are on different lines;
# superscripts and subscripts still share more.
_MIN_OVERLAP = 0.5
_LINE_BREAKS = ("\r", "\n")
_HYPHEN = "\x02"  # PDFium's mark for a hyphen that ends a line (it joins the word across it)


@dataclass
class _Line:
    """Chars gathered in PDF points (origin bottom-left) until the line ends."""

    chars: list[str] = field(default_factory=list)
    left: float = float("inf")
    bottom: float = float("inf")
    right: float = float("-inf")
    top: float = float("-inf")
    last_left: float = 0.0
    last_right: float = 0.0

    @property
    def empty(self) -> bool:
        return self.right == float("-inf")

    @property
    def height(self) -> float:
        return self.top - self.bottom

    @property
    def text(self) -> str:
        return " ".join("".join(self.chars).split())

    def add(self, char: str, box: tuple[float, float, float, float]) -> None:
        self.chars.append(char)
        if not char.isspace():
            left, bottom, right, top = box
            self.left, self.bottom = min(self.left, left), min(self.bottom, bottom)
            self.right, self.top = max(self.right, right), max(self.top, top)
            self.last_left, self.last_right = left, right

    def carries_on(self, box: tuple[float, float, float, float]) -> bool:
        """Strictly further along the same line: PDFium breaks lines around raised glyphs
        (superscripts after a name), and such a break is not the end of the line."""
        return not self.empty and self.continues_with(box) and box[0] >= self.last_left

    def continues_with(self, box: tuple[float, float, float, float]) -> bool:
        if self.empty:
            return True
        left, bottom, right, top = box
        height = max(top - bottom, self.height, 1e-3)
        overlap = min(top, self.top) - max(bottom, self.bottom)
        if overlap < _MIN_OVERLAP * max(min(top - bottom, self.height), 1e-3):
            return False
        if left > self.last_right + _MAX_GAP * height:
            return False
        return left >= self.last_left - _MAX_BACKSTEP * height


def _char_box(textpage: pdfium.PdfTextPage, index: int) -> tuple[float, float, float, float]:
    # The loose box spans the font's ascent to descent, so every char of a line has about the
    # same height whatever its shape: steadier line boxes than the tight glyph boxes.
    rect = pdfium_c.FS_RECTF()
    pdfium_c.FPDFText_GetLooseCharBox(textpage.raw, index, rect)
    return rect.left, rect.bottom, rect.right, rect.top


def _lines(textpage: pdfium.PdfTextPage) -> list[_Line]:
    lines: list[_Line] = []
    line = _Line()
    pending_break = False

    def close() -> None:
        nonlocal line
        if line.text:
            lines.append(line)
        line = _Line()

    for index in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, index)
        char = chr(code) if code else ""
        if char in _LINE_BREAKS:
            pending_break = True  # decided at the next visible char
            continue
        if char == _HYPHEN:
            line.add("-", _char_box(textpage, index))
            close()
            continue
        if not char or (char < " " and not char.isspace()):
            continue
        if char.isspace():
            if not line.empty:
                line.add(" ", (0.0, 0.0, 0.0, 0.0))
            continue
        box = _char_box(textpage, index)
        if pending_break and not line.carries_on(box) or not line.continues_with(box):
            close()
        pending_break = False
        line.add(char, box)
    close()
    return lines


def _to_pixels(
    page: pdfium.PdfPage, width: int, height: int, x: float, y: float
) -> tuple[float, float]:
    # PDFium maps page points to the rendered bitmap itself, crop box and /Rotate included.
    device_x, device_y = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDF_PageToDevice(
        page.raw, 0, 0, width, height, 0, x, y, ctypes.byref(device_x), ctypes.byref(device_y)
    )
    return float(device_x.value), float(device_y.value)


def text_layer(page: pdfium.PdfPage, index: int, width: int, height: int) -> PageResult | None:
    """The page's text lines with boxes in the pixels of a width x height rendering, or None."""
    textpage = page.get_textpage()
    try:
        lines = _lines(textpage)
    finally:
        textpage.close()
    regions = []
    for line in lines:
        corners = [
            _to_pixels(page, width, height, x, y)
            for x, y in ((line.left, line.top), (line.right, line.bottom))
        ]
        left, right = sorted(min(max(x, 0.0), width) for x, _ in corners)
        top, bottom = sorted(min(max(y, 0.0), height) for _, y in corners)
        if right <= left or bottom <= top:
            continue  # drawn outside the visible page
        polygon = ((left, top), (right, top), (right, bottom), (left, bottom))
        regions.append(Region(polygon=polygon, text=line.text, score=1.0, detection_score=1.0))
    if not regions:
        return None
    return PageResult(index=index, width=width, height=height, regions=tuple(regions))
