"""ONNX graphs as trainable torch modules, for the networks the engine ships (no torchvision).

`load_module(path)` reads an ONNX file and returns a `torch.nn.Module` whose float weights are
parameters, so the same network runs batched on CUDA, in half precision, and can be fine-tuned.
Only the ops the PP-OCR graphs use are implemented (see `ops.OPS`); others are refused.
"""

from __future__ import annotations

from .graph import Graph, load_graph
from .module import OnnxModule, load_module

__all__ = ["Graph", "OnnxModule", "load_graph", "load_module"]
