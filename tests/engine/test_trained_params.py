"""What a trained detector's file says about how it reads (ocr.engine.detectors.trained_params)."""

from __future__ import annotations

import json
from pathlib import Path

from ocr.engine.detectors.trained_params import METADATA_KEY, from_file, from_metadata


def test_it_reads_the_known_parameters_of_a_trained_file() -> None:
    params = {"unclip_ratio": 1.2, "upscale": True, "max_side": 2000, "future_knob": 3}
    got = from_metadata({METADATA_KEY: json.dumps(params), "other": "x"})
    assert got == {"unclip_ratio": 1.2, "upscale": True, "max_side": 2000}


def test_it_reads_nothing_from_a_shipped_or_malformed_file(tmp_path: Path) -> None:
    assert from_metadata({}) == {}
    assert from_metadata({METADATA_KEY: "{not json"}) == {}
    assert from_metadata({METADATA_KEY: "[1, 2]"}) == {}
    assert from_file(tmp_path / "missing.onnx") == {}
    damaged = tmp_path / "damaged.onnx"
    damaged.write_bytes(b"\x00\x01 not a model")
    assert from_file(damaged) == {}
