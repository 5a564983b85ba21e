"""The PP-OCR networks as torch modules: same outputs as ONNX Runtime, trainable, batched."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper

from ocr.engine import device
from ocr.engine.detectors.ppocr_db import PPOCRDBDetector
from ocr.engine.device import Placement, choose_placement
from ocr.engine.errors import EngineError
from ocr.engine.images import load_image
from ocr.engine.pipeline import Pipeline
from ocr.engine.recognizers import ppocr_ctc
from ocr.engine.recognizers.ppocr_ctc import PPOCRCTCRecognizer
from ocr.engine.runtime import OrtNetwork, TorchNetwork, get_network
from ocr.engine.torchnet import OnnxModule, load_graph, load_module
from ocr.engine.types import Crop

from .conftest import EUROTEXT, PHOTOTEST

pytestmark = pytest.mark.model
VARIANTS = ["small", "tiny"]
T = TypeVar("T")
PAGES = {"phototest": PHOTOTEST, "eurotext": EUROTEXT}


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """Torch on one thread for this file: the suite shares its CPUs with other processes, and
    an oversubscribed OpenMP pool ran these tests 3x slower (2 cores, load 9). The outputs do
    not depend on the thread count. torch's setting is process-wide, so it is put back."""
    threads = torch.get_num_threads()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEGIBLE_OCR_THREADS", "1")
        yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def page_crops(pipeline: Pipeline) -> dict[str, list[Crop]]:
    """The crops the default pipeline makes of each fixture page."""
    crops = {}
    for name, path in PAGES.items():
        page = load_image(path)
        crops[name] = pipeline.cropper.crop(page, pipeline.detector.detect(page))
    return crops


