"""The cropper: cuts regions out of the page and straightens them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import ModelSpec, Param, register


def _load_cropper(params: Mapping[str, Any]) -> Any:
    from ..cropper import PerspectiveCropper

    return PerspectiveCropper(padding=int(params["padding"]))


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
