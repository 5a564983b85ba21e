"""Turning uploaded image files into RGB pages."""

from __future__ import annotations

import io
import os
from typing import IO

import numpy as np
from PIL import Image, ImageOps

from .errors import EngineError
from .types import PageImage, RGBImage

Source = str | os.PathLike[str] | bytes | IO[bytes]


def to_rgb(image: Image.Image) -> RGBImage:
    """8-bit RGB pixels from any Pillow mode; transparency becomes white paper."""
    mode = image.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        values = np.asarray(image, dtype=np.float64)
        peak = float(values.max()) if values.size else 0.0
        # 16-bit scans use the full 0..65535 range; an 8-bit range stored wide is left alone.
        if mode.startswith("I;16") or 255 < peak <= 65535:
            values = values / 257.0
        elif peak > 65535:
            values = values * (255.0 / peak)
        elif mode == "F" and peak <= 1.0:
            values = values * 255.0
        grey = np.clip(np.rint(values), 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, np.newaxis], 3, axis=2)
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa")
    if has_alpha or (mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
    if image.mode == "RGBA":
        paper = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, image)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def load_image(source: Source, index: int = 0) -> PageImage:
    """Open an image file (path, bytes or file object) upright and in RGB."""
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    try:
        # Pillow's own decompression-bomb limit applies: beyond it Image.open raises.
        with Image.open(source) as image:
            upright = ImageOps.exif_transpose(image)
            pixels = to_rgb(upright)
    except FileNotFoundError as exc:
        raise EngineError(f"image file not found: {exc.filename}") from exc
    except Exception as exc:  # Pillow's decoders raise many unrelated types on corrupt data
        raise EngineError(f"cannot read image: {exc}") from exc
    if pixels.ndim != 3 or pixels.shape[0] == 0 or pixels.shape[1] == 0:
        raise EngineError("cannot read image: it has no pixels")
    return PageImage(pixels=np.ascontiguousarray(pixels), index=index)
