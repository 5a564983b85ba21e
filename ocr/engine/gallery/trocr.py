"""TrOCR: a transformer line recognizer whose weights the user places in OCR_MODEL_DIR."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..weights import model_dir
from . import ModelSpec, Param, register

PARAMS: tuple[Param, ...] = (
    Param(
        "batch_size",
        "int",
        default=8,
        min=1,
        max=64,
        description="Crops read together; larger is faster up to a point and uses more memory.",
    ),
    Param(
        "num_beams",
        "int",
        default=1,
        min=1,
        max=8,
        description="Beam search width; 1 is greedy decoding, larger is a little more "
        "accurate and that many times slower.",
    ),
    Param(
        "max_length",
        "int",
        default=64,
        min=4,
        max=512,
        description="Most tokens (word pieces) read per crop; longer lines are cut off.",
    ),
)


# The loader imports torch and transformers on first use, so validating a workflow never pays
# for them.
def _load(params: Mapping[str, Any]) -> Any:
    from ..recognizers.trocr import TrOCRRecognizer

    return TrOCRRecognizer.from_params(params)


_FOLDER = "trocr-base-printed"  # as ocr/engine/recognizers/trocr.py names it (FOLDER)


def _missing() -> str | None:
    """The folder TrOCRRecognizer reads (config.json marks a copy of the repository), looked
    for without importing it: the recognizer module imports torch."""
    folder = model_dir() / _FOLDER
    if (folder / "config.json").is_file():
        return None
    return (
        f"its weights are not installed: place a copy of the Hugging Face repository "
        f"microsoft/trocr-base-printed at {folder} (see docs/models.md)"
    )


register(
    ModelSpec(
        id="trocr-base-printed",
        kind="recognizer",
        description="TrOCR base (printed English), a transformer recognizer; place "
        "microsoft/trocr-base-printed in OCR_MODEL_DIR. Slow on CPU.",
        params=PARAMS,
        loader=_load,
        missing=_missing,
    )
)
