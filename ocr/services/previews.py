"""Page images as people are shown them, and the bound on full-size decoding in the web
process: one small upload of 10000 x 10000 pixels took the server to 11 GB when every view
and export decoded it whole, several at once.

The worker stores a thumbnail and, for a page too large to show as it is, a preview when it
saves the page (ocr/runs.py). Pages saved before that get theirs here, once, the first time
they are asked for, inside a decoding slot."""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from PIL import Image

from ocr.ingest.previews import PREVIEW_SIDE, needs_preview, preview_png, thumbnail_jpeg
from ocr.models import Page

log = logging.getLogger(__name__)

# Decoding up to this many pixels needs no slot: a preview or a 300-dpi A4 page is at most
# about 50 MB decoded.
FREE_PIXELS = PREVIEW_SIDE * PREVIEW_SIDE


class Busy(Exception):
    """Every decoding slot stayed taken for OCR_WEB_DECODE_WAIT_SECONDS; try again."""


_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()
_held = threading.local()  # a thread holding a slot needs no second one (an export's preview)


def _semaphore() -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(settings.OCR_WEB_DECODE_SLOTS)
        return _slots


@contextmanager
def decoding(pixels: int | None = None) -> Iterator[None]:
    """Hold one of the process's decoding slots for work on a page of `pixels` (None: work
    whose size is not known up front, such as an export). Small pages need none."""
    if (pixels is not None and pixels <= FREE_PIXELS) or getattr(_held, "slot", False):
        yield
        return
    slots = _semaphore()
    if not slots.acquire(timeout=settings.OCR_WEB_DECODE_WAIT_SECONDS):
        raise Busy("The server is busy with other large page images; try again in a minute.")
    _held.slot = True
    try:
        yield
    finally:
        _held.slot = False
        slots.release()


def thumbnail(page: Page) -> FieldFile:
    """The page's thumbnail (JPEG), made now if the page was saved before thumbnails were."""
    if not page.thumbnail:
        _make(page, "thumbnail")
    return page.thumbnail


def viewable(page: Page) -> FieldFile:
    """The image a browser shows: the page's own, or its preview when the page is larger."""
    if not needs_preview(page.width, page.height):
        return page.image
    if not page.preview:
        _make(page, "preview")
    return page.preview


def _make(page: Page, field: str) -> None:
    """Make the missing file from the stored page image and record it, unless someone else
    did meanwhile (then theirs is kept and ours removed)."""
    with (
        decoding(page.width * page.height),
        page.image.open("rb") as data,
        warnings.catch_warnings(),
    ):
        # Page images were checked against OCR_MAX_IMAGE_PIXELS when they were read.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(data) as image:
            image.load()
            body = thumbnail_jpeg(image) if field == "thumbnail" else preview_png(image)
    suffix = "thumb.jpg" if field == "thumbnail" else "preview.png"
    target: FieldFile = getattr(page, field)
    target.save(f"{page.index:05d}-{suffix}", ContentFile(body), save=False)
    missing = Q(**{f"{field}__isnull": True}) | Q(**{field: ""})
    if not Page.objects.filter(missing, pk=page.pk).update(**{field: target.name}):
        target.storage.delete(target.name)
        page.refresh_from_db(fields=[field])
    log.info("made the %s of page %s", field, page.pk)
