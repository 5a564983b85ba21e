"""What people are shown of a page: a small thumbnail, and for a page larger than a screen
can use a preview. The worker makes them from the pixels it already decoded; the web process
only serves files (and makes them once for pages read before previews existed)."""

from __future__ import annotations

import io

from PIL import Image

THUMB_SIDE = 320  # the grid's 160 CSS pixels, doubled for high-DPI screens
# A 300-dpi A4 or Letter scan (3508 px) is shown as it is; a 10000 x 10000 page would be
# 300 MB decoded in a browser and many times that to draw an overlay on.
PREVIEW_SIDE = 4096


def needs_preview(width: int, height: int) -> bool:
    return max(width, height) > PREVIEW_SIDE


def fit(image: Image.Image, side: int) -> Image.Image:
    """`image` scaled down to at most `side` pixels a side (itself when it fits)."""
    scale = side / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # reducing_gap 1: a box reduction by the largest whole factor first, then a fine resample
    # of what is left; a 10000 px page's preview takes a fifth of the time (text stays sharp).
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.0)


def thumbnail_jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    fit(image, THUMB_SIDE).convert("RGB").save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def preview_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    fit(image, PREVIEW_SIDE).save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()
