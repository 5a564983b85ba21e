"""The overlay PNG: right size, polygons drawn in the chosen colour."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from ocr.export import ExportError, Options, export

from .samples import HEIGHT, ROTATED, WIDTH, one_page, two_pages


def _png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("RGB")


def _has_colour(
    image: Image.Image, colour: tuple[int, int, int], area: tuple[slice, slice]
) -> bool:
    pixels = np.asarray(image)[area]
    return bool((pixels == np.array(colour, dtype=np.uint8)).all(axis=-1).any())


def test_overlay_draws_region_edges_in_the_colour() -> None:
    image = _png(export(one_page(), "overlay", Options(color="#00ff00", line_width=3)))
    assert image.size == (WIDTH, HEIGHT)
    # Midpoints of the rotated region's edges, and of the first line's top edge.
    (ax, ay), (bx, by), (cx, cy), _ = ROTATED.polygon
    for x, y in [((ax + bx) / 2, (ay + by) / 2), ((bx + cx) / 2, (by + cy) / 2), (308, 86)]:
        assert image.getpixel((round(x), round(y))) == (0, 255, 0)
    assert image.getpixel((5, 5)) != (0, 255, 0)  # the image itself shows elsewhere


def test_overlay_picks_the_page_and_checks_it() -> None:
    image = _png(export(two_pages(), "overlay", Options(page=1, color="#f00")))
    assert image.getpixel((308, 86)) == (255, 0, 0)
    assert image.getpixel((232, 417)) != (255, 0, 0)  # the second page has no rotated line
    with pytest.raises(ExportError, match="no page 7 in this document; pages: 0, 1"):
        export(two_pages(), "overlay", Options(page=7))


def test_overlay_labels_draw_text_above_regions() -> None:
    plain = _png(export(one_page(), "overlay", Options(color="#0000ff")))
    labelled = _png(export(one_page(), "overlay", Options(color="#0000ff", labels=True)))
    # Above the first line (y < 86) only the labels add blue pixels.
    strip = (slice(40, 84), slice(33, 584))
    assert not _has_colour(plain, (0, 0, 255), strip)
    assert _has_colour(labelled, (0, 0, 255), strip)
