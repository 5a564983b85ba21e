"""Training a PP-OCR DB text detector on pages with region outlines.

A trained detector carries its own post-processing and scale (ocr.engine.detectors.ppocr_db
reads them from its metadata): the shipped detector's thresholds were chosen for text lines,
and no single setting suits every kind of region an app may draw. After the steps, the
thresholds that find the training pages' regions best are chosen (`calibrate`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from ocr.engine.detectors.ppocr_db import PPOCRDBDetector, detection_size
from ocr.engine.detectors.trained_params import METADATA_KEY
from ocr.engine.torchnet import Graph
from ocr.engine.types import PageImage, Polygon, RGBImage

from .augment import photometric, random_page_view, stroke_width
from .db import MIN_TEXT_SIZE, db_loss, db_targets, stack_targets
from .errors import TrainingError
from .evaluate import DetectionScore, pooled_detection, score_detection
from .export import export_onnx
from .loop import Clock, Progress, ProgressCallback, StopCheck, check_stop, learning_rate, prepare
from .networks import DBNetwork, LogitsNetwork, detector_module, freeze_early, snapshot
from .samples import DetectionSample


@dataclass(frozen=True)
class DetectorConfig:
    steps: int = 300
    batch_size: int = 4
    # The measured run's (README "Measured" > Training): on FUNSD's words, 520 steps of 4
    # windows of 512 at 1e-3 reached hmean 0.878 in 794 CPU s.
    crop: int = 512  # side of the square windows trained on (a multiple of 32)
    learning_rate: float = 1e-3
    warmup: int = 20
    weight_decay: float = 1e-4
    freeze: float = 0.0  # share of the first nodes kept as the base's (see freeze_early)
    augment: bool = True
    scale_range: tuple[float, float] = (0.8, 1.25)
    max_degrees: float = 3.0
    # Pages are first scaled as the detector scales them when it reads (its max_side; with
    # upscale, small pages enlarged to it), and the trained detector reads at that scale.
    max_side: int = 1600
    upscale: bool = False
    calibrate: bool = True  # choose the post-processing on the training pages (see calibrate)
    min_text_size: float = MIN_TEXT_SIZE
    seed: int = 0
    threads: int | None = None
    eval_every: int = 50  # validation every this many steps (and at the end); 0: at the end
    keep_best: bool = True  # keep the best validation weights, else the last (see recognizer)


def engine_detector(
    base: Path, network: DBNetwork | None = None, params: Mapping[str, Any] | None = None
) -> PPOCRDBDetector:
    """The engine's detector with its post-processing, running `network` when given."""
    detector = PPOCRDBDetector(base, **dict(params or {}))
    if network is not None:
        detector.network = LogitsNetwork(network.body.graph, network, "sigmoid")
    return detector


def detection_scores(detector: PPOCRDBDetector, pages: Sequence[DetectionSample]) -> DetectionScore:
    """Pooled detection figures of a detector on pages; ignored regions are neither text to
    find nor background (a box on one counts neither way)."""
    scores = []
    for index, page in enumerate(pages):
        found = detector.detect(PageImage(page.pixels, index))
        truth = [p for p, ignored in zip(page.polygons, page.ignore, strict=True) if not ignored]
        dont_care = [p for p, ignored in zip(page.polygons, page.ignore, strict=True) if ignored]
        scores.append(score_detection([r.polygon for r in found], truth, dont_care=dont_care))
    return pooled_detection(scores)


# What calibrate tries: the pixel threshold (a word detector's kernels are thin, and a low
# threshold joins neighbours), how far boxes are grown back (must match how the network
# learnt to shrink them, which after a few hundred steps is not the targets' exact shrink),
# and whether the mask is dilated (joins broken strokes, but also neighbouring words).
CALIBRATION_GRID: dict[str, tuple[Any, ...]] = {
    "text_threshold": (0.3, 0.4, 0.5, 0.6, 0.7),
    "unclip_ratio": (1.0, 1.2, 1.4, 1.6, 1.8, 2.0),
    "dilate": (False, True),
}


