"""Images in: sniff and size-check from the header first, decode only what passed."""

from __future__ import annotations

import re
import struct
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from ocr.engine.images import to_rgb
from ocr.engine.types import PageImage

from .limits import IngestError, Limits
from .pages import IngestedPage, InputInfo

SUPPORTED_FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "BMP", "GIF", "MPO")
# Every kind an upload may be, not only images: this is what a person sees for a file of any
# other kind (a .txt, a spreadsheet), and it must tell them what would work.
SUPPORTED_KINDS = (
    "images (JPEG, PNG, WebP, TIFF, BMP, GIF), PDFs, videos (MP4, MOV, MKV, WebM, AVI) "
    "and ZIP archives of these"
)
_NOT_AN_IMAGE = f"This is not a kind of file Legible reads. Supported: {SUPPORTED_KINDS}."
# Decoded whole at upload only up to this size (48 MB as RGB): larger pages of formats without
# a cheap check are left to the worker, so an upload never costs the web process much memory.
_VERIFY_MAX_PIXELS = 16_000_000


@contextmanager
def _open(path: Path, limits: Limits) -> Iterator[Image.Image]:
    """Open without decoding; Pillow reads only the header here."""
    try:
        # Our own pixel limit is checked right after; Pillow's warning would only be noise, and
        # its hard error (far past our default) is turned into the same clear message.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except Image.DecompressionBombError as exc:
        # Pillow refuses before telling the size, but its message carries the pixel count.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(found.group(1)) / 1e6:.0f} megapixels" if found else "too many pixels"
        raise IngestError(
            f"The image has {size}; the limit is {limits.max_pixels / 1e6:.0f} megapixels "
            "(OCR_MAX_IMAGE_PIXELS)."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise IngestError(_NOT_AN_IMAGE) from None
    try:
        if image.format not in SUPPORTED_FORMATS:
            raise IngestError(_NOT_AN_IMAGE)
        yield image
    finally:
        image.close()


def inspect_image(path: Path, limits: Limits) -> InputInfo:
    """Cheap checks for the upload request: type, size in bytes and pixels, page count."""
    with _open(path, limits) as image:
        width, height = image.size
        limits.check_pixels(width, height)
        pages = _page_count(image, limits)
        # Past the limit the count stopped, so it is a lower bound.
        limits.check_pages(pages, str(image.format), at_least=pages > limits.max_pdf_pages)
        return InputInfo("image", str(image.format), pages, width, height)


def _page_count(image: Image.Image, limits: Limits) -> int:
    """A TIFF's pages, counted no further than one past the limit: each page costs a read of
    its directory, and a file of 800 KB can hold 5,000 of them."""
    if image.format != "TIFF":
        return 1  # the frames of an animated GIF or WebP are not pages
    # Page by page: after a failed seek Pillow's n_frames is wrong (13.0 says 1001 for 3).
    count = 1
    try:
        while count <= limits.max_pdf_pages:
            image.seek(count)  # reads the page's directory, not its pixels
            count += 1
    except EOFError:
        pass
    finally:
        image.seek(0)
    return count


def iter_image_pages(
    path: Path, limits: Limits, pages: range | None = None
) -> Iterator[IngestedPage]:
    """Decode page by page (those in `pages`, or all), so a multi-page TIFF never holds more
    than one page in memory."""
    with _open(path, limits) as image:
        # Only TIFF pages are pages; the frames of an animated GIF or WebP are not.
        frames = ImageSequence.Iterator(image) if image.format == "TIFF" else iter([image])
        for index, frame in enumerate(frames):
            if pages is not None and index not in pages:
                if index >= pages.stop:
                    break
                continue  # seeking past a TIFF page reads its directory, not its pixels
            # Checked again here: an input kept before the limit applied to TIFFs fails its run.
            limits.check_pages(index + 1, "TIFF", at_least=True)
            limits.check_pixels(*frame.size)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                    frame.load()
                    upright = ImageOps.exif_transpose(frame) if index == 0 else frame
                    pixels = to_rgb(upright)
            except (OSError, SyntaxError, ValueError) as exc:
                raise IngestError(f"The image is damaged or truncated ({exc}).") from None
            yield IngestedPage(image=PageImage(pixels=pixels, index=index))


def verify_image(path: Path, limits: Limits) -> None:
    """Check that an image's pixels are all there, cheaply, so a damaged file is refused at
    upload rather than failing its run later (where Retry cannot help).

    A JPEG is decoded at 1/8 scale (its DCT draft: every block is read, few pixels are made); a
    PNG's chunks are checked against their CRCs without inflating them; other formats decode
    their first page when it is small. Runs after inspect_image has checked the pixel limit.
    """
    with _open(path, limits) as image:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                if image.format in ("JPEG", "MPO"):
                    image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
                    image.load()
                elif image.format == "PNG":
                    image.verify()
                elif image.width * image.height <= _VERIFY_MAX_PIXELS:
                    image.load()
        except (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error) as exc:
            raise IngestError(f"The image is damaged or truncated ({exc}).") from None