def _built(runtime: str, build: Callable[[dict[str, object], str], T], variant: str) -> T:
    """An adapter whose network was chosen with OCR_RUNTIME=runtime on the CPU."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OCR_RUNTIME", runtime)
        patch.setenv("OCR_DEVICE", "cpu")
        return build({}, variant)


@pytest.fixture(scope="module")
def detectors() -> dict[tuple[str, str], PPOCRDBDetector]:
    return {
        (variant, runtime): _built(runtime, PPOCRDBDetector.from_params, variant)
        for variant in VARIANTS
        for runtime in ("onnxruntime", "torch")
    }


@pytest.fixture(scope="module")
def recognizers() -> dict[tuple[str, str], PPOCRCTCRecognizer]:
    return {
        (variant, runtime): _built(runtime, PPOCRCTCRecognizer.from_params, variant)
        for variant in VARIANTS
        for runtime in ("onnxruntime", "torch")
    }


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_it_gives_the_detector_map_of_onnxruntime(
    detectors: dict[tuple[str, str], PPOCRDBDetector], variant: str, page: str
) -> None:
    ort_detector, torch_detector = detectors[variant, "onnxruntime"], detectors[variant, "torch"]
    assert isinstance(ort_detector.network, OrtNetwork)
    assert isinstance(torch_detector.network, TorchNetwork)
    pixels = load_image(PAGES[page]).pixels
    expected = ort_detector.probability_map(pixels)
    got = torch_detector.probability_map(pixels)
    assert got.shape == expected.shape
    assert float(np.abs(got - expected).max()) < 1e-3
    assert (expected > 0.3).sum() > 1000  # the page has text, so the comparison means something


@pytest.mark.parametrize("variant", VARIANTS)
def test_it_reads_the_same_text_as_onnxruntime(
    recognizers: dict[tuple[str, str], PPOCRCTCRecognizer],
    page_crops: dict[str, list[Crop]],
    variant: str,
) -> None:
    crops = [crop for name in sorted(page_crops) for crop in page_crops[name]]
    assert len(crops) > 15
    expected = recognizers[variant, "onnxruntime"].recognize(crops)
    got = recognizers[variant, "torch"].recognize(crops)
    assert [r.text for r in got] == [r.text for r in expected]
    assert sum(len(r.text) for r in got) > 300
    scores = np.array([r.score for r in got]) - np.array([r.score for r in expected])
    assert float(np.abs(scores).max()) < 1e-3


def test_it_reads_the_charset_from_the_onnx_metadata(
    recognizers: dict[tuple[str, str], PPOCRCTCRecognizer],
) -> None:
    for variant in VARIANTS:
        assert recognizers[variant, "torch"].charset == recognizers[variant, "onnxruntime"].charset
    model, dictionary = ppocr_ctc.MODEL_FILES["small"]()
    assert len(ppocr_ctc.model_charset(model, dictionary)) == 18710  # from metadata_props
    # Both runtimes cut the output layer to the Latin alphabet alike.
    assert 500 < len(recognizers["small", "torch"].charset) < 1500


def test_it_batches_crops_like_one_at_a_time(
    recognizers: dict[tuple[str, str], PPOCRCTCRecognizer],
    page_crops: dict[str, list[Crop]],
) -> None:
    network = recognizers["small", "torch"].network
    # Word-sized pieces of three lines, of different widths, so the batch holds padding.
    pieces = [
        c.pixels[:, : c.pixels.shape[1] // (3 + i)]
        for i, c in enumerate(page_crops["eurotext"][:3])
    ]
    blob = ppocr_ctc._batch_blob(pieces)
    assert len({p.shape[1] for p in pieces}) == 3
    together = network(blob)
    alone = np.concatenate([network(blob[i : i + 1]) for i in range(3)])
    assert together.shape[0] == 3
    assert float(np.abs(together - alone).max()) < 1e-3


def test_it_trains(page_crops: dict[str, list[Crop]]) -> None:
    module = load_module(ppocr_ctc.MODEL_FILES["tiny"]()[0]).train()
    params = dict(module.named_parameters())
    assert len(params) > 50
    # Scalars of decomposed formulas and BatchNorm's running statistics are not learnt.
    assert all(b.numel() <= 1 or "w_1" in n or "w_2" in n for n, b in module.named_buffers())
    blob = ppocr_ctc._batch_blob([c.pixels[:, :200] for c in page_crops["phototest"][:2]])
    probs = module(torch.from_numpy(blob))
    loss = -torch.log(probs.max(dim=-1).values).mean()
    loss.backward()
    zero = [n for n, p in params.items() if p.grad is None or not p.grad.abs().sum() > 0]
    assert zero == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_it_reads_the_same_in_half_precision(
    page_crops: dict[str, list[Crop]], variant: str
) -> None:
    """The float16 path CUDA takes, run on the CPU so CI checks it without a GPU."""
    model, dictionary = ppocr_ctc.MODEL_FILES[variant]()
    module = load_module(model)
    charset = ppocr_ctc.model_charset(model, dictionary)
    blob = torch.from_numpy(
        ppocr_ctc._batch_blob([c.pixels[:, :320] for c in page_crops["eurotext"][:4]])
    )
    with torch.inference_mode():
        full = module(blob).numpy()
        half = module.half()(blob.half()).float().numpy()
    texts = [ppocr_ctc.ctc_greedy_decode(row, charset).text for row in full]
    assert [ppocr_ctc.ctc_greedy_decode(row, charset).text for row in half] == texts
    assert sum(len(t) for t in texts) > 20


def test_it_fuses_layer_norms_and_folds_batch_norms() -> None:
    graph = load_graph(ppocr_ctc.MODEL_FILES["small"]()[0])
    ops = Counter(node.op_type for node in graph.nodes)
    # Left as exported, x^2 in a LayerNorm overflows float16; fused, torch accumulates in float32.
    assert ops["LayerNormalization"] == 5 and ops["Pow"] == 0
    assert ops["BatchNormalization"] == 0


def _tiny_onnx(path: Path, op: str) -> Path:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    graph = helper.make_graph([helper.make_node(op, ["x"], ["y"])], "g", [x], [y])
    onnx.save(helper.make_model(graph), str(path))
    return path


def test_it_refuses_an_unsupported_op_by_name(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="Tanh"):
        load_module(_tiny_onnx(tmp_path / "tanh.onnx", "Tanh"))
    module = load_module(_tiny_onnx(tmp_path / "relu.onnx", "Relu"))
    assert isinstance(module, OnnxModule)
    assert module(torch.tensor([[-1.0, 2.0]])).tolist() == [[0.0, 2.0]]


def test_it_caches_one_network_per_model_and_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    path = ppocr_ctc.MODEL_FILES["tiny"]()[0]
    monkeypatch.setenv("OCR_DEVICE", "cpu")
    monkeypatch.setenv("OCR_RUNTIME", "torch")
    assert get_network(path) is get_network(path)
    monkeypatch.setenv("OCR_RUNTIME", "onnxruntime")
    assert isinstance(get_network(path), OrtNetwork)


@pytest.mark.parametrize(
    ("env", "cuda", "expected"),
    [
        ({}, False, Placement("onnxruntime", "cpu")),
        ({}, True, Placement("torch", "cuda")),
        ({"OCR_DEVICE": "cpu"}, True, Placement("onnxruntime", "cpu")),
        ({"OCR_RUNTIME": "torch"}, False, Placement("torch", "cpu")),
        ({"OCR_RUNTIME": "onnxruntime"}, True, Placement("onnxruntime", "cpu")),
    ],
)
def test_it_chooses_the_runtime_and_device(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], cuda: bool, expected: Placement
) -> None:
    monkeypatch.delenv("OCR_DEVICE", raising=False)
    monkeypatch.delenv("OCR_RUNTIME", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(device, "cuda_available", lambda: cuda)
    assert choose_placement() == expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OCR_DEVICE": "cuda"}, "OCR_DEVICE=cuda but torch sees no CUDA device"),
        ({"OCR_DEVICE": "tpu"}, "OCR_DEVICE='tpu' is not one of: auto, cpu, cuda"),
        ({"OCR_RUNTIME": "tensorrt"}, "OCR_RUNTIME='tensorrt' is not one of: auto, onnxruntime"),
        ({"OCR_RUNTIME": "onnxruntime", "OCR_DEVICE": "cuda"}, "onnxruntime runs on the CPU"),
    ],
)
def test_it_refuses_a_device_or_runtime_it_cannot_use(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    monkeypatch.delenv("OCR_DEVICE", raising=False)
    monkeypatch.delenv("OCR_RUNTIME", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(device, "cuda_available", lambda: False)
    with pytest.raises(EngineError, match=message):
        choose_placement()


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_it_runs_half_precision_on_cuda(
    detectors: dict[tuple[str, str], PPOCRDBDetector],
    recognizers: dict[tuple[str, str], PPOCRCTCRecognizer],
    page_crops: dict[str, list[Crop]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OCR_DEVICE", "cuda")
    monkeypatch.delenv("OCR_RUNTIME", raising=False)
    assert choose_placement() == Placement("torch", "cuda")
    for variant in VARIANTS:
        detector = PPOCRDBDetector.from_params({}, variant)
        assert isinstance(detector.network, TorchNetwork)
        assert next(detector.network.module.parameters()).dtype == torch.float16
        pixels = load_image(PHOTOTEST).pixels
        got = detector.probability_map(pixels)
        expected = detectors[variant, "onnxruntime"].probability_map(pixels)
        assert got.dtype == np.float32
        assert float(np.abs(got - expected).max()) < 0.05  # float16 keeps ~3 digits
        crops = page_crops["phototest"]
        texts = [r.text for r in PPOCRCTCRecognizer.from_params({}, variant).recognize(crops)]
        expected_texts = [r.text for r in recognizers[variant, "onnxruntime"].recognize(crops)]
        same = sum(a == b for a, b in zip(texts, expected_texts, strict=True))
        assert same >= len(crops) - 1
