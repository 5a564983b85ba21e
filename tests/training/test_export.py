"""Trained networks back to ONNX: onnxruntime runs the file as the torch module computes it."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from ocr.engine.detectors import ppocr_db
from ocr.engine.gallery import file_model, get_model
from ocr.engine.images import load_image
from ocr.engine.recognizers import ppocr_ctc
from ocr.engine.recognizers.ppocr_ctc import PPOCRCTCRecognizer
from ocr.engine.torchnet import load_module
from ocr.engine.types import Crop, DetectedRegion
from ocr.engine.workflow import READY_WORKFLOWS, validate_workflow
from ocr.training.detector import DetectorConfig, to_blob, train_detector
from ocr.training.export import export_onnx
from ocr.training.recognizer import RecognizerConfig, train_recognizer
from ocr.training.samples import LineSample, detection_sample

from .conftest import POILUS, poilus_regions

pytestmark = pytest.mark.model


def _session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _run(path: Path, blob: np.ndarray) -> np.ndarray:
    session = _session(path)
    return np.asarray(session.run(None, {session.get_inputs()[0].name: blob})[0])


def test_it_exports_a_trained_recognizer_that_onnxruntime_runs_as_torch_does(
    tmp_path: Path, poilus_lines: list[LineSample]
) -> None:
    base, dictionary = ppocr_ctc.MODEL_FILES["tiny"]()
    config = RecognizerConfig(steps=2, batch_size=2, learning_rate=1e-3, warmup=1, eval_every=0)
    trained = train_recognizer(base, poilus_lines[:2], config, dictionary=dictionary)
    path = trained.export(tmp_path / "recognizer.onnx")
    from ocr.training.ctc import make_batch

    blob = make_batch([(line.pixels, ()) for line in poilus_lines]).images
    with torch.inference_mode():
        expected = torch.softmax(trained.module(blob), dim=-1).numpy()
    got = _run(path, blob.numpy())
    assert got.shape == expected.shape
    assert float(np.abs(got - expected).max()) < 1e-3
    # The file holds the trained weights, not the base's.
    assert float(np.abs(got - _run(base, blob.numpy())).max()) > 1e-3
    # Its dictionary travels inside it: the engine reads it without the wheel's file.
    # Every character allowed, as the trained module's own reading (the engine's default
    # alphabet, Latin, would cut the output layer).
    reader = PPOCRCTCRecognizer(path, alphabet="all")
    assert reader.charset == PPOCRCTCRecognizer(base, dictionary=dictionary, alphabet="all").charset
    whole = DetectedRegion(((0, 0), (1, 0), (1, 1), (0, 1)), 1.0)
    texts = [r.text for r in reader.recognize([Crop(whole, line.pixels) for line in poilus_lines])]
    assert texts == trained.read([line.pixels for line in poilus_lines])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recognizer.onnx"]  # no leftovers


def test_it_exports_a_trained_detector_that_onnxruntime_runs_as_torch_does(
    tmp_path: Path,
) -> None:
    base = ppocr_db.MODEL_FILES["tiny"]()
    page = detection_sample(load_image(POILUS), poilus_regions())
    config = DetectorConfig(
        steps=2, batch_size=1, crop=128, learning_rate=1e-3, warmup=1, eval_every=0
    )
    trained = train_detector(base, [page], config)
    path = trained.export(tmp_path / "detector.onnx")
    blob = to_blob([page.pixels[:96, :160]])
    with torch.inference_mode():
        logits, _ = trained.network(blob)
        expected = torch.sigmoid(logits).numpy()
    got = _run(path, blob.numpy())
    assert got.shape == expected.shape == (1, 1, 96, 160)
    assert float(np.abs(got - expected).max()) < 1e-3
    assert float(np.abs(got - _run(base, blob.numpy())).max()) > 1e-3


def test_it_writes_layer_norms_back_in_the_base_opset(tmp_path: Path) -> None:
    """PP-OCRv6 small's recognizer is opset 11, before LayerNormalization: the fused norms
    go back out as the ops they came from, and the numbers agree."""
    base = ppocr_ctc.MODEL_FILES["small"]()[0]
    module = load_module(base)
    torch.manual_seed(0)
    with torch.no_grad():
        for weight in module.parameters():
            weight.mul_(1 + 0.01 * torch.randn_like(weight))
    path = export_onnx(module.graph, module.initializers(), base, tmp_path / "small.onnx")
    blob = torch.rand(2, 3, 48, 160) * 2 - 1
    with torch.inference_mode():
        expected = module(blob).numpy()
    got = _run(path, blob.numpy())
    assert float(np.abs(got - expected).max()) < 1e-3
    assert float(np.abs(got - _run(base, blob.numpy())).max()) > 1e-3


def test_it_exports_a_detector_that_reads_with_its_own_scale_and_thresholds(
    tmp_path: Path,
) -> None:
    base = ppocr_db.MODEL_FILES["tiny"]()
    page = detection_sample(load_image(POILUS), poilus_regions())
    config = DetectorConfig(
        steps=1, batch_size=1, crop=128, warmup=1, eval_every=0, max_side=1280, upscale=True
    )
    trained = train_detector(base, [page], config)
    assert set(trained.params) == {
        "max_side",
        "upscale",
        "text_threshold",
        "unclip_ratio",
        "dilate",
    }
    path = trained.export(tmp_path / "detector.onnx")

    reader = ppocr_db.PPOCRDBDetector(path)
    for name, value in trained.params.items():
        assert getattr(reader, name) == value
    assert ppocr_db.PPOCRDBDetector(path, max_side=960).max_side == 960  # explicit wins
    shipped = ppocr_db.PPOCRDBDetector(base)
    assert (shipped.max_side, shipped.upscale, shipped.unclip_ratio) == (1600, False, 1.6)

    # A workflow naming the trained model without parameters gets the model's own.
    spec = file_model("ppocrv6-tiny-det", "trained-1", path, "")
    nodes = copy.deepcopy(READY_WORKFLOWS["default"]["nodes"])
    nodes[0] = {**nodes[0], "model": "trained-1", "params": {}}
    node = validate_workflow(nodes, {"trained-1": spec})[0]
    assert {k: node["params"][k] for k in trained.params} == trained.params
    assert get_model("ppocrv6-tiny-det").defaults()["max_side"] == 1600
