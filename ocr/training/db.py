"""Training targets and loss of the DB (differentiable binarization) detector.

Liao et al., "Real-time Scene Text Detection with Differentiable Binarization" (AAAI 2020),
as PaddleOCR and docTR build them:
- the shrunk text map: each region shrunk by D = A (1 - r^2) / L (area A, perimeter L,
  r = 0.4), so that touching words stay apart; the detector's unclip grows them back;
- the threshold map: rising towards each region's border within the same distance D, between
  0.3 and 0.7, so the learnt threshold is high where two texts meet;
- the loss: balanced binary cross-entropy (hard negatives 3:1) on the probability map, L1 on
  the threshold map inside the bands, dice on the approximate binary map
  1 / (1 + exp(-k (P - T))).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import pyclipper
import torch
import torch.nn.functional as F
from torch import Tensor

from ocr.engine.types import Polygon

SHRINK_RATIO = 0.4
THRESHOLD_MIN = 0.3
THRESHOLD_MAX = 0.7
# Regions thinner than this (in training pixels) are masked out rather than learnt: their
# shrunk kernel would be under a pixel.
MIN_TEXT_SIZE = 4
NEGATIVE_RATIO = 3.0  # hard negatives per positive pixel in the BCE term
# Hard negatives of an image with little or no text: without a floor, a window of blank
# margin would teach nothing, and false alarms on stains and rules would go unpunished.
MIN_NEGATIVES = 1024
AMPLIFY = 50.0  # k of the approximate binarization
THRESHOLD_WEIGHT = 10.0  # beta of the paper
BINARY_WEIGHT = 1.0  # alpha of the paper

FloatMap = npt.NDArray[np.float32]


@dataclass(frozen=True)
class DBTargets:
    """Per-pixel targets of one image, all H x W float32."""

    shrink: FloatMap  # 1 inside each shrunk region
    shrink_mask: FloatMap  # 0 where a region is ignored (no loss there)
    threshold: FloatMap  # THRESHOLD_MIN..THRESHOLD_MAX
    threshold_mask: FloatMap  # 1 in the bands around regions where the threshold is learnt


def _area_and_perimeter(points: npt.NDArray[np.float64]) -> tuple[float, float]:
    contour = points.astype(np.float32).reshape(-1, 1, 2)
    return abs(float(cv2.contourArea(contour))), float(cv2.arcLength(contour, True))


def _offset(points: npt.NDArray[np.float64], distance: float) -> list[npt.NDArray[np.float64]]:
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(
        [tuple(p) for p in points.round().astype(np.int64).tolist()],
        pyclipper.JT_ROUND,
        pyclipper.ET_CLOSEDPOLYGON,
    )
    return [np.asarray(p, dtype=np.float64) for p in offset.Execute(distance)]


def shrink_distance(points: npt.NDArray[np.float64], ratio: float = SHRINK_RATIO) -> float:
    area, perimeter = _area_and_perimeter(points)
    return area * (1 - ratio**2) / perimeter if perimeter > 0 else 0.0


def _segment_distance(
    xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64], a: np.ndarray, b: np.ndarray
) -> npt.NDArray[np.float64]:
    """Distance of each (x, y) to the segment a-b."""
    ab = b - a
    length2 = float(ab @ ab)
    if length2 == 0:
        return np.hypot(xs - a[0], ys - a[1])
    t = np.clip(((xs - a[0]) * ab[0] + (ys - a[1]) * ab[1]) / length2, 0.0, 1.0)
    return np.hypot(xs - (a[0] + t * ab[0]), ys - (a[1] + t * ab[1]))


def _draw_border(
    points: npt.NDArray[np.float64], canvas: FloatMap, mask: FloatMap, ratio: float
) -> None:
    """Raise the canvas towards 1 near the polygon's border, within its shrink distance."""
    distance = shrink_distance(points, ratio)
    if distance <= 0:
        return
    padded = _offset(points, distance)
    if not padded:
        return
    outline = padded[0]
    cv2.fillPoly(mask, [outline.round().astype(np.int32)], 1.0)
    h, w = canvas.shape
    x0 = int(max(0, np.floor(outline[:, 0].min())))
    x1 = int(min(w - 1, np.ceil(outline[:, 0].max())))
    y0 = int(max(0, np.floor(outline[:, 1].min())))
    y1 = int(min(h - 1, np.ceil(outline[:, 1].max())))
    if x1 < x0 or y1 < y0:
        return
    ys, xs = np.mgrid[y0 : y1 + 1, x0 : x1 + 1].astype(np.float64)
    nearest = np.full(xs.shape, np.inf)
    for i in range(len(points)):
        segment = _segment_distance(xs, ys, points[i], points[(i + 1) % len(points)])
        np.minimum(nearest, segment, out=nearest)
    closeness = 1.0 - np.clip(nearest / distance, 0.0, 1.0)
    window = canvas[y0 : y1 + 1, x0 : x1 + 1]
    np.fmax(window, closeness.astype(np.float32), out=window)


