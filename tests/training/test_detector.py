"""Training the DB detector: its threshold head, a falling loss, validation, cancelling."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ocr.engine.detectors import ppocr_db
from ocr.engine.images import load_image
from ocr.engine.types import PageImage
from ocr.training import TrainingCancelled
from ocr.training.db import db_loss, db_targets, stack_targets
from ocr.training.detector import (
    DetectorConfig,
    detection_scores,
    engine_detector,
    to_blob,
    train_detector,
)
from ocr.training.loop import Progress
from ocr.training.networks import detector_module
from ocr.training.samples import DetectionSample, detection_sample

from .conftest import POILUS, poilus_regions

pytestmark = pytest.mark.model

TINY = ppocr_db.MODEL_FILES["tiny"]()


@pytest.fixture(scope="module")
def page() -> DetectionSample:
    return detection_sample(load_image(POILUS), poilus_regions())


def test_it_starts_the_threshold_head_from_the_probability_head() -> None:
    _, network = detector_module(TINY)
    blob = torch.rand(1, 3, 64, 96) * 2 - 1
    with torch.inference_mode():
        logits, threshold = network(blob)
    assert logits.shape == threshold.shape == (1, 1, 64, 96)
    assert torch.allclose(torch.sigmoid(logits), threshold, atol=1e-6)
    head = {n for n, _ in network.threshold.named_parameters()}
    assert head and all(p.requires_grad for p in network.threshold.parameters())


def _loss_on(network: torch.nn.Module, page: DetectionSample) -> float:
    window = np.ascontiguousarray(page.pixels[:192, :320])
    targets = stack_targets([db_targets(192, 320, page.polygons, page.ignore)])
    with torch.inference_mode():
        logits, threshold = network(to_blob([window]))
        return float(db_loss(logits, threshold, targets)[0])


def test_it_lowers_the_db_loss_on_what_it_trains_on(page: DetectionSample) -> None:
    window = DetectionSample(
        np.ascontiguousarray(page.pixels[:192, :320]), page.polygons, page.ignore
    )
    _, untouched = detector_module(TINY)
    config = DetectorConfig(
        steps=8, batch_size=1, crop=192, learning_rate=2e-4, warmup=1, augment=False, eval_every=0
    )
    reports: list[Progress] = []
    trained = train_detector(TINY, [window], config, on_progress=reports.append)
    assert _loss_on(trained.network, page) < 0.8 * _loss_on(untouched, page)
    assert [r.step for r in reports] == list(range(1, 9))
    assert set(reports[-1].parts) == {"probability", "threshold", "binary"}


def test_it_keeps_the_weights_that_find_the_validation_regions_best(
    page: DetectionSample,
) -> None:
    config = DetectorConfig(steps=2, batch_size=1, crop=128, eval_every=1, learning_rate=1e-3)
    reports: list[Progress] = []
    trained = train_detector(TINY, [page], config, validation=[page], on_progress=reports.append)
    metrics = [r.metric for r in reports if r.metric is not None]
    assert len(metrics) == 3  # before training, after each step
    kept = detection_scores(engine_detector(TINY, trained.network), [page]).hmean
    assert kept == pytest.approx(max(metrics))


def test_it_scores_a_detector_against_its_own_regions_as_perfect() -> None:
    detector = engine_detector(TINY)
    pixels = load_image(POILUS).pixels
    found = detector.detect(PageImage(pixels))
    sample = DetectionSample(pixels, tuple(r.polygon for r in found), (False,) * len(found))
    score = detection_scores(detector, [sample])
    assert score.hmean == 1.0 and score.truth == len(found) > 0


def test_it_stops_when_asked(page: DetectionSample) -> None:
    config = DetectorConfig(steps=5, batch_size=1, crop=128, eval_every=0)
    with pytest.raises(TrainingCancelled):
        train_detector(TINY, [page], config, should_stop=lambda: True)
