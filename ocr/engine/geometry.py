"""Small polygon helpers shared by detectors, the cropper and reading order."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .types import Polygon

FloatArray = npt.NDArray[np.float32]


def order_clockwise(points: npt.ArrayLike) -> FloatArray:
    """Four points as top-left, top-right, bottom-right, bottom-left (image y grows down)."""
    pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
    by_x = pts[np.argsort(pts[:, 0], kind="stable")]
    left, right = by_x[:2], by_x[2:]
    top_left, bottom_left = left[np.argsort(left[:, 1], kind="stable")]
    top_right, bottom_right = right[np.argsort(right[:, 1], kind="stable")]
    return np.array([top_left, top_right, bottom_right, bottom_left], dtype=np.float32)


def to_polygon(points: npt.ArrayLike) -> Polygon:
    return tuple((float(x), float(y)) for x, y in np.asarray(points).reshape(-1, 2))


def bounds(polygon: Polygon) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a polygon."""
    xs = [x for x, _ in polygon]
    ys = [y for _, y in polygon]
    return min(xs), min(ys), max(xs), max(ys)
