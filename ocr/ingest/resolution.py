"""What an image file says about a page's physical size, and whether the file itself can stand
for the page in a PDF, as OCRmyPDF does with JPEGs: read from the header, nothing decoded."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

# Resolutions outside these bounds are a header's accident (0, 1, 65535), not a scan's.
MIN_DPI, MAX_DPI = 50.0, 4800.0
# EXIF orientations that turn the picture a quarter: its width becomes the page's height.
_TRANSPOSING = {5, 6, 7, 8}
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class PageSource:
    """`dpi` (horizontal, vertical) as the file states it, None when it states none we trust;
    `jpeg` when the file is a JPEG holding exactly the page, which a PDF can embed unchanged."""

    dpi: tuple[float, float] | None = None
    jpeg: bool = False


def _clean(value: float) -> float:
    # PNG states pixels per metre: 11811 is 299.9994 dpi, meant as 300.
    return float(round(value)) if abs(value - round(value)) < 0.01 else float(value)


def page_source(path: Path, index: int, size: tuple[int, int]) -> PageSource:
    """What page `index` of the image file at `path` says, for a page of `size` pixels as it
    was stored (orientation applied). A file that cannot be read says nothing."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
        with image:
            if index:
                image.seek(index)
            orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
            width, height = image.size
            dpi = image.info.get("dpi")
            if orientation in _TRANSPOSING:
                width, height = height, width
                dpi = (dpi[1], dpi[0]) if dpi else None
            if (width, height) != size:
                return PageSource()  # the stored page is not the file's picture as it is
            stated = None
            if dpi and all(MIN_DPI <= float(d) <= MAX_DPI for d in dpi):
                stated = (_clean(float(dpi[0])), _clean(float(dpi[1])))
            # The file goes into the PDF as it is only when a reader would draw the same
            # picture: not turned by EXIF, and in colours PDF's DCT filter reads as Pillow does
            # (an Adobe CMYK JPEG is stored inverted).
            jpeg = image.format == "JPEG" and orientation == 1 and image.mode in ("L", "RGB")
            return PageSource(stated, jpeg)
    except (OSError, UnidentifiedImageError, ValueError, EOFError, SyntaxError):
        return PageSource()
