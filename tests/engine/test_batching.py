"""The GPU worker's batching, run on the CPU for shapes and results: pages detected together in
padded size buckets, crops of several pages recognized together, the best class taken on the
device; the text is the same batched or not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch

from ocr.engine.cropper import PerspectiveCropper
from ocr.engine.detectors import ppocr_db
from ocr.engine.detectors.ppocr_db import PPOCRDBDetector
from ocr.engine.images import load_image
from ocr.engine.pipeline import Pipeline
from ocr.engine.recognizers import ppocr_ctc
from ocr.engine.recognizers.ppocr_ctc import PPOCRCTCRecognizer
from ocr.engine.runtime import OrtNetwork, TorchNetwork
from ocr.engine.types import PageImage

from .conftest import EUROTEXT, PHOTOTEST

pytestmark = pytest.mark.model


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """One torch thread: the suite shares two cores (see test_torch_runtime.py)."""
    threads = torch.get_num_threads()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEGIBLE_OCR_THREADS", "1")
        yield
    torch.set_num_threads(threads)


def _pages() -> list[PageImage]:
    photo, euro = load_image(PHOTOTEST), load_image(EUROTEXT)
    # Three sizes: two pages share one bucket, the 1024 x 800 scan has one of its own, and a
    # page cut a little narrower than phototest pads into phototest's bucket.
    narrower = PageImage(pixels=np.ascontiguousarray(photo.pixels[:, :600]), index=2)
    return [
        PageImage(pixels=photo.pixels, index=0),
        PageImage(pixels=euro.pixels, index=1),
        narrower,
        PageImage(pixels=photo.pixels, index=3),
    ]


class Recording:
    """A network that records the batch shapes it is given."""

    def __init__(self, network: Any) -> None:
        self.network = network
        self.shapes: list[tuple[int, ...]] = []
        self.metadata, self.classes = network.metadata, network.classes
        self.device = getattr(network, "device", None)

    def __call__(self, blob: np.ndarray) -> np.ndarray:
        self.shapes.append(blob.shape)
        return self.network(blob)

    def best(self, blob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.shapes.append(blob.shape)
        return self.network.best(blob)


@pytest.fixture
def gpu_batching(monkeypatch: pytest.MonkeyPatch) -> None:
    """The GPU's batching on the CPU: four pages a call, padded to multiples of 128, and the
    recognizer's GPU batch limits."""
    monkeypatch.setattr(ppocr_db, "page_batching", lambda network: (4, 128))
    monkeypatch.setattr(ppocr_ctc, "on_gpu", lambda network: True)


def _built(runtime: str, monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    monkeypatch.setenv("OCR_RUNTIME", runtime)
    monkeypatch.setenv("OCR_DEVICE", "cpu")
    detector = PPOCRDBDetector.from_params({}, "tiny")
    recognizer = PPOCRCTCRecognizer.from_params({}, "tiny")
    detector.network = Recording(detector.network)  # type: ignore[assignment]
    recognizer.network = Recording(recognizer.network)  # type: ignore[assignment]
    return Pipeline(detector, PerspectiveCropper(), recognizer)


@pytest.mark.parametrize("runtime", ["torch", "onnxruntime"])
def test_it_reads_the_same_text_batched_or_not(
    gpu_batching: None, monkeypatch: pytest.MonkeyPatch, runtime: str
) -> None:
    pipeline = _built(runtime, monkeypatch)
    pages = _pages()
    alone = [pipeline.read_page(page) for page in pages]
    detector, recognizer = pipeline.detector.network, pipeline.recognizer.network
    assert all(shape[0] == 1 for shape in detector.shapes)
    detector.shapes.clear()
    recognizer.shapes.clear()

    together = pipeline.read_batch(pages)
    # Pages 0, 2 and 3 share one padded size (640 x 480 and 600 x 480 pad to 640 x 512), the
    # eurotext scan is alone in its bucket: two detector calls for four pages.
    assert sorted(detector.shapes) == [(1, 3, 896, 1024), (3, 3, 512, 640)]
    assert max(shape[0] for shape in recognizer.shapes) > 16  # crops of several pages
    assert [r.index for r in together] == [0, 1, 2, 3]
    for one, many in zip(alone, together, strict=True):
        assert [r.text for r in many.regions] == [r.text for r in one.regions]
        assert (many.width, many.height) == (one.width, one.height)
    assert sum(len(r.regions) for r in together) > 30


def test_the_bucket_padding_keeps_the_text_of_the_32_pixel_padding(
    gpu_batching: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = _built("onnxruntime", monkeypatch)
    page = _pages()[1]
    bucketed = pipeline.read_page(page)
    monkeypatch.setattr(ppocr_db, "page_batching", lambda network: (1, 32))
    plain = pipeline.read_page(page)
    assert [r.text for r in bucketed.regions] == [r.text for r in plain.regions]


def test_it_reads_pages_in_batches_of_the_detectors_size(
    gpu_batching: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = _built("onnxruntime", monkeypatch)
    assert pipeline.page_batch == 4
    pages = [*_pages(), PageImage(pixels=_pages()[0].pixels, index=4)]
    results = list(pipeline.read_pages(pages))
    assert [r.index for r in results] == [0, 1, 2, 3, 4]
    assert len(pipeline.detector.network.shapes) == 3  # {0, 2, 3} + {1}, then {4}


def test_the_best_class_is_taken_on_the_device_the_same_as_on_the_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipeline = _built("torch", monkeypatch)
    network = pipeline.recognizer.network.network
    assert isinstance(network, TorchNetwork)
    page = load_image(EUROTEXT)
    crops = pipeline.cropper.crop(page, pipeline.detector.detect(page))[:6]
    blob = ppocr_ctc._batch_blob([c.pixels for c in crops])
    probs = network(blob)
    best, scores = network.best(blob)
    assert best.shape == scores.shape == probs.shape[:2]
    assert best.dtype == np.int32 and scores.dtype == np.float32
    assert (best == probs.argmax(axis=-1)).all()
    assert float(np.abs(scores - probs.max(axis=-1)).max()) < 1e-6
    charset = pipeline.recognizer.charset
    for row in range(len(crops)):
        assert (
            ppocr_ctc.ctc_decode_best(best[row], scores[row], charset).text
            == ppocr_ctc.ctc_greedy_decode(probs[row], charset).text
        )


def test_an_onnxruntime_network_takes_the_best_class_on_the_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipeline = _built("onnxruntime", monkeypatch)
    network = pipeline.recognizer.network.network
    assert isinstance(network, OrtNetwork)
    blob = np.zeros((2, 3, 48, 64), dtype=np.float32)
    best, scores = network.best(blob)
    assert best.shape == (2, network(blob).shape[1])
    assert (scores <= 1.0).all()
