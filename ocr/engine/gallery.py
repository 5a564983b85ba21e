"""The model gallery: every model a workflow node can name, with its tunable parameters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .errors import UnknownModelError

ParamType = Literal["int", "float", "bool"]
ModelKind = Literal["detector", "cropper", "recognizer"]
ParamValue = int | float | bool
Loader = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Param:
    """One tunable parameter; min/max are None for bools."""

    name: str
    type: ParamType
    default: ParamValue
    min: int | float | None = None
    max: int | float | None = None
    description: str = ""


@dataclass(frozen=True)
class ModelSpec:
    """A gallery entry; `loader(params)` builds the adapter (imports stay lazy inside it)."""

    id: str
    kind: ModelKind
    description: str
    params: tuple[Param, ...]
    loader: Loader

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def defaults(self) -> dict[str, ParamValue]:
        return {p.name: p.default for p in self.params}


GALLERY: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    """Add a model to the gallery; ids are unique."""
    if spec.id in GALLERY:
        raise ValueError(f"model id {spec.id!r} is already registered")
    GALLERY[spec.id] = spec
    return spec


def get_model(model_id: str) -> ModelSpec:
    """The gallery entry for `model_id`, or UnknownModelError naming the known ids."""
    try:
        return GALLERY[model_id]
    except (KeyError, TypeError):
        known = ", ".join(sorted(GALLERY))
        raise UnknownModelError(f"unknown model {model_id!r}; known models: {known}") from None


def describe_gallery() -> list[dict[str, Any]]:
    """The gallery as plain data for the API and the workflow editor."""
    return [
        {
            "id": spec.id,
            "kind": spec.kind,
            "description": spec.description,
            "params": {
                p.name: {
                    "type": p.type,
                    "default": p.default,
                    "min": p.min,
                    "max": p.max,
                    "description": p.description,
                }
                for p in spec.params
            },
        }
        for spec in GALLERY.values()
    ]


# Loaders import their adapter on first use so that validating a workflow (in a web request)
# never pays for onnxruntime, OpenCV or, later, torch.
def _load_ppocr_det(params: Mapping[str, Any]) -> Any:
    from .detectors.ppocr_db import PPOCRDBDetector

    return PPOCRDBDetector.from_params(params)


def _load_cropper(params: Mapping[str, Any]) -> Any:
    from .cropper import PerspectiveCropper

    return PerspectiveCropper(padding=int(params["padding"]))


def _load_ppocr_rec(params: Mapping[str, Any]) -> Any:
    from .recognizers.ppocr_ctc import PPOCRCTCRecognizer

    return PPOCRCTCRecognizer.from_params(params)


register(
    ModelSpec(
        id="ppocrv6-small-det",
        kind="detector",
        description="PP-OCRv6 small DB text detector (ONNX, CPU): finds text lines.",
        params=(
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
                "dilate",
                "bool",
                default=True,
                description="Grow the text mask by a pixel so thin strokes join up.",
            ),
        ),
        loader=_load_ppocr_det,
    )
)

register(
    ModelSpec(
        id="crop-1.0",
        kind="cropper",
        description="Cuts each region out and straightens it with a perspective warp.",
        params=(
            Param(
                "padding",
                "int",
                default=0,
                min=0,
                max=64,
                description="Extra page pixels kept around each region.",
            ),
        ),
        loader=_load_cropper,
    )
)

register(
    ModelSpec(
        id="ppocrv6-small-rec",
        kind="recognizer",
        description="PP-OCRv6 small CTC text recognizer (ONNX, CPU): Latin, CJK and more.",
        params=(
            Param(
                "batch_size",
                "int",
                default=16,
                min=1,
                max=128,
                description="Crops recognised together; larger is faster up to a point and "
                "uses more memory.",
            ),
        ),
        loader=_load_ppocr_rec,
    )
)