def db_targets(
    height: int,
    width: int,
    polygons: Sequence[Polygon],
    ignore: Sequence[bool],
    *,
    ratio: float = SHRINK_RATIO,
    min_text_size: float = MIN_TEXT_SIZE,
) -> DBTargets:
    """The DB targets of an image of height x width holding these regions (in its pixels)."""
    shrink = np.zeros((height, width), dtype=np.float32)
    shrink_mask = np.ones((height, width), dtype=np.float32)
    threshold = np.zeros((height, width), dtype=np.float32)
    threshold_mask = np.zeros((height, width), dtype=np.float32)
    for polygon, ignored in zip(polygons, ignore, strict=True):
        points = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
        if len(points) < 3:
            continue
        inside = (
            points[:, 0].max() >= 0
            and points[:, 1].max() >= 0
            and points[:, 0].min() < width
            and points[:, 1].min() < height
        )
        if not inside:
            continue
        area, _ = _area_and_perimeter(points)
        spans = points.max(axis=0) - points.min(axis=0)
        outline = [points.round().astype(np.int32)]
        if ignored or area < 1 or float(spans.min()) < min_text_size:
            cv2.fillPoly(shrink_mask, outline, 0.0)
            continue
        kernel: list[npt.NDArray[np.float64]] = []
        # As PaddleOCR: where shrinking splits the region (a thin waist), shrink less.
        for step in np.arange(ratio, 1.0, ratio):
            kernel = _offset(points, -shrink_distance(points, float(step)))
            if len(kernel) == 1:
                break
        if not kernel:
            cv2.fillPoly(shrink_mask, outline, 0.0)
            continue
        cv2.fillPoly(shrink, [k.round().astype(np.int32) for k in kernel], 1.0)
        _draw_border(points, threshold, threshold_mask, ratio)
    threshold = threshold * (THRESHOLD_MAX - THRESHOLD_MIN) + THRESHOLD_MIN
    return DBTargets(shrink, shrink_mask, threshold.astype(np.float32), threshold_mask)


def stack_targets(targets: Sequence[DBTargets]) -> dict[str, Tensor]:
    """A batch of targets as N x H x W tensors."""
    return {
        name: torch.from_numpy(np.stack([getattr(t, name) for t in targets]))
        for name in ("shrink", "shrink_mask", "threshold", "threshold_mask")
    }


def balanced_bce(logits: Tensor, target: Tensor, mask: Tensor) -> Tensor:
    """BCE over every positive pixel and the hardest negatives, at most 3 per positive."""
    loss = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    positive = (target * mask) > 0.5
    negative = ((1 - target) * mask) > 0.5
    positives = int(positive.sum())
    negatives = min(int(negative.sum()), max(int(positives * NEGATIVE_RATIO), MIN_NEGATIVES))
    positive_loss = loss[positive].sum()
    if negatives == 0:
        return positive_loss / max(positives, 1)
    hardest = torch.topk(loss[negative], negatives).values
    return (positive_loss + hardest.sum()) / (positives + negatives + 1e-6)


def masked_l1(prediction: Tensor, target: Tensor, mask: Tensor) -> Tensor:
    return (torch.abs(prediction - target) * mask).sum() / (mask.sum() + 1e-6)


def dice(prediction: Tensor, target: Tensor, mask: Tensor) -> Tensor:
    intersection = (prediction * target * mask).sum()
    union = (prediction * mask).sum() + (target * mask).sum() + 1e-6
    return 1 - 2.0 * intersection / union


def db_loss(
    logits: Tensor, threshold: Tensor, targets: dict[str, Tensor]
) -> tuple[Tensor, dict[str, float]]:
    """The DB loss of a batch: logits and threshold N x 1 x H x W, targets from stack_targets.
    Returns the total and its parts (for the progress chart)."""
    logits, threshold = logits[:, 0], threshold[:, 0]
    shrink, shrink_mask = targets["shrink"], targets["shrink_mask"]
    probability = torch.sigmoid(logits)
    binary = torch.sigmoid(AMPLIFY * (probability - threshold))
    parts = {
        "probability": balanced_bce(logits, shrink, shrink_mask),
        "threshold": masked_l1(threshold, targets["threshold"], targets["threshold_mask"]),
        "binary": dice(binary, shrink, shrink_mask),
    }
    total = parts["probability"] + THRESHOLD_WEIGHT * parts["threshold"]
    total = total + BINARY_WEIGHT * parts["binary"]
    return total, {name: float(value.detach()) for name, value in parts.items()}