@dataclass
class TrainedDetector:
    base: Path
    graph: Graph  # the engine's graph: what export writes
    network: DBNetwork
    history: list[Progress] = field(default_factory=list)
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    # The engine detector's parameters this network reads with (scale and post-processing),
    # written into the exported file's metadata.
    params: dict[str, Any] = field(default_factory=dict)

    def export(self, path: Path) -> Path:
        """The probability branch as an ONNX file the engine's detector reads like the base,
        with its own parameters in its metadata."""
        metadata = {METADATA_KEY: json.dumps(self.params, sort_keys=True)}
        return export_onnx(self.graph, self.network.body.initializers(), self.base, path, metadata)


def _scaled(sample: DetectionSample, max_side: int, upscale: bool) -> DetectionSample:
    """The page at the scale the engine's detector reads it (ppocr_db.detection_size)."""
    h, w = sample.pixels.shape[:2]
    size = detection_size(w, h, max_side, upscale)
    if size == (w, h):
        return sample
    sx, sy = size[0] / w, size[1] / h
    shrinking = size[0] < w
    pixels = cv2.resize(
        sample.pixels, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    )
    polygons = tuple(tuple((x * sx, y * sy) for x, y in p) for p in sample.polygons)
    return DetectionSample(np.ascontiguousarray(pixels), polygons, sample.ignore)


# The height (short side, in the pixels the network sees) of the text the shipped PP-OCR
# detectors were trained on is a few tens of pixels; 14-pixel words (FUNSD's forms at 100 dpi)
# sit at the bottom of that, where the network's 1/4-scale features blur neighbours together.
TEXT_SIDE = 28
MAX_UPSCALED_SIDE = 2560  # beyond this, reading a page costs more than small text gains


def reading_scale(pages: Sequence[DetectionSample], max_side: int = 1600) -> tuple[int, bool]:
    """(max_side, upscale) for a detector trained on these pages: where their regions' median
    short side is under TEXT_SIDE, pages are enlarged (long side = the returned max_side) so
    it is TEXT_SIDE; else the engine's usual scale (shrunk to `max_side` only)."""
    sides, longs = [], []
    for page in pages:
        longs.append(max(page.pixels.shape[:2]))
        for polygon, ignored in zip(page.polygons, page.ignore, strict=True):
            points = np.asarray(polygon, dtype=np.float32).reshape(-1, 2)
            if not ignored and len(points) >= 3:
                sides.append(float(min(cv2.minAreaRect(points)[1])))
    if not sides:
        return max_side, False
    median = float(np.median(sides))
    if median <= 0 or median >= TEXT_SIDE:
        return max_side, False
    enlarged = float(np.median(longs)) * TEXT_SIDE / median
    side = min(MAX_UPSCALED_SIDE, int(round(enlarged / 32)) * 32)
    return (side, True) if side > max_side else (max_side, False)


def calibrate(
    detector: PPOCRDBDetector,
    pages: Sequence[DetectionSample],
    grid: Mapping[str, Sequence[Any]] = CALIBRATION_GRID,
) -> tuple[dict[str, Any], DetectionScore]:
    """The post-processing parameters (a choice from each of `grid`'s lists) with which
    `detector` finds the pages' regions best (pooled hmean; ties go to the first in the
    grid's order), and that score. The network runs once per page; only the cheap
    post-processing is repeated. The detector's own attributes are left as they were."""
    maps = detector.probability_maps([page.pixels for page in pages])
    truths = [
        [p for p, ignored in zip(page.polygons, page.ignore, strict=True) if not ignored]
        for page in pages
    ]
    dont_cares = [
        [p for p, ignored in zip(page.polygons, page.ignore, strict=True) if ignored]
        for page in pages
    ]
    names = list(grid)
    kept = {name: getattr(detector, name) for name in names}
    best: tuple[dict[str, Any], DetectionScore] | None = None
    try:
        for values in itertools.product(*(grid[name] for name in names)):
            for name, value in zip(names, values, strict=True):
                setattr(detector, name, value)
            images = (PageImage(p.pixels, i) for i, p in enumerate(pages))
            score = pooled_detection(
                score_detection(
                    [r.polygon for r in detector.regions(prob, image)], truth, dont_care=ignored
                )
                for prob, image, truth, ignored in zip(
                    maps, images, truths, dont_cares, strict=True
                )
            )
            if best is None or score.hmean > best[1].hmean:
                best = (dict(zip(names, values, strict=True)), score)
    finally:
        for name, value in kept.items():
            setattr(detector, name, value)
    if best is None:
        raise TrainingError("nothing to calibrate on")
    return best


