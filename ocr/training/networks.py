"""The shipped ONNX networks as modules to train: the engine's graph, cut where training needs.

Training reads logits, not the probabilities the shipped graphs end with (a softmax or a
sigmoid), so losses are computed stably; the DB detector also gets its threshold branch back,
which PaddleOCR's export drops. The weights keep their ONNX names, so `export` writes them
into the engine's graph as it was.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import torch
from torch import Tensor, nn

from ocr.engine.torchnet import Graph, OnnxModule, load_graph
from ocr.engine.torchnet.graph import Node

from .errors import TrainingError


class LogitsNetwork:
    """A training module (logits out) as the engine calls a network (runtime.Network):
    a float32 batch in, the shipped graph's probabilities out, under inference mode."""

    def __init__(self, graph: Graph, module: nn.Module, activation: str) -> None:
        self.module = module
        self.activation = activation
        self.metadata: Mapping[str, str] = dict(graph.metadata)
        shapes = graph.output_shapes
        last = shapes[0][-1] if shapes and shapes[0] else None
        self.classes: int | None = last if isinstance(last, int) and last > 0 else None

    def __call__(self, blob: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        with torch.inference_mode():
            output = self.module(torch.from_numpy(np.ascontiguousarray(blob)))
            logits = output[0] if isinstance(output, tuple) else output
            if self.activation == "softmax":
                probabilities = torch.softmax(logits, dim=-1)
            else:
                probabilities = torch.sigmoid(logits)
            return np.asarray(probabilities.numpy(), dtype=np.float32)

    def best(
        self, blob: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        """Each step's best class and its probability, as runtime.Network gives them."""
        output = self(blob)
        return output.argmax(axis=-1).astype(np.int32), output.max(axis=-1)


def _final_node(graph: Graph, op_type: str) -> Node:
    """The node that makes the graph's only output, which must be an `op_type`."""
    if len(graph.outputs) != 1:
        raise TrainingError(f"expected a network with one output, got {len(graph.outputs)}")
    node = next((n for n in graph.nodes if graph.outputs[0] in n.outputs), None)
    if node is None or node.op_type != op_type:
        found = node.op_type if node else "nothing"
        raise TrainingError(f"expected the network to end with {op_type}, it ends with {found}")
    return node


def _without(graph: Graph, last: Node, outputs: tuple[str, ...]) -> Graph:
    return replace(graph, nodes=tuple(n for n in graph.nodes if n is not last), outputs=outputs)


def recognizer_module(path: Path) -> tuple[Graph, OnnxModule]:
    """The engine's graph of a CTC recognizer, and a module of it that outputs N x T x C
    logits (the graph less its final Softmax)."""
    graph = load_graph(path)
    softmax = _final_node(graph, "Softmax")
    return graph, OnnxModule(_without(graph, softmax, (softmax.inputs[0],)), name=path.name)


def _head(graph: Graph, last: str) -> tuple[list[Node], str]:
    """The chain of nodes that computes `last` from the neck's fused feature map (the output
    of the last Concat): the DB head. Returns the nodes in order and the feature's name."""
    producer = {o: n for n in graph.nodes for o in n.outputs}
    chain: list[Node] = []
    current = last
    while True:
        node = producer.get(current)
        if node is None or len(chain) > 40:
            raise TrainingError("cannot find the DB head of this detector (no Concat before it)")
        chain.append(node)
        data = [i for i in node.inputs if i and i not in graph.initializers]
        if len(data) != 1:
            raise TrainingError(f"the DB head has a {node.op_type} with {len(data)} inputs")
        current = data[0]
        before = producer.get(current)
        if before is not None and before.op_type == "Concat":
            return list(reversed(chain)), current


class DBNetwork(nn.Module):
    """The DB detector for training: the shipped body and probability head, plus a threshold
    head. forward(x) -> (probability logits, threshold map in 0..1), both N x 1 x H x W.

    The threshold head has the probability head's shape and starts from its weights: a better
    start than random for a branch that must agree with it on where text is.
    """

    def __init__(self, graph: Graph, name: str = "detector") -> None:
        super().__init__()
        sigmoid = _final_node(graph, "Sigmoid")
        head, feature = _head(graph, sigmoid.inputs[0])
        self.body = OnnxModule(_without(graph, sigmoid, (sigmoid.inputs[0], feature)), name=name)
        renamed = {
            name: f"threshold/{name}"
            for node in head
            for name in node.inputs
            if name in graph.initializers
        }
        nodes = tuple(
            replace(node, inputs=tuple(renamed.get(i, i) for i in node.inputs)) for node in head
        )
        inits = {new: np.array(graph.initializers[old], copy=True) for old, new in renamed.items()}
        head_graph = Graph(
            nodes=nodes,
            initializers=inits,
            inputs=(feature,),
            outputs=(head[-1].outputs[0],),
            opset=graph.opset,
            metadata={},
        )
        self.threshold = OnnxModule(head_graph, name=f"{name} threshold head")

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        logits, feature = self.body(x)
        # The threshold head learns from the body's features but does not train them: the
        # body was trained without this branch, and the threshold loss's large early
        # gradients (its head starts far from its target) threw the probability map off
        # (its BCE doubled over the first 60 steps on FUNSD before it fell).
        return logits, torch.sigmoid(self.threshold(feature.detach()))


def detector_module(path: Path) -> tuple[Graph, DBNetwork]:
    """The engine's graph of a DB detector and the module that trains it."""
    graph = load_graph(path)
    return graph, DBNetwork(graph, name=path.name)


def freeze_early(module: OnnxModule, fraction: float) -> int:
    """Stop training the weights of the first `fraction` of the graph's nodes; returns how
    many weight tensors were frozen.

    Early layers find strokes and edges, which any script shares; freezing them keeps what
    the base learnt from millions of lines, and backpropagation stops short of the largest
    activations, which is most of a step's time on the CPU.
    """
    nodes = module.graph.nodes
    cut = int(len(nodes) * max(0.0, min(1.0, fraction)))
    early = {name for node in nodes[:cut] for name in node.inputs}
    frozen = 0
    for name, tensor in module.initializers().items():
        if name in early and isinstance(tensor, nn.Parameter) and tensor.requires_grad:
            tensor.requires_grad_(False)
            frozen += 1
    return frozen


def snapshot(module: nn.Module) -> dict[str, Tensor]:
    """A detached copy of a module's weights (the best state seen so far, for instance)."""
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


ModuleT = TypeVar("ModuleT", bound=nn.Module)


def clone(module: ModuleT) -> ModuleT:
    return copy.deepcopy(module)
