"""Cutting a classifier's output layer down to some of its classes.

A CTC recognizer ends in MatMul(features, W[D, C]) + b[C] -> Softmax. Keeping only columns
`keep` of W and b gives the network that can only say those characters; its softmax is the
full one's renormalised over them, which is what masking the logits before the softmax gives,
at a fraction of the cost (the small PP-OCR model's last layer is 120 x 18,710).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import EngineError

if TYPE_CHECKING:
    import onnx

    from .torchnet.graph import Graph

Step = tuple[str, Sequence[str], Sequence[str]]  # op type, inputs, outputs


def classifier_weights(
    steps: Sequence[Step], initializers: Mapping[str, Any], output: str
) -> tuple[str, str]:
    """Names of the weight (D x C) and bias (C) initializers of the linear layer whose softmax
    produces `output`."""
    producer = {out: (op, inputs) for op, inputs, outputs in steps for out in outputs}
    op, inputs = producer.get(output, ("", ()))
    if op != "Softmax":
        raise EngineError(f"the model's output {output!r} is not a softmax")
    value = inputs[0]
    op, inputs = producer.get(value, ("", ()))
    while op == "Identity":
        value = inputs[0]
        op, inputs = producer.get(value, ("", ()))
    bias = next((name for name in inputs if name in initializers), None)
    features = next((name for name in inputs if name not in initializers), None)
    if op != "Add" or bias is None or features is None:
        raise EngineError("the model's softmax does not read a linear layer with a bias")
    op, inputs = producer.get(features, ("", ()))
    if op != "MatMul" or len(inputs) != 2 or inputs[1] not in initializers:
        raise EngineError("the model's softmax does not read a linear layer (MatMul)")
    return inputs[1], bias


def _checked(keep: Sequence[int], classes: int) -> np.ndarray:
    index = np.asarray(keep, dtype=np.int64)
    if index.size == 0 or index.min() < 0 or index.max() >= classes:
        raise EngineError(f"classes to keep must lie in 0..{classes - 1}")
    return index


def restrict_onnx(model: onnx.ModelProto, keep: Sequence[int]) -> onnx.ModelProto:
    """A copy of `model` whose first output only has the classes `keep`, in that order."""
    import onnx
    from onnx import numpy_helper

    restricted = onnx.ModelProto()
    restricted.CopyFrom(model)
    graph = restricted.graph
    tensors = {t.name: t for t in graph.initializer}
    steps = [(n.op_type, list(n.input), list(n.output)) for n in graph.node]
    weight_name, bias_name = classifier_weights(steps, tensors, graph.output[0].name)
    weight = numpy_helper.to_array(tensors[weight_name])
    index = _checked(keep, weight.shape[-1])
    bias = numpy_helper.to_array(tensors[bias_name])
    tensors[weight_name].CopyFrom(numpy_helper.from_array(weight[:, index], weight_name))
    tensors[bias_name].CopyFrom(numpy_helper.from_array(bias[index], bias_name))
    dims = graph.output[0].type.tensor_type.shape.dim
    if dims:
        dims[-1].ClearField("dim_param")
        dims[-1].dim_value = len(index)
    # Shapes inferred for the old width would contradict the new one.
    del graph.value_info[:]
    return restricted


def restrict_graph(graph: Graph, keep: Sequence[int]) -> Graph:
    """The torch runtime's graph with its first output cut down to the classes `keep`."""
    steps = [(n.op_type, n.inputs, n.outputs) for n in graph.nodes]
    weight_name, bias_name = classifier_weights(steps, graph.initializers, graph.outputs[0])
    weight = graph.initializers[weight_name]
    index = _checked(keep, weight.shape[-1])
    initializers = dict(graph.initializers)
    initializers[weight_name] = np.ascontiguousarray(weight[:, index])
    initializers[bias_name] = np.ascontiguousarray(graph.initializers[bias_name][index])
    shapes = list(graph.output_shapes)
    if shapes and shapes[0]:
        shapes[0] = (*shapes[0][:-1], len(index))
    return replace(graph, initializers=initializers, output_shapes=tuple(shapes))
