"""Which gallery models can be trained, and where their weights are."""

from __future__ import annotations

from pathlib import Path

from ocr.engine.detectors import ppocr_db
from ocr.engine.recognizers import ppocr_ctc

from .errors import TrainingError

# Gallery id -> (kind, variant) of the models whose weights training can start from.
TRAINABLE: dict[str, tuple[str, str]] = {
    "ppocrv6-small-det": ("detector", "small"),
    "ppocrv6-tiny-det": ("detector", "tiny"),
    "ppocrv6-small-rec": ("recognizer", "small"),
    "ppocrv6-tiny-rec": ("recognizer", "tiny"),
}
DEFAULT_BASE = {"detector": "ppocrv6-small-det", "recognizer": "ppocrv6-small-rec"}


def trainable(kind: str) -> list[str]:
    return [model for model, (k, _) in TRAINABLE.items() if k == kind]


def base_files(model_id: str) -> tuple[Path, Path | None]:
    """The ONNX file of a trainable gallery model, and its dictionary file where the model
    does not hold its own (None for detectors)."""
    if model_id not in TRAINABLE:
        known = ", ".join(TRAINABLE)
        raise TrainingError(f"model {model_id!r} cannot be trained; trainable: {known}")
    kind, variant = TRAINABLE[model_id]
    if kind == "detector":
        return ppocr_db.MODEL_FILES[variant](), None
    return ppocr_ctc.MODEL_FILES[variant]()