def to_blob(images: Sequence[RGBImage]) -> torch.Tensor:
    """RGB windows as the engine's detector feeds them: BGR, scaled to -1..1."""
    stack = np.stack(images)[..., ::-1].astype(np.float32)
    return torch.from_numpy(
        np.ascontiguousarray(((stack / 255.0 - 0.5) / 0.5).transpose(0, 3, 1, 2))
    )


def _window(
    sample: DetectionSample, config: DetectorConfig, rng: np.random.Generator
) -> tuple[RGBImage, tuple[Polygon, ...]]:
    """A random training window of the page and the page's polygons in its pixels."""
    if not config.augment:
        return random_page_view(
            sample.pixels, sample.polygons, config.crop, rng, scale_range=(1.0, 1.0), max_degrees=0
        )
    pixels, polygons = random_page_view(
        sample.pixels,
        sample.polygons,
        config.crop,
        rng,
        scale_range=config.scale_range,
        max_degrees=config.max_degrees,
    )
    return photometric(stroke_width(pixels, rng), rng), polygons


def train_detector(
    base: Path,
    pages: Sequence[DetectionSample],
    config: DetectorConfig | None = None,
    *,
    validation: Sequence[DetectionSample] = (),
    detector_params: Mapping[str, Any] | None = None,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
) -> TrainedDetector:
    """Train the DB detector in `base` (an ONNX file) on `pages`. With `validation` pages,
    the weights with the best hmean (the engine's post-processing with `detector_params`)
    are kept, measured every `eval_every` steps; else the last ones."""
    config = config or DetectorConfig()
    if config.crop % 32:
        raise TrainingError("crop must be a multiple of 32")
    rng = prepare(config.seed, config.threads)
    clock = Clock()
    graph, network = detector_module(base)
    if config.freeze > 0:
        freeze_early(network.body, config.freeze)
    trainable = [p for p in network.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        trainable, lr=config.learning_rate, weight_decay=config.weight_decay
    )
    scaled = [_scaled(page, config.max_side, config.upscale) for page in pages if page.polygons]
    if not scaled:
        raise TrainingError("no training page has a region")
    scale = {"max_side": config.max_side, "upscale": config.upscale}
    result = TrainedDetector(base=base, graph=graph, network=network, params=dict(scale))
    reading = {**scale, **dict(detector_params or {})}
    detector = engine_detector(base, network, reading) if validation else None
    best: tuple[float, dict[str, torch.Tensor]] | None = None
    losses: list[float] = []

    def report(step: int, parts: dict[str, float]) -> None:
        nonlocal best
        metric = None
        due = step == config.steps or (config.eval_every and step % config.eval_every == 0)
        if detector is not None and due:
            network.eval()
            metric = detection_scores(detector, validation).hmean
            if config.keep_best and (best is None or metric > best[0]):
                best = (metric, snapshot(network))
        loss = float(np.mean(losses[-10:])) if losses else float("nan")
        progress = Progress(step, config.steps, loss, metric, clock.cpu, clock.wall, parts)
        result.history.append(progress)
        if on_progress is not None:
            on_progress(progress)

    if detector is not None and config.eval_every:
        report(0, {})
    for step in range(config.steps):
        check_stop(should_stop)
        images, targets = [], []
        for index in rng.integers(len(scaled), size=config.batch_size):
            page = scaled[int(index)]
            pixels, polygons = _window(page, config, rng)
            images.append(pixels)
            targets.append(
                db_targets(
                    config.crop,
                    config.crop,
                    polygons,
                    page.ignore,
                    min_text_size=config.min_text_size,
                )
            )
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, config.steps, config.learning_rate, config.warmup)
        network.train()
        logits, threshold = network(to_blob(images))
        loss, parts = db_loss(logits, threshold, stack_targets(targets))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 5.0)
        optimizer.step()
        network.eval()
        losses.append(float(loss.detach()))
        report(step + 1, parts)
    if best is not None:
        network.load_state_dict(best[1])
    network.eval()
    if config.calibrate:
        check_stop(should_stop)
        chosen, _ = calibrate(engine_detector(base, network, reading), pages)
        result.params.update(chosen)
        if detector is not None:  # validation figures with what the model will carry
            for name, value in chosen.items():
                setattr(detector, name, value)
    result.cpu_seconds, result.wall_seconds = clock.cpu, clock.wall
    return result
