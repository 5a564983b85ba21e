"""PDFs in: count and size pages from the document's tables, then render one page at a time."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

from ocr.engine.types import PageImage

from .limits import IngestError, Limits
from .options import Options
from .pages import IngestedPage, InputInfo
from .pdf_text import text_layer

_POINTS_PER_INCH = 72
# PDFium's document-loading error codes (fpdfview.h) that users can act on.
_ERR_PASSWORD, _ERR_SECURITY = 4, 5


@contextmanager
def _open(path: Path) -> Iterator[pdfium.PdfDocument]:
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if exc.err_code in (_ERR_PASSWORD, _ERR_SECURITY):
            raise IngestError(
                "The PDF is protected by a password; remove the protection and upload it again."
            ) from None
        raise IngestError("The PDF is damaged and cannot be read.") from None
    try:
        yield document
    finally:
        document.close()


def _pixel_size(document: pdfium.PdfDocument, index: int, dpi: int) -> tuple[int, int]:
    try:
        width, height = document.get_page_size(index)
    except pdfium.PdfiumError:
        raise IngestError(f"Page {index + 1} of the PDF is damaged and cannot be read.") from None
    scale = dpi / _POINTS_PER_INCH
    # The same rounding as PdfPage.render, so the check matches the bitmap.
    return math.ceil(width * scale), math.ceil(height * scale)


def inspect_pdf(path: Path, limits: Limits, options: Options) -> InputInfo:
    """Page count and every page's rendered size, from the document's tables; nothing drawn."""
    with _open(path) as document:
        pages = len(document)
        if pages == 0:
            raise IngestError("The PDF has no pages.")
        limits.check_pdf_pages(pages)
        sizes = [_pixel_size(document, index, options.pdf_dpi) for index in range(pages)]
        for width, height in sizes:
            limits.check_pixels(width, height)
        version = document.get_version()  # 17 for PDF 1.7; None when the header says nothing
        name = f"PDF {version // 10}.{version % 10}" if version else "PDF"
        return InputInfo("pdf", name, pages, *sizes[0])


def iter_pdf_pages(
    path: Path, limits: Limits, options: Options, pages: range | None = None
) -> Iterator[IngestedPage]:
    """Render page by page (those in `pages`, or all); only the page being yielded is held, so
    memory stays flat."""
    scale = options.pdf_dpi / _POINTS_PER_INCH
    with _open(path) as document:
        limits.check_pdf_pages(len(document))
        every = range(len(document))
        for index in every if pages is None else every[pages.start : pages.stop]:
            limits.check_pixels(*_pixel_size(document, index, options.pdf_dpi))
            page = document[index]
            try:
                bitmap = page.render(scale=scale, rev_byteorder=True)
                try:
                    # A copy: the bitmap's buffer is freed with the bitmap.
                    pixels = np.array(bitmap.to_numpy()[:, :, :3], dtype=np.uint8)
                finally:
                    bitmap.close()
                height, width = pixels.shape[:2]
                text = text_layer(page, index, width, height) if options.text_layer else None
            except pdfium.PdfiumError:
                raise IngestError(
                    f"Page {index + 1} of the PDF is damaged and cannot be read."
                ) from None
            finally:
                page.close()
            yield IngestedPage(image=PageImage(pixels=pixels, index=index), text_layer=text)
            del pixels, text  # let the page go before the next one is rendered
