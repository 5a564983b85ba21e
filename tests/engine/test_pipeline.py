"""End to end with the real PP-OCRv6 models (CPU, a fraction of a second per page)."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image

from ocr.engine import EngineError, PageImage, PageResult
from ocr.engine.images import load_image
from ocr.engine.metrics import cer
from ocr.engine.pipeline import Pipeline, build_pipeline, get_pipeline
from ocr.engine.workflow import resolve_workflow

from .conftest import EUROTEXT, EUROTEXT_TEXT, PHOTOTEST, PHOTOTEST_TEXT

pytestmark = pytest.mark.model


def test_phototest_cer(pipeline: Pipeline) -> None:
    result = pipeline.read_page(load_image(PHOTOTEST))
    assert cer(PHOTOTEST_TEXT, result.text) < 0.02


def test_eurotext_cer(pipeline: Pipeline) -> None:
    result = pipeline.read_page(load_image(EUROTEXT))
    assert cer(EUROTEXT_TEXT, result.text) < 0.05


def test_regions_are_clockwise_quads_inside_the_page(pipeline: Pipeline) -> None:
    result = pipeline.read_page(load_image(PHOTOTEST))
    assert (result.width, result.height) == (640, 480)
    assert result.regions
    for region in result.regions:
        assert len(region.polygon) == 4
        for x, y in region.polygon:
            assert 0 <= x <= result.width and 0 <= y <= result.height
        xs, ys = zip(*region.polygon, strict=True)
        # Shoelace sum is positive for clockwise order when y grows downwards.
        area = sum(xs[i] * ys[i - 3] - xs[i - 3] * ys[i] for i in range(4))
        assert area > 0
        assert 0 < region.score <= 1 and 0 < region.detection_score <= 1
        assert region.text == region.text.strip() and region.text


def test_phototest_lines_come_in_reading_order(pipeline: Pipeline) -> None:
    result = pipeline.read_page(load_image(PHOTOTEST))
    expected = [line for line in PHOTOTEST_TEXT.splitlines() if line]
    assert len(result.regions) == len(expected)
    for region, line in zip(result.regions, expected, strict=True):
        assert cer(line, region.text) < 0.1, (line, region.text)


def test_read_pages_keeps_page_indexes(pipeline: Pipeline) -> None:
    page = load_image(PHOTOTEST)
    pages = [PageImage(page.pixels, index=i) for i in (0, 1)]
    results = list(pipeline.read_pages(pages))
    assert [r.index for r in results] == [0, 1]
    assert results[0].regions == results[1].regions
    assert results[0].to_dict()["regions"][0]["text"].startswith("This is")


def test_get_pipeline_is_cached() -> None:
    nodes = resolve_workflow("default")
    assert get_pipeline(nodes) is get_pipeline(resolve_workflow("default"))


def test_params_reach_the_models() -> None:
    nodes = resolve_workflow("default")
    nodes[0]["params"]["score_threshold"] = 1.0  # no box is that sure
    result = build_pipeline(nodes).read_page(load_image(PHOTOTEST))
    assert result.regions == ()


def encode(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def phototest_16bit() -> bytes:
    grey = np.asarray(Image.open(PHOTOTEST).convert("L"), dtype=np.uint16) * 257
    return encode(Image.fromarray(grey))


def phototest_exif_rotated() -> bytes:
    stored = Image.open(PHOTOTEST).convert("L").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(stored, "JPEG", quality=95, exif=exif.tobytes())


def phototest_cmyk() -> bytes:
    return encode(Image.open(PHOTOTEST).convert("CMYK"), "TIFF")


def palette_with_transparency() -> bytes:
    image = Image.open(PHOTOTEST).convert("P")
    return encode(image, transparency=255)


HOSTILE: dict[str, Callable[[], bytes]] = {
    "1x1": lambda: encode(Image.new("L", (1, 1), 0)),
    "20000x50": lambda: encode(Image.new("RGB", (20000, 50), (255, 255, 255))),
    "50x20000": lambda: encode(Image.new("L", (50, 20000), 0)),
    "all-white": lambda: encode(Image.new("RGB", (640, 480), (255, 255, 255))),
    "all-black": lambda: encode(Image.new("RGB", (640, 480), (0, 0, 0))),
    "noise": lambda: encode(
        Image.fromarray(np.random.default_rng(0).integers(0, 256, (300, 400), dtype=np.uint8))
    ),
    "16-bit": phototest_16bit,
    "cmyk": phototest_cmyk,
    "palette-transparent": palette_with_transparency,
    "exif-rotated": phototest_exif_rotated,
}


# Real pages in awkward encodings: these must still read, not merely survive.
PHOTOTEST_VARIANTS = {"16-bit", "cmyk", "exif-rotated", "palette-transparent"}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_images_do_not_crash(pipeline: Pipeline, name: str) -> None:
    try:
        result = pipeline.read_page(load_image(HOSTILE[name]()))
    except EngineError:
        assert name not in PHOTOTEST_VARIANTS
        return
    assert isinstance(result, PageResult)
    for region in result.regions:
        for x, y in region.polygon:
            assert 0 <= x <= result.width and 0 <= y <= result.height
    if name in PHOTOTEST_VARIANTS:
        assert (result.width, result.height) == (640, 480)
        assert cer(PHOTOTEST_TEXT, result.text) < 0.02


def test_it_drops_lines_read_with_too_little_confidence(pipeline: Pipeline) -> None:
    from ocr.engine.recognizers.ppocr_ctc import PPOCRCTCRecognizer

    page = load_image(PHOTOTEST)
    crops = pipeline.cropper.crop(page, pipeline.detector.detect(page))
    # Noise where a line should be: the network reads something, with little confidence.
    noise = np.random.default_rng(0).integers(0, 255, crops[0].pixels.shape, dtype=np.uint8)
    crops = [crops[0], type(crops[0])(region=crops[0].region, pixels=noise)]
    # Every character allowed: held to Latin, the network reads this noise as nothing at all.
    keep_all = PPOCRCTCRecognizer.from_params(
        {"batch_size": 4, "min_score": 0.0, "alphabet": "all"}
    )
    strict = PPOCRCTCRecognizer.from_params({"batch_size": 4, "min_score": 0.5, "alphabet": "all"})
    loose, kept = keep_all.recognize(crops), strict.recognize(crops)
    assert loose[1].score < 0.5 and loose[1].text  # garbage, read with low confidence
    assert kept[1].text == "" and kept[1].score == loose[1].score
    assert kept[0] == loose[0]  # a real line passes untouched


def test_a_page_off_the_networks_grid_is_padded_not_stretched(pipeline: Pipeline) -> None:
    # 603x451 is no multiple of 32: the detector pads it, so its map keeps the page's size
    # and each line's box lands where the same line's box lands on the whole page.
    whole = load_image(PHOTOTEST)
    part = PageImage(pixels=np.ascontiguousarray(whole.pixels[:451, :603]))
    detector = pipeline.detector
    assert detector.probability_map(part.pixels).shape == (451, 603)
    on_whole = [np.asarray(r.polygon) for r in detector.detect(whole)]
    inside = [
        np.asarray(r.polygon)
        for r in detector.detect(part)
        if max(x for x, _ in r.polygon) < 590 and max(y for _, y in r.polygon) < 440
    ]
    assert len(inside) >= 3
    for box in inside:
        twin = min(on_whole, key=lambda other: float(np.abs(other - box).sum()))
        assert np.abs(twin - box).max() <= 3


def test_it_leaves_pictures_out_as_the_recognizer_node_says() -> None:
    nodes = resolve_workflow("default")
    assert build_pipeline(nodes).drop_pictures  # on in the ready workflows
    nodes[2]["params"]["drop_pictures"] = False
    assert not build_pipeline(nodes).drop_pictures
