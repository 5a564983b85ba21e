"""Reading an ONNX file into plain data: nodes in execution order, initializers as arrays."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
from onnx import helper, numpy_helper

from ..errors import EngineError


@dataclass(frozen=True)
class Node:
    """One ONNX node; an empty input name is an omitted optional input."""

    op_type: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Graph:
    """An ONNX graph as data: what `OnnxModule` executes."""

    nodes: tuple[Node, ...]
    initializers: dict[str, npt.NDArray[Any]]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    opset: int
    metadata: dict[str, str]
    # Static size of each output axis, or its symbolic name / None where it is dynamic.
    output_shapes: tuple[tuple[int | str | None, ...], ...] = ()


def _attr_value(attribute: onnx.AttributeProto) -> Any:
    value = helper.get_attribute_value(attribute)
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, onnx.TensorProto):
        return numpy_helper.to_array(value)
    return value


def _dims(value: onnx.ValueInfoProto) -> tuple[int | str | None, ...]:
    dims = value.type.tensor_type.shape.dim
    return tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in dims)


def _sorted(nodes: list[Node], available: set[str]) -> list[Node]:
    """Nodes in an order where every input exists before it is read; exporters write them so
    (one pass here), but the ONNX format does not promise it."""
    done = set(available)
    pending = list(nodes)
    ordered: list[Node] = []
    while pending:
        waiting: list[Node] = []
        for node in pending:
            if all(not i or i in done for i in node.inputs):
                ordered.append(node)
                done.update(node.outputs)
            else:
                waiting.append(node)
        if len(waiting) == len(pending):
            missing = sorted({i for n in waiting for i in n.inputs if i and i not in done})
            raise EngineError(f"ONNX graph has a cycle or reads undefined values: {missing[:5]}")
        pending = waiting
    return ordered


def fold_batch_norms(graph: Graph) -> Graph:
    """Fold each BatchNormalization that alone reads a Conv's output into that Conv's weights.

    Exporters fold most already; PP-OCR's recognizers keep a few, and a fused conv is one op
    less per call. The result computes the same function (BN at inference uses running stats).
    """
    readers = Counter(i for n in graph.nodes for i in n.inputs if i)
    readers.update(graph.outputs)
    producer = {o: n for n in graph.nodes for o in n.outputs}
    inits = dict(graph.initializers)
    replaced: dict[int, Node] = {}
    dropped: set[int] = set()
    for bn in graph.nodes:
        if bn.op_type != "BatchNormalization" or len(bn.outputs) != 1:
            continue
        conv = producer.get(bn.inputs[0])
        if conv is None or conv.op_type != "Conv" or readers[bn.inputs[0]] != 1:
            continue
        names = [*conv.inputs[1:], *bn.inputs[1:]]
        if any(not name or name not in inits or readers[name] != 1 for name in names):
            continue
        weight = inits[conv.inputs[1]]
        bias = inits[conv.inputs[2]] if len(conv.inputs) > 2 else np.zeros(weight.shape[0])
        scale, shift, mean, var = (inits[name] for name in bn.inputs[1:5])
        factor = scale / np.sqrt(var + bn.attrs.get("epsilon", 1e-5))
        for name in names:
            del inits[name]
        w_name, b_name = f"{conv.inputs[1]}_bn", f"{conv.inputs[1]}_bn_bias"
        inits[w_name] = (weight * factor.reshape(-1, 1, 1, 1)).astype(weight.dtype)
        inits[b_name] = ((bias - mean) * factor + shift).astype(weight.dtype)
        replaced[id(conv)] = replace(
            conv, inputs=(conv.inputs[0], w_name, b_name), outputs=bn.outputs
        )
        dropped.add(id(bn))
    nodes = tuple(replaced.get(id(n), n) for n in graph.nodes if id(n) not in dropped)
    return replace(graph, nodes=nodes, initializers=inits)


def _scalar(graph: Graph, name: str) -> float | None:
    array = graph.initializers.get(name)
    return float(array.reshape(-1)[0]) if array is not None and array.size == 1 else None


def fuse_layer_norms(graph: Graph) -> Graph:
    """Replace each exported LayerNorm, (a - mean(a)) / sqrt(mean((a - mean(a))^2) + eps) over
    the last axis, by one LayerNormalization node.

    Done for half precision: x^2 and its mean overflow float16 once |x| passes 256, while
    F.layer_norm accumulates in float32. Seven ops become one, which is faster too.
    """
    readers = Counter(i for n in graph.nodes for i in n.inputs if i)
    readers.update(graph.outputs)
    producer = {o: n for n in graph.nodes for o in n.outputs}

    def made_by(name: str, op_type: str, uses: int = 1) -> Node | None:
        node = producer.get(name)
        ok = node is not None and node.op_type == op_type and readers[name] == uses
        return node if ok else None

    def last_axis_mean(node: Node | None) -> bool:
        return (
            node is not None
            and list(node.attrs.get("axes", [])) == [-1]
            and node.attrs.get("keepdims", 1) == 1
        )

    fused: dict[int, Node] = {}
    dropped: set[int] = set()
    for div in graph.nodes:
        if div.op_type != "Div":
            continue
        centred, root = div.inputs
        sqrt = made_by(root, "Sqrt")
        add = made_by(sqrt.inputs[0], "Add") if sqrt else None
        if add is None:
            continue
        variance_name, eps_name = add.inputs
        if _scalar(graph, variance_name) is not None:
            variance_name, eps_name = eps_name, variance_name
        eps = _scalar(graph, eps_name)
        variance = made_by(variance_name, "ReduceMean")
        power = made_by(variance.inputs[0], "Pow") if variance else None
        sub = made_by(centred, "Sub", uses=2)
        mean = made_by(sub.inputs[1], "ReduceMean") if sub else None
        if (
            eps is None
            or power is None
            or sub is None
            or mean is None
            or power.inputs[0] != centred
            or _scalar(graph, power.inputs[1]) != 2.0
            or mean.inputs[0] != sub.inputs[0]
            or not (last_axis_mean(variance) and last_axis_mean(mean))
        ):
            continue
        fused[id(div)] = Node(
            "LayerNormalization", (sub.inputs[0],), div.outputs, {"axis": -1, "epsilon": eps}
        )
        dropped.update(id(n) for n in (sqrt, add, variance, power, sub, mean))
    nodes = tuple(fused.get(id(n), n) for n in graph.nodes if id(n) not in dropped)
    return replace(graph, nodes=nodes)


def load_graph(path: Path) -> Graph:
    """The graph of the ONNX file at `path`: nodes sorted, Conv+BN folded, LayerNorms fused."""
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # onnx raises protobuf's own errors for bad files
        raise EngineError(f"cannot read ONNX model {path}: {exc}") from exc
    onnx_graph = model.graph
    initializers = {t.name: numpy_helper.to_array(t) for t in onnx_graph.initializer}
    inputs = tuple(i.name for i in onnx_graph.input if i.name not in initializers)
    nodes = [
        Node(
            op_type=n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}.{n.op_type}",
            inputs=tuple(n.input),
            outputs=tuple(n.output),
            attrs={a.name: _attr_value(a) for a in n.attribute},
        )
        for n in onnx_graph.node
    ]
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=1)
    graph = Graph(
        nodes=tuple(_sorted(nodes, set(inputs) | set(initializers))),
        initializers=initializers,
        inputs=inputs,
        outputs=tuple(o.name for o in onnx_graph.output),
        opset=opset,
        metadata={p.key: p.value for p in model.metadata_props},
        output_shapes=tuple(_dims(o) for o in onnx_graph.output),
    )
    return fuse_layer_norms(fold_batch_norms(graph))
