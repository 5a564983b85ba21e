"""A trained network back to an ONNX file that CPU workers run with onnxruntime.

The engine's graph (torchnet.load_graph: batch norms folded into convolutions, layer norms
fused) is written node for node with the trained weights, in the base file's opset, with its
inputs, outputs and metadata (the recognizer's dictionary included). Fused layer norms are
written back as the seven ops they were, as the base opset may predate LayerNormalization.
The file appears whole or not at all (written beside, then renamed).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper
from torch import Tensor

from ocr.engine.torchnet import Graph
from ocr.engine.torchnet.graph import Node

from .errors import TrainingError


def _attribute(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return numpy_helper.from_array(value)
    return value


def _layer_norm_nodes(node: Node, opset: int, constants: dict[str, np.ndarray]) -> list[Any]:
    """LayerNormalization(axis=-1) as (x - mean) / sqrt(mean((x - mean)^2) + eps)."""
    if node.attrs.get("axis", -1) != -1 or len(node.inputs) != 1:
        raise TrainingError("only last-axis LayerNormalization without scale can be exported")
    (x,), (y,) = node.inputs, node.outputs
    stem = f"{y}__ln"
    two, eps = f"{stem}_two", f"{stem}_eps"
    constants[two] = np.array(2.0, dtype=np.float32)
    constants[eps] = np.array(node.attrs.get("epsilon", 1e-5), dtype=np.float32)

    def mean(source: str, target: str) -> Any:
        if opset >= 18:  # axes moved from an attribute to an input
            axes = f"{stem}_axes"
            constants[axes] = np.array([-1], dtype=np.int64)
            return helper.make_node("ReduceMean", [source, axes], [target], keepdims=1)
        return helper.make_node("ReduceMean", [source], [target], axes=[-1], keepdims=1)

    return [
        mean(x, f"{stem}_mean"),
        helper.make_node("Sub", [x, f"{stem}_mean"], [f"{stem}_centred"]),
        helper.make_node("Pow", [f"{stem}_centred", two], [f"{stem}_square"]),
        mean(f"{stem}_square", f"{stem}_variance"),
        helper.make_node("Add", [f"{stem}_variance", eps], [f"{stem}_shifted"]),
        helper.make_node("Sqrt", [f"{stem}_shifted"], [f"{stem}_root"]),
        helper.make_node("Div", [f"{stem}_centred", f"{stem}_root"], [y]),
    ]


def to_onnx(
    graph: Graph,
    weights: Mapping[str, Tensor | np.ndarray],
    base: Path,
    metadata: Mapping[str, str] | None = None,
) -> onnx.ModelProto:
    """The graph as an ONNX model, each initializer taken from `weights` where it is there
    (else the graph's own), inputs, outputs, opset and metadata from the `base` file."""
    source = onnx.load(str(base), load_external_data=False)
    constants: dict[str, np.ndarray] = {}
    nodes = []
    for node in graph.nodes:
        if node.op_type == "LayerNormalization":
            nodes.extend(_layer_norm_nodes(node, graph.opset, constants))
            continue
        attrs = {key: _attribute(value) for key, value in node.attrs.items()}
        nodes.append(helper.make_node(node.op_type, list(node.inputs), list(node.outputs), **attrs))
    initializers = []
    for name, original in graph.initializers.items():
        value = weights.get(name)
        if value is None:
            array = original
        elif isinstance(value, np.ndarray):
            array = value
        else:
            array = value.detach().to("cpu").numpy()
        initializers.append(numpy_helper.from_array(np.asarray(array, dtype=original.dtype), name))
    initializers.extend(numpy_helper.from_array(v, k) for k, v in constants.items())
    onnx_graph = helper.make_graph(
        nodes,
        source.graph.name or "trained",
        list(source.graph.input),
        list(source.graph.output),
        initializer=initializers,
    )
    model = helper.make_model(
        onnx_graph,
        opset_imports=list(source.opset_import),
        producer_name="legible-training",
        ir_version=source.ir_version,
    )
    props = {p.key: p.value for p in source.metadata_props}
    props.update(metadata or {})
    helper.set_model_props(model, props)
    onnx.checker.check_model(model)
    return model


def export_onnx(
    graph: Graph,
    weights: Mapping[str, Tensor | np.ndarray],
    base: Path,
    path: Path,
    metadata: Mapping[str, str] | None = None,
) -> Path:
    """Write the trained network to `path` (see to_onnx); a reader never sees half a file."""
    model = to_onnx(graph, weights, base, metadata)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        onnx.save(model, temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path
