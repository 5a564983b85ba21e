"""Choosing a trained detector's post-processing on its training pages (no network: the
probability maps are made from the truth, as a network that learnt the DB targets gives)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ocr.engine.detectors.ppocr_db import PPOCRDBDetector
from ocr.engine.detectors.trained_params import DEFAULTS
from ocr.engine.types import PageImage, Polygon, RGBImage
from ocr.training.db import db_targets
from ocr.training.detector import _scaled, calibrate, reading_scale
from ocr.training.evaluate import score_detection
from ocr.training.samples import DetectionSample


def _box(x: float, y: float, w: float, h: float) -> Polygon:
    return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))


def _words_page(seed: int) -> DetectionSample:
    """A 400 x 300 page of small words (12 px high) a few pixels apart, lines close together:
    the shipped detector's settings (a low threshold, a dilated mask, generous unclip) join
    such words into lines."""
    rng = np.random.default_rng(seed)
    words: list[Polygon] = []
    for row in range(12):
        x = 10.0
        while x < 340:
            width = float(rng.integers(20, 60))
            words.append(_box(x, 12 + row * 22, width, 12))
            x += width + 6
    pixels = np.full((300, 400, 3), 255, dtype=np.uint8)
    return DetectionSample(pixels, tuple(words), (False,) * len(words))


class MapDetector(PPOCRDBDetector):
    """The engine's post-processing over maps given in advance (one per page)."""

    def __init__(self, maps: Sequence[np.ndarray]) -> None:
        for name, value in DEFAULTS.items():
            setattr(self, name, value)
        self.maps = list(maps)

    def probability_maps(self, images: Sequence[RGBImage]) -> list[np.ndarray]:
        return self.maps[: len(images)]


def _soft_kernels(page: DetectionSample) -> np.ndarray:
    shrink = db_targets(300, 400, page.polygons, page.ignore).shrink
    return np.asarray(cv2.GaussianBlur(shrink, (0, 0), sigmaX=1.0), dtype=np.float32)


def test_it_chooses_post_processing_that_finds_small_words() -> None:
    pages = [_words_page(seed) for seed in range(2)]
    detector = MapDetector([_soft_kernels(page) for page in pages])
    before = score_detection(
        [r.polygon for r in detector.regions(detector.maps[0], _image(pages[0]))],
        pages[0].polygons,
    )
    chosen, score = calibrate(detector, pages)
    assert set(chosen) == {"text_threshold", "unclip_ratio", "dilate"}
    assert score.hmean > 0.95
    assert before.hmean < 0.9 * score.hmean
    # The detector itself is left as it was.
    assert (detector.text_threshold, detector.unclip_ratio, detector.dilate) == (0.3, 1.6, True)


def test_it_breaks_ties_in_the_grid_order() -> None:
    pages = [_words_page(0)]
    detector = MapDetector([_soft_kernels(pages[0])])
    grid = {"text_threshold": (0.5, 0.5), "unclip_ratio": (1.5,), "dilate": (False,)}
    chosen, _ = calibrate(detector, pages, grid)
    assert chosen == {"text_threshold": 0.5, "unclip_ratio": 1.5, "dilate": False}


def test_it_scales_training_pages_as_the_engine_reads_them() -> None:
    page = _words_page(0)
    enlarged = _scaled(page, 800, upscale=True)
    assert enlarged.pixels.shape[:2] == (600, 800)
    assert enlarged.polygons[0] == tuple((x * 2, y * 2) for x, y in page.polygons[0])
    assert _scaled(page, 800, upscale=False) is page  # shrunk only, never enlarged
    assert _scaled(page, 200, upscale=False).pixels.shape[:2] == (150, 200)


def _image(page: DetectionSample) -> PageImage:
    return PageImage(page.pixels, 0)


def test_it_enlarges_pages_of_small_words_only() -> None:
    small = _words_page(0)  # 12-pixel words on a 400-pixel page
    assert reading_scale([small], max_side=600) == (928, True)  # 400 * 28 / 12, to 32
    assert reading_scale([small], max_side=1600) == (1600, False)  # the usual scale is enough
    tall = DetectionSample(
        small.pixels, tuple(_box(10, 10, 200, 40) for _ in range(3)), (False, False, True)
    )
    assert reading_scale([tall], max_side=600) == (600, False)
    nothing = DetectionSample(small.pixels, (_box(0, 0, 5, 5),), (True,))
    assert reading_scale([nothing], max_side=600) == (600, False)
