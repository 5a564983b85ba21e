"""The model gallery: every model a workflow node can name, with its tunable parameters.

Each module of this package registers one family of models (`ppocr.py`, `tesseract.py`, ...);
they are imported at the end of this file, so adding a family means adding a module.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from ..errors import UnknownModelError

ParamType = Literal["int", "float", "bool", "choice"]
ModelKind = Literal["detector", "cropper", "recognizer"]
KIND_ORDER: tuple[ModelKind, ...] = ("detector", "cropper", "recognizer")
ParamValue = int | float | bool | str
Loader = Callable[[Mapping[str, Any]], Any]
# Builds the adapter on weights from a file of the same architecture (a trained model).
FileLoader = Callable[[Path, Mapping[str, Any]], Any]
# The parameters a trained file carries as its own defaults (read without loading it).
FileDefaults = Callable[[Path], Mapping[str, Any]]
# Why a model cannot load on this machine (weights or library not installed), or None when it
# can. Looks for files only, never loads the model: pages and validation call it freely.
Availability = Callable[[], str | None]


@dataclass(frozen=True)
class Param:
    """One tunable parameter; min/max are None for bools and choices, `choices` lists the
    allowed strings of a choice."""

    name: str
    type: ParamType
    default: ParamValue
    min: int | float | None = None
    max: int | float | None = None
    description: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelSpec:
    """A gallery entry; `loader(params)` builds the adapter (imports stay lazy inside it)."""

    id: str
    kind: ModelKind
    description: str
    params: tuple[Param, ...]
    loader: Loader
    # Parameters the model once had: workflows saved with them still validate, and they are
    # dropped (never passed to the loader).
    retired: tuple[str, ...] = ()
    # Set on families that can run weights an app trained (see file_model).
    file_loader: FileLoader | None = None
    file_defaults: FileDefaults | None = None
    # For a file model: the weights it runs (part of a cached pipeline's identity).
    weights: str = ""
    # What it needs installed; None: nothing beyond Legible's own dependencies.
    missing: Availability | None = None

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def defaults(self) -> dict[str, ParamValue]:
        return {p.name: p.default for p in self.params}


GALLERY: dict[str, ModelSpec] = {}

# What the benchmark measured per model (written by `python -m ocr.bench.figures`, shown on the
# model gallery page): model id -> {data set: {"cer", "pages_per_s", "machine", "workflow"}}.
FIGURES_FILE = Path(__file__).resolve().parent / "figures.json"


def register(spec: ModelSpec) -> ModelSpec:
    """Add a model to the gallery; ids are unique."""
    if spec.id in GALLERY:
        raise ValueError(f"model id {spec.id!r} is already registered")
    GALLERY[spec.id] = spec
    return spec


def get_model(model_id: str, extra: Mapping[str, ModelSpec] | None = None) -> ModelSpec:
    """The gallery entry for `model_id` (or the `extra` model of that id: an app's trained
    models), or UnknownModelError naming the known ids."""
    if extra and isinstance(model_id, str) and model_id in extra:
        return extra[model_id]
    try:
        return GALLERY[model_id]
    except (KeyError, TypeError):
        known = ", ".join(sorted(GALLERY))
        raise UnknownModelError(f"unknown model {model_id!r}; known models: {known}") from None


def file_model(base_id: str, model_id: str, path: Path, description: str) -> ModelSpec:
    """A model that runs the weights in `path` (trained from gallery model `base_id`) with
    the base's adapter, kind and parameters, under its own id. Parameters the file carries
    (a word detector's thresholds and scale) are its defaults: a workflow that names it
    without setting them reads as it was trained to, not as the base does."""
    base = get_model(base_id)
    load_file = base.file_loader
    if load_file is None:
        raise UnknownModelError(f"model {base_id!r} cannot run trained weights")

    def load(params: Mapping[str, Any]) -> Any:
        return load_file(path, params)

    own = base.file_defaults(path) if base.file_defaults is not None else {}
    params = tuple(replace(p, default=own[p.name]) if p.name in own else p for p in base.params)
    return replace(
        base,
        id=model_id,
        description=description,
        params=params,
        loader=load,
        file_loader=None,
        file_defaults=None,
        weights=str(path),
        missing=None,  # the base's weights are not needed: unavailable() checks `path`
    )


def unavailable(spec: ModelSpec) -> str | None:
    """Why `spec` cannot load here (its weights are not installed), or None when it can."""
    if spec.weights:
        return None if Path(spec.weights).is_file() else f"its weights {spec.weights} are missing"
    return spec.missing() if spec.missing is not None else None


def describe_gallery() -> list[dict[str, Any]]:
    """The gallery as plain data for the API and the workflow editor; `ready` says whether the
    model's weights are installed here, `unavailable` why not."""
    return [
        {
            "id": spec.id,
            "kind": spec.kind,
            "description": spec.description,
            "ready": (reason := unavailable(spec)) is None,
            "unavailable": reason or "",
            "params": {
                p.name: {
                    "type": p.type,
                    "default": p.default,
                    "min": p.min,
                    "max": p.max,
                    "description": p.description,
                    **({"choices": list(p.choices)} if p.type == "choice" else {}),
                }
                for p in spec.params
            },
        }
        for spec in sorted(GALLERY.values(), key=lambda s: (KIND_ORDER.index(s.kind), s.id))
    ]


def _register_families() -> None:
    """Import every module of this package; each registers its models on import."""
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{module.name}")


_register_families()
