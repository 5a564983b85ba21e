from __future__ import annotations

import subprocess
import sys

import pytest

from ocr.engine import EngineError, UnknownModelError, describe_gallery, get_model
from ocr.engine.gallery import GALLERY

from .conftest import ROOT


def test_gallery_has_the_default_models() -> None:
    assert {"ppocrv6-small-det", "crop-1.0", "ppocrv6-small-rec"} <= set(GALLERY)
    assert get_model("crop-1.0").kind == "cropper"


def test_describe_gallery_shape() -> None:
    described = {entry["id"]: entry for entry in describe_gallery()}
    assert set(described) == set(GALLERY)
    for entry in described.values():
        assert entry["kind"] in {"detector", "cropper", "recognizer"}
        assert isinstance(entry["description"], str) and entry["description"]
        for param in entry["params"].values():
            assert {"type", "default", "min", "max"} <= set(param)
            assert param["type"] in {"int", "float", "bool", "choice"}
    det = described["ppocrv6-small-det"]["params"]
    assert det["score_threshold"] == {
        "type": "float",
        "default": 0.5,
        "min": 0.0,
        "max": 1.0,
        "description": det["score_threshold"]["description"],
    }
    assert det["max_side"]["default"] == 1600
    assert described["crop-1.0"]["params"]["padding"]["max"] == 64
    assert described["ppocrv6-small-rec"]["params"]["batch_size"]["default"] == 16


def test_unknown_model_lists_known_ids() -> None:
    with pytest.raises(UnknownModelError) as info:
        get_model("nope")
    assert isinstance(info.value, EngineError)
    assert "nope" in str(info.value) and "ppocrv6-small-det" in str(info.value)


def test_importing_the_engine_stays_light() -> None:
    code = (
        "import sys, ocr.engine, ocr.engine.workflow; "
        "print(sorted(m for m in ('django', 'onnxruntime', 'cv2', 'torch') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_availability_looks_for_files_without_loading_anything(tmp_path, monkeypatch) -> None:
    from ocr.engine.gallery import file_model, get_model, unavailable

    monkeypatch.setenv("OCR_MODEL_DIR", str(tmp_path))
    assert unavailable(get_model("crop-1.0")) is None
    reason = unavailable(get_model("trocr-base-printed"))
    assert reason is not None and str(tmp_path / "trocr-base-printed") in reason
    trained = file_model("ppocrv6-small-rec", "trained-1", tmp_path / "rec.onnx", "trained")
    assert "rec.onnx are missing" in (unavailable(trained) or "")
    (tmp_path / "rec.onnx").write_bytes(b"weights")
    assert unavailable(trained) is None
    # The web process checks every model on each gallery page: no framework is imported.
    probe = (
        "import sys; from ocr.engine.gallery import describe_gallery; describe_gallery(); "
        "print(sorted(m for m in ('torch', 'onnxruntime', 'cv2', 'tesserocr') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
