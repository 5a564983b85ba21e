"""Legible's OCR engine: plain Python, no Django. Models are gallery adapters behind protocols.

Importing this package stays light (no onnxruntime or OpenCV); models load on first use.
"""

from .errors import EngineError, UnknownModelError, WorkflowError
from .gallery import GALLERY, ModelSpec, Param, describe_gallery, get_model
from .types import (
    Block,
    Crop,
    DetectedRegion,
    PageImage,
    PageResult,
    Recognition,
    Region,
    Word,
)
from .workflow import READY_WORKFLOWS, resolve_workflow, validate_workflow

__all__ = [
    "GALLERY",
    "READY_WORKFLOWS",
    "Block",
    "Crop",
    "DetectedRegion",
    "EngineError",
    "ModelSpec",
    "PageImage",
    "PageResult",
    "Param",
    "Recognition",
    "Region",
    "UnknownModelError",
    "Word",
    "WorkflowError",
    "describe_gallery",
    "get_model",
    "resolve_workflow",
    "validate_workflow",
]
