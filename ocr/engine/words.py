"""Words on the page: a recognizer's places along a line crop taken back to page pixels."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .types import Crop, Polygon, Word, WordSpan


def _crop_to_warp(s: float, t: float, turned: int) -> tuple[float, float]:
    """A point of the crop (s across, t down, shares of its size) in the warped region before
    the cropper's quarter turns (u across, v down)."""
    turned %= 4
    if turned == 1:  # np.rot90: crop column j was warp row j, crop row i warp column W-1-i
        return 1.0 - t, s
    if turned == 2:
        return 1.0 - s, 1.0 - t
    if turned == 3:
        return t, 1.0 - s
    return s, t


def place_words(crop: Crop, spans: Sequence[WordSpan]) -> tuple[Word, ...]:
    """Each word's quadrilateral on the page, clockwise from the word's own top-left."""
    if not spans or len(crop.region.polygon) < 3:
        return ()
    from .cropper import quadrilateral  # the corners the cropper warped

    quad = quadrilateral(crop.region.polygon).astype(np.float64)
    p0, p1, p2, p3 = (quad[i].astype(np.float64) for i in range(4))
    width = crop.pixels.shape[1]
    pad = crop.padding
    inner = max(width - 2 * pad, 1)

    def page_point(s: float, t: float) -> tuple[float, float]:
        u, v = _crop_to_warp(s, t, crop.turned)
        point = (1 - v) * (p0 + u * (p1 - p0)) + v * (p3 + u * (p2 - p3))
        return float(point[0]), float(point[1])

    words: list[Word] = []
    for span in spans:
        # Shares of the padded crop -> shares of the region inside the padding.
        a = float(np.clip((span.start * width - pad) / inner, 0.0, 1.0))
        b = float(np.clip((span.end * width - pad) / inner, 0.0, 1.0))
        polygon: Polygon = (page_point(a, 0), page_point(b, 0), page_point(b, 1), page_point(a, 1))
        words.append(Word(polygon=polygon, text=span.text, score=span.score))
    return tuple(words)
