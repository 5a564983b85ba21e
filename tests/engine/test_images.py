"""load_image: every common mode becomes upright 8-bit RGB, or a clear EngineError."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from ocr.engine import EngineError
from ocr.engine.images import load_image

from .conftest import PHOTOTEST


def encode(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def test_path_and_bytes_agree() -> None:
    from_path = load_image(PHOTOTEST)
    from_str = load_image(str(PHOTOTEST))
    from_bytes = load_image(PHOTOTEST.read_bytes(), index=3)
    assert from_path.pixels.shape == (480, 640, 3) and from_path.pixels.dtype == np.uint8
    assert np.array_equal(from_path.pixels, from_bytes.pixels)
    assert np.array_equal(from_path.pixels, from_str.pixels)
    assert from_bytes.index == 3


def test_sixteen_bit_grey_is_scaled() -> None:
    values = np.array([[0, 257 * 128, 65535]], dtype=np.uint16)
    page = load_image(encode(Image.fromarray(values)))
    assert page.pixels[0, :, 0].tolist() == [0, 128, 255]
    assert page.pixels.shape == (1, 3, 3)


def test_alpha_is_composited_on_white() -> None:
    rgba = Image.new("RGBA", (2, 1), (0, 0, 0, 0))
    rgba.putpixel((1, 0), (0, 0, 0, 255))
    page = load_image(encode(rgba))
    assert page.pixels[0].tolist() == [[255, 255, 255], [0, 0, 0]]


def test_palette_transparency_is_white() -> None:
    palette = Image.new("P", (2, 1), 0)
    palette.putpalette([0, 0, 0, 200, 0, 0])
    palette.putpixel((1, 0), 1)
    page = load_image(encode(palette, transparency=0))
    assert page.pixels[0].tolist() == [[255, 255, 255], [200, 0, 0]]


def test_bilevel_and_cmyk() -> None:
    assert load_image(encode(Image.new("1", (4, 4), 1))).pixels.min() == 255
    cmyk = Image.new("CMYK", (4, 4), (0, 0, 0, 255))
    assert load_image(encode(cmyk, "JPEG")).pixels.max() < 20


def test_exif_orientation_is_applied() -> None:
    upright = Image.new("L", (40, 20), 255)
    stored = upright.rotate(90, expand=True)  # what a sideways camera writes
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    page = load_image(encode(stored, "JPEG", exif=exif.tobytes()))
    assert (page.width, page.height) == (40, 20)


@pytest.mark.parametrize("data", [b"", b"not an image", encode(Image.new("L", (9, 9)))[:40]])
def test_unreadable_data(data: bytes) -> None:
    with pytest.raises(EngineError, match="cannot read image"):
        load_image(data)


def test_missing_file() -> None:
    with pytest.raises(EngineError, match="not found"):
        load_image("/no/such/page.png")
