"""Where model weights live: only files already on disk, never downloads."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .errors import EngineError


def rapidocr_models_dir() -> Path:
    """The `models` folder of the installed rapidocr wheel (found without importing it)."""
    # find_spec locates the package without running its __init__, which pulls in its whole
    # pipeline; we only want the weight files it ships.
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        raise EngineError(
            "the rapidocr package is not installed; it ships the PP-OCR weights the engine needs"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def rapidocr_model(filename: str) -> Path:
    """Path of one weight file from the rapidocr wheel, or EngineError if it is missing."""
    path = rapidocr_models_dir() / filename
    if not path.is_file():
        raise EngineError(
            f"model file {filename!r} is missing from {path.parent}; reinstall the rapidocr "
            "wheel (the engine never downloads weights)"
        )
    return path
