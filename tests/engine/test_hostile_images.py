"""Odd and hostile images through each ready workflow: a result (maybe empty) or a clear
EngineError, never a crash. Loaded with load_image, as the worker does."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image

from ocr.engine import EngineError, PageResult
from ocr.engine.images import load_image
from ocr.engine.metrics import cer
from ocr.engine.pipeline import get_pipeline
from ocr.engine.workflow import resolve_workflow

from .conftest import PHOTOTEST, PHOTOTEST_TEXT

pytestmark = pytest.mark.model

WORKFLOWS = ["default", "fast", "tesseract"]
# The top three lines of the phototest page keep the runs short.
TOP_LINES = "\n".join(PHOTOTEST_TEXT.splitlines()[:3])


def _top() -> Image.Image:
    return Image.open(PHOTOTEST).convert("L").crop((0, 80, 640, 192))


def _encode(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def one_pixel() -> bytes:
    return _encode(Image.new("RGB", (1, 1), "white"))


def very_wide() -> bytes:
    # 20000 x 50: a strip with a line of text at its start and blank paper after.
    strip = Image.new("L", (20000, 50), 255)
    strip.paste(Image.open(PHOTOTEST).convert("L").crop((30, 88, 630, 128)), (10, 5))
    return _encode(strip)


def all_white() -> bytes:
    return _encode(Image.new("RGB", (300, 200), "white"))


def all_black() -> bytes:
    return _encode(Image.new("RGB", (300, 200), "black"))


def sixteen_bit_grey() -> bytes:
    wide = np.asarray(_top(), dtype=np.uint16) * 257
    return _encode(Image.fromarray(wide))


def cmyk_jpeg() -> bytes:
    return _encode(_top().convert("CMYK"), "JPEG", quality=95)


def palette_with_transparency() -> bytes:
    # Paper transparent (index 0), text opaque black: the reader must see black on white.
    grey = np.asarray(_top())
    indexes = np.where(grey < 128, 1, 0).astype(np.uint8)
    image = Image.fromarray(indexes, mode="P")
    image.putpalette([0, 0, 0, 0, 0, 0] + [0] * 762)
    return _encode(image, transparency=0)


def exif_rotated_jpeg() -> bytes:
    # Pixels stored turned a quarter; EXIF orientation 6 tells viewers to turn them back.
    stored = _top().transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    return _encode(stored.convert("RGB"), "JPEG", quality=95, exif=exif.tobytes())


HOSTILE: dict[str, Callable[[], bytes]] = {
    "one pixel": one_pixel,
    "20000x50": very_wide,
    "all white": all_white,
    "all black": all_black,
    "16-bit grey": sixteen_bit_grey,
    "CMYK JPEG": cmyk_jpeg,
    "palette with transparency": palette_with_transparency,
    "EXIF-rotated JPEG": exif_rotated_jpeg,
}


def read(ref: str, data: bytes) -> PageResult | EngineError:
    try:
        return get_pipeline(resolve_workflow(ref)).read_page(load_image(data))
    except EngineError as exc:
        return exc


@pytest.mark.parametrize("ref", WORKFLOWS)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_it_reads_or_refuses_clearly(ref: str, name: str) -> None:
    outcome = read(ref, HOSTILE[name]())
    if isinstance(outcome, EngineError):
        assert str(outcome)
    else:
        assert isinstance(outcome, PageResult)
        assert outcome.width > 0 and outcome.height > 0


@pytest.mark.parametrize("ref", WORKFLOWS)
@pytest.mark.parametrize("name", ["all white", "all black", "one pixel"])
def test_it_finds_nothing_on_blank_pages(ref: str, name: str) -> None:
    outcome = read(ref, HOSTILE[name]())
    assert isinstance(outcome, PageResult) and outcome.text == ""


@pytest.mark.parametrize("ref", WORKFLOWS)
@pytest.mark.parametrize(
    "name", ["16-bit grey", "CMYK JPEG", "palette with transparency", "EXIF-rotated JPEG"]
)
def test_it_reads_the_text_of_unusual_encodings(ref: str, name: str) -> None:
    outcome = read(ref, HOSTILE[name]())
    assert isinstance(outcome, PageResult)
    assert cer(TOP_LINES, outcome.text) < 0.1, outcome.text


def test_it_applies_the_exif_rotation() -> None:
    page = load_image(exif_rotated_jpeg())
    assert (page.width, page.height) == (640, 112)


@pytest.mark.parametrize("ref", ["default", "tesseract"])
def test_it_reads_the_line_at_the_start_of_a_very_wide_strip(ref: str) -> None:
    # PP-OCRv6 tiny squashes the 400:1 strip past reading and returns nothing, which is allowed.
    outcome = read(ref, very_wide())
    assert isinstance(outcome, PageResult)
    assert cer(PHOTOTEST_TEXT.splitlines()[0], outcome.text) < 0.1, outcome.text
