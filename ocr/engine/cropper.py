"""Cut regions out of a page and straighten them for a recognizer."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .geometry import FloatArray, order_clockwise
from .types import Crop, DetectedRegion, PageImage, RGBImage

VERTICAL_RATIO = 1.5  # taller than this times the width: a vertical line of text
# Upright lines of six clean and scanned pages (tests/fixtures, fondue_en_print) scored at most
# 0.43 and 95% of the same lines turned over scored above 0.95: a wide margin, because a line
# turned by mistake reads as confident garbage (rapidocr's classifier cost 20-55% CER that way).
DEFAULT_ORIENTATION_THRESHOLD = 0.95


def quadrilateral(polygon: Sequence[tuple[float, float]]) -> FloatArray:
    """The four corners to warp: a quadrilateral as it is, any other polygon (a many-point line
    polygon as eScriptorium and Transkribus export them, or one a person drew) reduced to its
    minimum-area rectangle. Warping the first four points of such a polygon cut its line into a
    sliver (line CER 0.99 on handwritten pages with the truth's polygons)."""
    points = np.asarray(polygon, dtype=np.float32).reshape(-1, 2)
    if len(points) == 4:
        return order_clockwise(points)
    return order_clockwise(cv2.boxPoints(cv2.minAreaRect(points)))


def _straight_size(src: FloatArray) -> tuple[int, int]:
    width = max(1, round(max(np.linalg.norm(src[0] - src[1]), np.linalg.norm(src[3] - src[2]))))
    height = max(1, round(max(np.linalg.norm(src[0] - src[3]), np.linalg.norm(src[1] - src[2]))))
    return width, height


def crop_size(polygon: Sequence[tuple[float, float]]) -> tuple[int, int]:
    """(width, height) of the crop rectify() makes of the polygon (no padding): along its text
    and across it, a vertical line turned as rectify turns it."""
    width, height = _straight_size(quadrilateral(polygon))
    return (height, width) if height > VERTICAL_RATIO * width else (width, height)


def rectify(pixels: RGBImage, polygon: Sequence[tuple[float, float]], padding: int = 0) -> RGBImage:
    """The polygon warped to an upright rectangle, with `padding` page pixels around it."""
    return rectify_turned(pixels, polygon, padding)[0]


def rectify_turned(
    pixels: RGBImage, polygon: Sequence[tuple[float, float]], padding: int = 0
) -> tuple[RGBImage, int]:
    """rectify()'s crop and the quarter turns (counter-clockwise) it was given."""
    src = quadrilateral(polygon)
    width, height = _straight_size(src)
    # Shifting the target corners in by `padding` makes the warp sample real page context
    # around the region instead of a flat border.
    p = float(padding)
    dst = np.array(
        [[p, p], [width + p, p], [width + p, height + p], [p, height + p]], dtype=np.float32
    )
    matrix = cv2.getPerspectiveTransform(src, dst)
    out = cv2.warpPerspective(
        pixels,
        matrix,
        (width + 2 * padding, height + 2 * padding),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )
    turned = 0
    if out.shape[0] > VERTICAL_RATIO * out.shape[1]:
        # Vertical text: turn it so it runs left to right, as PaddleOCR does.
        out = np.rot90(out)
        turned = 1
    return np.ascontiguousarray(out, dtype=np.uint8), turned


class PerspectiveCropper:
    """The `crop-1.0` cropper: perspective-rectified crops with optional padding, upside-down
    lines turned upright when the orientation classifier is sure."""

    def __init__(
        self,
        padding: int = 0,
        *,
        rotate_upside_down: bool = False,
        orientation_threshold: float = DEFAULT_ORIENTATION_THRESHOLD,
    ) -> None:
        self.padding = padding
        self.rotate_upside_down = rotate_upside_down
        self.orientation_threshold = orientation_threshold

    def crop(self, page: PageImage, regions: Sequence[DetectedRegion]) -> list[Crop]:
        warped = [rectify_turned(page.pixels, region.polygon, self.padding) for region in regions]
        images = [image for image, _ in warped]
        turns = [turned for _, turned in warped]
        if self.rotate_upside_down and images:
            from .orientation import get_classifier

            straight = get_classifier().straighten(images, self.orientation_threshold)
            turns = [
                (turned + 2) % 4 if new is not old else turned
                for turned, new, old in zip(turns, straight, images, strict=True)
            ]
            images = straight
        return [
            Crop(region=region, pixels=pixels, turned=turned, padding=self.padding)
            for region, pixels, turned in zip(regions, images, turns, strict=True)
        ]
