"""An ONNX graph as a torch.nn.Module: weights as parameters, nodes run in order."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import Tensor, nn

from ..errors import EngineError
from .graph import Graph, load_graph
from .ops import OPS

# Inputs whose float initializers are fixed by the op, not learnt: Resize's roi and scales,
# BatchNormalization's running mean and variance.
_CONSTANT_INPUTS = {"Resize": {1, 2, 3}, "BatchNormalization": {3, 4}}


def _constant_names(graph: Graph) -> set[str]:
    names = {
        name
        for node in graph.nodes
        for index, name in enumerate(node.inputs)
        if index in _CONSTANT_INPUTS.get(node.op_type, ())
    }
    # Scalars are the numbers of decomposed formulas (GELU's sqrt(2), LayerNorm's epsilon,
    # Pow's 2): training them would only change which formula the graph computes.
    names.update(n for n, a in graph.initializers.items() if a.size <= 1)
    return names


def _attribute_names(names: list[str]) -> dict[str, str]:
    """A valid, unique torch attribute name for each ONNX name (state_dict keys stay legible)."""
    taken: set[str] = set()
    result: dict[str, str] = {}
    for name in names:
        base = re.sub(r"\W", "_", name).strip("_") or "tensor"
        if base[0].isdigit():
            base = f"t_{base}"
        candidate, suffix = base, 1
        while candidate in taken:
            suffix += 1
            candidate = f"{base}_{suffix}"
        taken.add(candidate)
        result[name] = candidate
    return result


class OnnxModule(nn.Module):
    """Runs an ONNX graph with torch ops; float weights are parameters, so it trains."""

    def __init__(self, graph: Graph, name: str = "model") -> None:
        super().__init__()
        unsupported = sorted({n.op_type for n in graph.nodes} - OPS.keys())
        if unsupported:
            raise EngineError(
                f"{name} uses ONNX ops the torch runtime does not implement: "
                f"{', '.join(unsupported)} (use OCR_RUNTIME=onnxruntime for this model)"
            )
        read = {name for node in graph.nodes for name in node.inputs} | set(graph.outputs)
        extra = sorted({n.op_type for n in graph.nodes if read.intersection(n.outputs[1:])})
        if extra:
            raise EngineError(f"{name} reads second outputs of {', '.join(extra)}, unsupported")
        self.graph = graph
        self._attrs = _attribute_names(list(graph.initializers))
        constants = _constant_names(graph)
        for onnx_name, array in graph.initializers.items():
            tensor = torch.from_numpy(np.ascontiguousarray(array).copy())
            if tensor.is_floating_point() and onnx_name not in constants:
                self.register_parameter(self._attrs[onnx_name], nn.Parameter(tensor))
            else:
                self.register_buffer(self._attrs[onnx_name], tensor)
        # After its last reader runs, an activation is dropped, so inference holds only the
        # live tensors rather than every one the graph ever made (a large page's detector
        # would otherwise keep gigabytes).
        last_use: dict[str, int] = {}
        for index, node in enumerate(graph.nodes):
            for value in node.inputs:
                last_use[value] = index
        keep = set(graph.outputs)
        self._release: list[list[str]] = [[] for _ in graph.nodes]
        for value, index in last_use.items():
            if value not in keep and value not in graph.initializers:
                self._release[index].append(value)

    def initializers(self) -> dict[str, Tensor]:
        """The graph's initializers by their ONNX names, as this module holds them now (what
        a training changed included): what an export writes back."""
        return {onnx_name: getattr(self, attr) for onnx_name, attr in self._attrs.items()}

    def forward(self, *inputs: Tensor) -> Any:
        graph = self.graph
        if len(inputs) != len(graph.inputs):
            raise EngineError(f"the model takes {len(graph.inputs)} inputs, got {len(inputs)}")
        values: dict[str, Tensor] = dict(zip(graph.inputs, inputs, strict=True))
        for onnx_name, attr in self._attrs.items():
            values[onnx_name] = getattr(self, attr)
        for node, release in zip(graph.nodes, self._release, strict=True):
            args = [values[name] if name else None for name in node.inputs]
            values[node.outputs[0]] = OPS[node.op_type](args, node.attrs, graph.opset)
            for name in release:
                values.pop(name, None)
        outputs = tuple(values[name] for name in graph.outputs)
        return outputs[0] if len(outputs) == 1 else outputs


def load_module(path: Path) -> OnnxModule:
    """The ONNX file at `path` as an OnnxModule in eval mode, on the CPU, in float32."""
    return OnnxModule(load_graph(path), name=path.name).eval()


def as_numpy(tensor: Tensor) -> npt.NDArray[np.float32]:
    """A network output as a float32 array, whatever device and precision produced it."""
    return np.asarray(tensor.detach().to("cpu", torch.float32).numpy())
