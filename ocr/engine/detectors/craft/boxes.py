"""Word boxes from CRAFT's region and affinity maps (craft_utils.getDetBoxes_core), in numpy.

A pixel belongs to a word if its region score passes `low_text` or its affinity (link) score
passes `link_threshold`; each 4-connected blob of such pixels is one candidate word, kept when
it is big enough and some pixel of it is confidently text (`text_threshold`). The blob is grown
in proportion to its thickness (the region map only covers character centres) and boxed by its
minimum-area rectangle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ...geometry import FloatArray, order_clockwise

# A blob whose rectangle is this close to a square gets its axis-aligned bounding box instead:
# minAreaRect of a near-square blob can come out as a diamond.
SQUARE_TOLERANCE = 0.1


@dataclass(frozen=True)
class ScoredBox:
    """A word quadrilateral in score-map pixels, clockwise from top-left, with its score (the
    highest region score inside, clipped to [0, 1])."""

    points: FloatArray
    score: float


def word_boxes(
    textmap: npt.NDArray[np.floating],
    linkmap: npt.NDArray[np.floating],
    *,
    text_threshold: float = 0.7,
    link_threshold: float = 0.4,
    low_text: float = 0.4,
    min_size: int = 10,
) -> list[ScoredBox]:
    """Boxes around the words of one page's region (`textmap`) and link (`linkmap`) maps.

    `min_size` is the smallest blob kept, in score-map pixels of area (half the detection
    resolution in each direction); CRAFT's own value is 10.
    """
    text = np.asarray(textmap, dtype=np.float32)
    text_mask = text > low_text
    link_mask = np.asarray(linkmap, dtype=np.float32) > link_threshold
    combined = (text_mask | link_mask).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(combined, connectivity=4)

    map_h, map_w = text.shape
    link_only = link_mask & ~text_mask
    boxes: list[ScoredBox] = []
    for k in range(1, count):
        area = int(stats[k, cv2.CC_STAT_AREA])
        if area < min_size:
            continue
        x, y = int(stats[k, cv2.CC_STAT_LEFT]), int(stats[k, cv2.CC_STAT_TOP])
        w, h = int(stats[k, cv2.CC_STAT_WIDTH]), int(stats[k, cv2.CC_STAT_HEIGHT])
        # Grow by about twice the blob's mean thickness: area / long side, roughly.
        grow = int(math.sqrt(area * min(w, h) / (w * h)) * 2)
        # Work on the blob's neighbourhood only; the original scans the whole map per blob.
        sx, sy = max(0, x - grow), max(0, y - grow)
        ex, ey = min(map_w, x + w + grow + 1), min(map_h, y + h + grow + 1)
        blob = labels[sy:ey, sx:ex] == k
        peak = float(text[sy:ey, sx:ex][blob].max())
        if peak < text_threshold:
            continue
        # Links only join characters; left in, they would stretch the box past the word.
        segment = (blob & ~link_only[sy:ey, sx:ex]).astype(np.uint8)
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (1 + grow, 1 + grow))
        segment = cv2.dilate(segment, kernel)
        ys, xs = np.nonzero(segment)
        if len(xs) == 0:
            continue
        points = np.stack([xs + sx, ys + sy], axis=1).astype(np.float32)
        boxes.append(ScoredBox(points=_word_rectangle(points), score=min(1.0, max(0.0, peak))))
    return boxes


def _word_rectangle(points: FloatArray) -> FloatArray:
    """Minimum-area rectangle of a blob's pixels, clockwise from top-left."""
    box = cv2.boxPoints(cv2.minAreaRect(points))
    w = float(np.linalg.norm(box[0] - box[1]))
    h = float(np.linalg.norm(box[1] - box[2]))
    if abs(1 - max(w, h) / (min(w, h) + 1e-5)) <= SQUARE_TOLERANCE:
        left, top = points.min(axis=0)
        right, bottom = points.max(axis=0)
        box = np.array([[left, top], [right, top], [right, bottom], [left, bottom]])
    return order_clockwise(box)
