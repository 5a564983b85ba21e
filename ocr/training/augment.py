"""Random changes of scans and handwriting that leave the truth true.

A handful of pages is all an app has, so each pass over them should look like new pages of
the same kind: other slants and stroke widths (another hand, another pen), other paper and ink
contrast, scanner blur and noise, JPEG artefacts, a slightly different crop. Nothing here
changes what is written. Every function takes its randomness from the caller's generator, so
a seeded training is repeatable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from ocr.engine.types import Polygon, RGBImage


def _chance(rng: np.random.Generator, p: float) -> bool:
    return bool(rng.random() < p)


def photometric(pixels: RGBImage, rng: np.random.Generator) -> RGBImage:
    """Paper, ink and scanner: contrast and brightness, grey or tinted, blur, noise, JPEG."""
    out = pixels.astype(np.float32)
    if _chance(rng, 0.2):
        grey = out.mean(axis=2, keepdims=True)
        out = np.repeat(grey, 3, axis=2)
    if _chance(rng, 0.6):
        alpha = rng.uniform(0.6, 1.3)
        beta = rng.uniform(-30, 30)
        out = ((out - 128.0) * alpha + 128.0 + beta).astype(np.float32)
    if _chance(rng, 0.2):
        # A tint: yellowed paper, blue or brown ink.
        out = out * rng.uniform(0.85, 1.1, size=3).astype(np.float32)
    if _chance(rng, 0.25):
        sigma = rng.uniform(0.4, 1.1)
        out = np.asarray(cv2.GaussianBlur(out, (0, 0), sigmaX=sigma), dtype=np.float32)
    if _chance(rng, 0.25):
        out = out + rng.normal(0.0, rng.uniform(2, 10), size=out.shape).astype(np.float32)
    result = np.clip(out, 0, 255).astype(np.uint8)
    if _chance(rng, 0.2):
        quality = int(rng.integers(30, 90))
        ok, encoded = cv2.imencode(".jpg", result, [cv2.IMWRITE_JPEG_QUALITY, quality])
        decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR) if ok else None
        if decoded is not None:
            # Written and read back in one channel order: the colours stay where they were.
            result = np.asarray(decoded, dtype=np.uint8)
    return np.ascontiguousarray(result)


def stroke_width(pixels: RGBImage, rng: np.random.Generator) -> RGBImage:
    """Thinner or thicker strokes, as another pen or another scan threshold gives."""
    if not _chance(rng, 0.3) or min(pixels.shape[:2]) < 16:
        return pixels
    kernel = np.ones((2, 2), dtype=np.uint8)
    # Dark ink on light paper: the minimum filter (erode) widens strokes, dilate thins them.
    if _chance(rng, 0.5):
        return np.ascontiguousarray(cv2.erode(pixels, kernel))
    return np.ascontiguousarray(cv2.dilate(pixels, kernel))


def augment_line(pixels: RGBImage, rng: np.random.Generator) -> RGBImage:
    """A line crop as another hand or another scan might give it: slant, a small rotation, a
    stretch along the line, a looser or tighter cut above and below, then photometric."""
    h, w = pixels.shape[:2]
    if _chance(rng, 0.8) and h >= 8 and w >= 8:
        shear = math.tan(math.radians(rng.uniform(-12, 12)))
        angle = math.radians(rng.uniform(-1.5, 1.5))
        stretch = rng.uniform(0.85, 1.2)
        # Margins above and below: cropped by up to 8% or grown by up to 12% of the height.
        top = rng.uniform(-0.08, 0.12) * h
        bottom = rng.uniform(-0.08, 0.12) * h
        cos, sin = math.cos(angle), math.sin(angle)
        # Shear about the middle row, then rotate about the centre, then stretch x.
        cx, cy = w / 2, h / 2
        a = np.array([[1, shear, -shear * cy], [0, 1, 0], [0, 0, 1]], dtype=np.float64)
        r = np.array(
            [[cos, -sin, cx - cos * cx + sin * cy], [sin, cos, cy - sin * cx - cos * cy], [0, 0, 1]]
        )
        s = np.array([[stretch, 0, 0], [0, 1, top], [0, 0, 1]], dtype=np.float64)
        matrix = (s @ r @ a)[:2]
        out_w = max(8, round(w * stretch + abs(shear) * h))
        out_h = max(8, round(h + top + bottom))
        matrix[0, 2] += abs(shear) * h / 2
        warped = cv2.warpAffine(
            pixels,
            matrix,
            (out_w, out_h),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        pixels = np.asarray(warped, dtype=np.uint8)
    pixels = stroke_width(pixels, rng)
    return photometric(pixels, rng)


def transform_polygons(polygons: Sequence[Polygon], matrix: np.ndarray) -> tuple[Polygon, ...]:
    """Each polygon through a 2x3 affine matrix."""
    out = []
    for polygon in polygons:
        points = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
        moved = points @ matrix[:, :2].T + matrix[:, 2]
        out.append(tuple((float(x), float(y)) for x, y in moved))
    return tuple(out)


def random_page_view(
    pixels: RGBImage,
    polygons: Sequence[Polygon],
    size: int,
    rng: np.random.Generator,
    *,
    scale_range: tuple[float, float] = (0.8, 1.25),
    max_degrees: float = 3.0,
) -> tuple[RGBImage, tuple[Polygon, ...]]:
    """A size x size window of the page, scaled and turned a little, with the polygons moved
    the same way. The window is placed over text more often than not, so a crop of an empty
    margin does not waste a training step."""
    h, w = pixels.shape[:2]
    scale = rng.uniform(*scale_range)
    angle = rng.uniform(-max_degrees, max_degrees) if _chance(rng, 0.5) else 0.0
    # The centre of the window, in page pixels: on a random polygon, or anywhere.
    if polygons and _chance(rng, 0.85):
        anchor = np.asarray(polygons[int(rng.integers(len(polygons)))], dtype=np.float64)
        cx, cy = anchor.mean(axis=0) + rng.normal(0, size / (4 * scale), size=2)
    else:
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    matrix = cv2.getRotationMatrix2D((float(cx), float(cy)), angle, scale)
    matrix[0, 2] += size / 2 - cx
    matrix[1, 2] += size / 2 - cy
    view = cv2.warpAffine(
        pixels,
        matrix,
        (size, size),
        flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(255, 255, 255),
    )
    return np.ascontiguousarray(view), transform_polygons(polygons, matrix)
