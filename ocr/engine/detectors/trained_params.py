"""The parameters a trained DB detector carries in its ONNX metadata (written by ocr.training).

A detector trained to find words needs other thresholds than the shipped one, which finds
lines, and it reads pages at the scale it was trained at; so the file says how it reads, and
the engine and the gallery take that as the model's defaults. Light on purpose (no OpenCV,
no onnxruntime): the gallery reads it when a web request validates a workflow.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

METADATA_KEY = "legible_detector_params"
# The shipped detector's parameters: what a file without its own reads with.
DEFAULTS: dict[str, Any] = {
    "score_threshold": 0.5,
    "text_threshold": 0.3,
    "min_size": 3,
    "unclip_ratio": 1.6,
    "max_side": 1600,
    "upscale": False,
    "dilate": True,
    "merge_lines": False,
}


def from_metadata(metadata: Mapping[str, str]) -> dict[str, Any]:
    """The parameters in a network's metadata (none for shipped ones); unknown names and a
    malformed value are left out, so an older engine still reads a newer file."""
    raw = metadata.get(METADATA_KEY)
    if not raw:
        return {}
    try:
        params = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(params, dict):
        return {}
    return {k: v for k, v in params.items() if k in DEFAULTS}


def from_file(path: Path) -> dict[str, Any]:
    """from_metadata of an ONNX file ({} when it cannot be read)."""
    try:
        stat = path.stat()
    except OSError:
        return {}
    return dict(_cached(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=64)
def _cached(path: str, mtime_ns: int, size: int) -> tuple[tuple[str, Any], ...]:
    # Keyed by modification time and size too: a file replaced in place is read again.
    import onnx

    try:
        model = onnx.load(path, load_external_data=False)
    except Exception:  # a damaged file: the loader will say so when it runs
        return ()
    metadata = {p.key: p.value for p in model.metadata_props}
    return tuple(sorted(from_metadata(metadata).items()))
