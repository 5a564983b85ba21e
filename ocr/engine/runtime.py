"""Running the networks: ONNX Runtime sessions and torch modules behind one callable.

Each model file gets one `Network` per (runtime, device) per process, chosen from OCR_RUNTIME
and OCR_DEVICE (see device.py).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from .device import choose_placement
from .errors import EngineError

if TYPE_CHECKING:
    from .torchnet import OnnxModule

THREADS_ENV = "LEGIBLE_OCR_THREADS"


def thread_count() -> int:
    """Intra-op threads for every session; LEGIBLE_OCR_THREADS overrides the CPU count."""
    override = os.environ.get(THREADS_ENV, "").strip()
    if override:
        try:
            return max(1, int(override))
        except ValueError as exc:
            raise EngineError(f"{THREADS_ENV} must be a whole number, got {override!r}") from exc
    return os.cpu_count() or 1


@functools.cache
def _session(path: str, threads: int) -> Any:
    options = ort.SessionOptions()
    # ORT's default sizes its pool from physical cores it detects, which in containers can
    # differ from the CPUs we may use; we set it ourselves so the figure is a deliberate choice
    # (and lowered via LEGIBLE_OCR_THREADS when several worker processes share a machine).
    options.intra_op_num_threads = threads
    # Our graphs are a single chain of ops, so a second inter-op pool would only add threads.
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # ORT raises its own untyped errors for bad files
        raise EngineError(f"cannot load model {path}: {exc}") from exc


def get_session(path: Path) -> Any:
    """A cached InferenceSession for `path`, so each worker loads each model once."""
    return _session(str(path), thread_count())


class Network(Protocol):
    """One network with one input and one output, whatever runs it."""

    metadata: Mapping[str, str]  # the ONNX file's metadata_props
    classes: int | None  # static size of the output's last axis, if the file declares one

    def __call__(self, blob: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The first output for a float32 NCHW batch, as float32."""
        ...


class OrtNetwork:
    """A network on an ONNX Runtime CPU session."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.input_name = session.get_inputs()[0].name
        self.metadata: Mapping[str, str] = dict(session.get_modelmeta().custom_metadata_map)
        last = session.get_outputs()[0].shape[-1]
        self.classes = last if isinstance(last, int) else None

    def __call__(self, blob: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        output = self.session.run(None, {self.input_name: np.ascontiguousarray(blob)})[0]
        return np.asarray(output, dtype=np.float32)


class TorchNetwork:
    """A network as a torch module; half precision on CUDA, float32 on the CPU."""

    def __init__(self, module: OnnxModule, device: str) -> None:
        import torch

        # Half precision doubles throughput on tensor cores; the CPU has no fast float16 path.
        self.dtype = torch.float16 if device == "cuda" else torch.float32
        self.device = torch.device(device)
        self.module = module.to(self.device, self.dtype).eval()
        self.metadata: Mapping[str, str] = module.graph.metadata
        shapes = module.graph.output_shapes
        last = shapes[0][-1] if shapes and shapes[0] else None
        self.classes = last if isinstance(last, int) and last > 0 else None

    def __call__(self, blob: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        import torch

        from .torchnet.module import as_numpy

        with torch.inference_mode():
            batch = torch.from_numpy(np.ascontiguousarray(blob)).to(self.device, self.dtype)
            return as_numpy(self.module(batch))


@functools.cache
def _network(path: str, runtime: str, device: str, threads: int) -> Network:
    if runtime == "onnxruntime":
        return OrtNetwork(_session(path, threads))
    import torch

    from .torchnet import load_module

    # Same figure as ORT's intra-op pool, for the same reason: torch's default counts cores
    # it detects, and several workers may share the machine (LEGIBLE_OCR_THREADS lowers it).
    # It is process-wide, which is what we want: every torch network here shares one pool.
    torch.set_num_threads(threads)
    return TorchNetwork(load_module(Path(path)), device)


def get_network(path: Path) -> Network:
    """A cached Network for `path` on the runtime and device OCR_RUNTIME/OCR_DEVICE choose."""
    placement = choose_placement()
    return _network(str(path), placement.runtime, placement.device, thread_count())
