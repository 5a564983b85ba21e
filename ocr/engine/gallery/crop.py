"""The cropper: cuts regions out of the page and straightens them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import ModelSpec, Param, register


def _load_cropper(params: Mapping[str, Any]) -> Any:
    from ..cropper import PerspectiveCropper

    return PerspectiveCropper(
        padding=int(params["padding"]),
        rotate_upside_down=bool(params["rotate_upside_down"]),
        orientation_threshold=float(params["orientation_threshold"]),
    )


register(
    ModelSpec(
        id="crop-1.0",
        kind="cropper",
        description="Cuts each region out and straightens it with a perspective warp; "
        "vertical lines are turned to run left to right and upside-down lines are turned over.",
        params=(
            Param(
                "padding",
                "int",
                default=0,
                min=0,
                max=64,
                description="Extra page pixels kept around each region.",
            ),
            Param(
                "rotate_upside_down",
                "bool",
                # Off by default: on six FUNSD forms it turned a few upright lines over (CER
                # 0.046 -> 0.049) and it costs ~10% of a page's time; scans that may be upside
                # down turn it on.
                default=False,
                description="Turn lines that are upside down (a page scanned the wrong way "
                "up) upright, using PaddleOCR's line orientation classifier.",
            ),
            Param(
                "orientation_threshold",
                "float",
                default=0.95,
                min=0.5,
                max=1.0,
                description="How sure the classifier must be before a line is turned; lower "
                "turns more lines, and risks turning upright ones.",
            ),
        ),
        loader=_load_cropper,
    )
)
