"""Torch implementations of exactly the ONNX ops the PP-OCR graphs use.

Each op takes the node's inputs (None for an omitted optional one), its attributes and the
graph's opset, and returns one tensor. Shape values (Shape, Slice, Reshape's target) stay
int64 tensors computed at run time, so batch size and image width are free.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ..errors import EngineError

Inputs = Sequence[Tensor | None]
Op = Callable[[Inputs, dict[str, Any], int], Tensor]


def _need(inputs: Inputs, index: int) -> Tensor:
    tensor = inputs[index] if index < len(inputs) else None
    if tensor is None:
        raise EngineError(f"ONNX node is missing its required input #{index}")
    return tensor


def _optional(inputs: Inputs, index: int) -> Tensor | None:
    return inputs[index] if index < len(inputs) else None


def _ints(tensor: Tensor) -> list[int]:
    return [int(v) for v in tensor.reshape(-1).tolist()]


def _axes(inputs: Inputs, attrs: dict[str, Any], index: int) -> list[int] | None:
    """Axes from the attribute (older opsets) or from input `index` (newer ones)."""
    if "axes" in attrs:
        return list(attrs["axes"])
    tensor = _optional(inputs, index)
    return None if tensor is None else _ints(tensor)


def _spatial_pads(
    x: Tensor, attrs: dict[str, Any], kernel: Sequence[int], strides: Sequence[int]
) -> list[int]:
    """ONNX pads [x1_begin, x2_begin, ..., x1_end, x2_end, ...], auto_pad resolved."""
    rank = len(kernel)
    auto_pad = attrs.get("auto_pad", "NOTSET")
    dilations = attrs.get("dilations", [1] * rank)
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        begins, ends = [], []
        for size, k, s, d in zip(x.shape[2:], kernel, strides, dilations, strict=True):
            total = max(0, (math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size)
            small = total // 2
            begins.append(small if auto_pad == "SAME_UPPER" else total - small)
            ends.append(total - begins[-1])
        return begins + ends
    if auto_pad == "VALID":
        return [0] * (2 * rank)
    return list(attrs.get("pads", [0] * (2 * rank)))


def _pad_input(x: Tensor, pads: list[int], value: float = 0.0) -> tuple[Tensor, list[int]]:
    """Symmetric pads go to the op itself; asymmetric ones are applied here first."""
    rank = len(pads) // 2
    begins, ends = pads[:rank], pads[rank:]
    if begins == ends:
        return x, begins
    # F.pad lists the last dimension first.
    flat = [p for b, e in zip(reversed(begins), reversed(ends), strict=True) for p in (b, e)]
    return F.pad(x, flat, value=value), [0] * rank


def conv(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x, weight = _need(inputs, 0), _need(inputs, 1)
    kernel = attrs.get("kernel_shape", list(weight.shape[2:]))
    strides = attrs.get("strides", [1] * len(kernel))
    x, padding = _pad_input(x, _spatial_pads(x, attrs, kernel, strides))
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[len(kernel)]
    return fn(
        x,
        weight,
        _optional(inputs, 2),
        stride=strides,
        padding=padding,
        dilation=attrs.get("dilations", [1] * len(kernel)),
        groups=attrs.get("group", 1),
    )


def conv_transpose(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x, weight = _need(inputs, 0), _need(inputs, 1)
    rank = weight.dim() - 2
    pads = list(attrs.get("pads", [0] * (2 * rank)))
    if attrs.get("auto_pad", "NOTSET") != "NOTSET" or "output_shape" in attrs:
        raise EngineError("ConvTranspose with auto_pad or output_shape is not supported")
    if pads[:rank] != pads[rank:]:
        raise EngineError("ConvTranspose with asymmetric pads is not supported")
    fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[rank]
    return fn(
        x,
        weight,
        _optional(inputs, 2),
        stride=attrs.get("strides", [1] * rank),
        padding=pads[:rank],
        output_padding=attrs.get("output_padding", [0] * rank),
        groups=attrs.get("group", 1),
        dilation=attrs.get("dilations", [1] * rank),
    )


def batch_norm(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    # Always the running statistics, as ONNX inference does; fine-tuning on a handful of
    # corrected lines would otherwise overwrite statistics learnt on millions.
    scale, shift, mean, var = (_need(inputs, i) for i in range(1, 5))
    return F.batch_norm(
        _need(inputs, 0), mean, var, scale, shift, training=False, eps=attrs.get("epsilon", 1e-5)
    )


def layer_norm(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x = _need(inputs, 0)
    axis = attrs.get("axis", -1) % x.dim()
    return F.layer_norm(
        x,
        x.shape[axis:],
        _optional(inputs, 1),
        _optional(inputs, 2),
        eps=attrs.get("epsilon", 1e-5),
    )


def max_pool(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x = _need(inputs, 0)
    kernel = attrs["kernel_shape"]
    strides = attrs.get("strides", [1] * len(kernel))
    # Padding must never win a max, hence -inf rather than zeros.
    x, padding = _pad_input(x, _spatial_pads(x, attrs, kernel, strides), value=-math.inf)
    fn = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[len(kernel)]
    return fn(
        x,
        kernel,
        stride=strides,
        padding=padding,
        dilation=attrs.get("dilations", [1] * len(kernel)),
        ceil_mode=bool(attrs.get("ceil_mode", 0)),
    )


def average_pool(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x = _need(inputs, 0)
    kernel = attrs["kernel_shape"]
    strides = attrs.get("strides", [1] * len(kernel))
    pads = _spatial_pads(x, attrs, kernel, strides)
    if pads[: len(kernel)] != pads[len(kernel) :] or len(kernel) != 2:
        raise EngineError("AveragePool is supported in 2-D with symmetric pads only")
    return F.avg_pool2d(
        x,
        kernel,
        stride=strides,
        padding=pads[:2],
        ceil_mode=bool(attrs.get("ceil_mode", 0)),
        count_include_pad=bool(attrs.get("count_include_pad", 0)),
    )


def global_average_pool(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x = _need(inputs, 0)
    return x.mean(dim=tuple(range(2, x.dim())), keepdim=True)


def resize(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x = _need(inputs, 0)
    mode = attrs.get("mode", "nearest")
    transform = attrs.get("coordinate_transformation_mode", "half_pixel")
    # torch's "nearest" is ONNX's nearest with asymmetric coordinates rounded down; other
    # combinations would silently differ, so they are refused.
    if (mode, transform, attrs.get("nearest_mode", "round_prefer_floor")) != (
        "nearest",
        "asymmetric",
        "floor",
    ):
        raise EngineError(f"Resize mode={mode} coordinate_transformation_mode={transform}")
    # Opset 10 has (X, scales); 11+ has (X, roi, scales, sizes).
    scales = _optional(inputs, 1 if opset < 11 else 2)
    sizes = _optional(inputs, 3)
    if sizes is not None and sizes.numel():
        return F.interpolate(x, size=_ints(sizes)[2:], mode="nearest")
    if scales is None or not scales.numel():
        raise EngineError("Resize without scales or sizes")
    factors = [float(v) for v in scales.reshape(-1).tolist()]
    if factors[:2] != [1.0, 1.0]:
        raise EngineError("Resize of the batch or channel axis is not supported")
    return F.interpolate(x, scale_factor=factors[2:], mode="nearest")


def reduce_mean(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x = _need(inputs, 0)
    axes = _axes(inputs, attrs, 1)
    keep = bool(attrs.get("keepdims", 1))
    if axes is None:
        return x.mean(dim=tuple(range(x.dim())), keepdim=keep)
    return x.mean(dim=tuple(axes), keepdim=keep)


def softmax(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x = _need(inputs, 0)
    if opset >= 13:
        return torch.softmax(x, dim=attrs.get("axis", -1))
    # Before opset 13, Softmax flattens the axes from `axis` on into one (default axis 1).
    axis = attrs.get("axis", 1) % x.dim()
    flat = x.reshape(*x.shape[:axis], -1)
    return torch.softmax(flat, dim=-1).reshape(x.shape)


def hard_sigmoid(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x = _need(inputs, 0)
    return torch.clamp(x * attrs.get("alpha", 0.2) + attrs.get("beta", 0.5), 0.0, 1.0)


def div(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    a, b = _need(inputs, 0), _need(inputs, 1)
    if not a.is_floating_point() and not b.is_floating_point():
        return torch.div(a, b, rounding_mode="trunc")  # ONNX integer division truncates
    return a / b


def concat(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    return torch.cat([t for t in inputs if t is not None], dim=attrs["axis"])


def shape(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x = _need(inputs, 0)
    dims = list(x.shape)[attrs.get("start", 0) : attrs.get("end")]
    return torch.tensor(dims, dtype=torch.int64, device=x.device)


def reshape(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x = _need(inputs, 0)
    target = _ints(_need(inputs, 1))
    if not attrs.get("allowzero", 0):
        # 0 copies the input's size on that axis (the batch, for PP-OCR's exports).
        target = [x.shape[i] if v == 0 else v for i, v in enumerate(target)]
    return x.reshape(target)


def slice_(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x = _need(inputs, 0)
    if opset < 10:
        starts, ends = list(attrs["starts"]), list(attrs["ends"])
        axes = list(attrs.get("axes", range(len(starts))))
        steps = [1] * len(starts)
    else:
        starts, ends = _ints(_need(inputs, 1)), _ints(_need(inputs, 2))
        axes_t, steps_t = _optional(inputs, 3), _optional(inputs, 4)
        axes = _ints(axes_t) if axes_t is not None else list(range(len(starts)))
        steps = _ints(steps_t) if steps_t is not None else [1] * len(starts)
    index: list[slice] = [slice(None)] * x.dim()
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
        if step <= 0:
            raise EngineError("Slice with a negative or zero step is not supported")
        size = x.shape[axis]
        # ONNX clamps like Python slices, but ends may be INT64_MAX, which torch rejects.
        start = min(max(start + size if start < 0 else start, 0), size)
        end = min(max(end + size if end < 0 else end, 0), size)
        index[axis] = slice(start, end, step)
    return x[tuple(index)]


def squeeze(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x = _need(inputs, 0)
    axes = _axes(inputs, attrs, 1)
    if axes is None:
        return x.squeeze()
    return x.squeeze(tuple(a % x.dim() for a in axes))


def unsqueeze(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x = _need(inputs, 0)
    axes = _axes(inputs, attrs, 1) or []
    rank = x.dim() + len(axes)
    for axis in sorted(a % rank for a in axes):
        x = x.unsqueeze(axis)
    return x


def transpose(inputs: Inputs, attrs: dict[str, Any], opset: int) -> Tensor:
    x = _need(inputs, 0)
    return x.permute(attrs.get("perm", list(reversed(range(x.dim())))))


def _unary(fn: Callable[[Tensor], Tensor]) -> Op:
    return lambda inputs, attrs, opset: fn(_need(inputs, 0))


def _binary(fn: Callable[[Tensor, Tensor], Tensor]) -> Op:
    return lambda inputs, attrs, opset: fn(_need(inputs, 0), _need(inputs, 1))


OPS: dict[str, Op] = {
    "Add": _binary(torch.add),
    "AveragePool": average_pool,
    "BatchNormalization": batch_norm,
    "Concat": concat,
    "Conv": conv,
    "ConvTranspose": conv_transpose,
    "Div": div,
    "Erf": _unary(torch.erf),
    "GlobalAveragePool": global_average_pool,
    "HardSigmoid": hard_sigmoid,
    "Identity": _unary(lambda x: x),
    "LayerNormalization": layer_norm,  # fused from its exported pieces (graph.py)
    "MatMul": _binary(torch.matmul),
    "MaxPool": max_pool,
    "Mul": _binary(torch.mul),
    "Pow": _binary(torch.pow),
    "ReduceMean": reduce_mean,
    "Relu": _unary(torch.relu),
    "Reshape": reshape,
    "Resize": resize,
    "Shape": shape,
    "Sigmoid": _unary(torch.sigmoid),
    "Slice": slice_,
    "Softmax": softmax,
    "Sqrt": _unary(torch.sqrt),
    "Squeeze": squeeze,
    "Sub": _binary(torch.sub),
    "Transpose": transpose,
    "Unsqueeze": unsqueeze,
}
