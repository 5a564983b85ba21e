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
PAGE_BATCH_ENV = "OCR_PAGE_BATCH"
COMPILE_ENV = "OCR_TORCH_COMPILE"
# Pages per detection batch on a GPU: eight 1600-pixel pages in float16 keep an H100-class GPU
# busy with room to spare. The CPU reads one page at a time: batching there only adds memory,
# and more pages a second come from more processes (README, "Measured").
GPU_PAGE_BATCH = 8
# On a GPU, detection pads pages to a multiple of this (not just the network's 32), so pages
# of nearly the same size (A4 and Letter scans, 1131 and 1236 pixels wide) form one batch.
GPU_PAGE_BUCKET = 64
CPU_PAGE_BUCKET = 32


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
def _session(path: str, threads: int, classes: tuple[int, ...] | None = None) -> Any:
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
    # Said on purpose: a profiling session writes onnxruntime_profile_*.json into the working
    # folder on every run (one such file was once committed by mistake).
    options.enable_profiling = False
    try:
        source: str | bytes = path
        if classes is not None:
            import onnx

            from .output_layer import restrict_onnx

            source = restrict_onnx(onnx.load(path), classes).SerializeToString()
        return ort.InferenceSession(
            source, sess_options=options, providers=["CPUExecutionProvider"]
        )
    except EngineError:
        raise
    except Exception as exc:  # ORT raises its own untyped errors for bad files
        raise EngineError(f"cannot load model {path}: {exc}") from exc


def get_session(path: Path) -> Any:
    """A cached InferenceSession for `path`, so each worker loads each model once."""
    return _session(str(path), thread_count())


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(1, int(raw))
    except ValueError as exc:
        raise EngineError(f"{name} must be a whole number, got {raw!r}") from exc


def on_gpu(network: object) -> bool:
    device = getattr(network, "device", None)
    return getattr(device, "type", None) == "cuda"


def page_batching(network: object) -> tuple[int, int]:
    """(pages per detection batch, padding multiple) for pages going through `network`."""
    if on_gpu(network):
        return _env_int(PAGE_BATCH_ENV, GPU_PAGE_BATCH), GPU_PAGE_BUCKET
    return _env_int(PAGE_BATCH_ENV, 1), CPU_PAGE_BUCKET


class Network(Protocol):
    """One network with one input and one output, whatever runs it."""

    metadata: Mapping[str, str]  # the ONNX file's metadata_props
    classes: int | None  # static size of the output's last axis, if the file declares one

    def __call__(self, blob: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The first output for a float32 NCHW batch, as float32."""
        ...

    def best(
        self, blob: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        """The index and value of the largest entry of the output's last axis (a recognizer's
        best class and its probability at each time step)."""
        ...


def _best_of(
    output: npt.NDArray[np.float32],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    return output.argmax(axis=-1).astype(np.int32), output.max(axis=-1)


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

    def best(
        self, blob: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        return _best_of(self(blob))


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
        # The module runs the converted graph op by op from Python; torch.compile traces it
        # once per input shape into fused kernels. Off unless asked for: on the CPU it did
        # not pay (README, "Measured"), and on a GPU it is not measured yet.
        self.forward: Any = self.module
        if os.environ.get(COMPILE_ENV, "").strip() in ("1", "true", "yes"):
            self.forward = torch.compile(self.module, dynamic=True)

    def _run(self, blob: npt.NDArray[np.float32]) -> Any:
        batch = torch_from(blob).to(self.device, self.dtype, non_blocking=True)
        return self.forward(batch)

    def __call__(self, blob: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        import torch

        from .torchnet.module import as_numpy

        with torch.inference_mode():
            return as_numpy(self._run(blob))

    def best(
        self, blob: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        """Reduced on the device: a page's recognizer output is T x 18,710 classes per line
        (about 1 GB a dense page); only T indices and T scores per line come back."""
        import torch

        with torch.inference_mode():
            scores, indices = self._run(blob).max(dim=-1)
            return (
                indices.to(torch.int32).cpu().numpy(),
                scores.to(torch.float32).cpu().numpy(),
            )


def torch_from(blob: npt.NDArray[np.float32]) -> Any:
    """A CPU tensor sharing the array's memory, pinned when it is bound for a GPU."""
    import torch

    tensor = torch.from_numpy(np.ascontiguousarray(blob))
    if torch.cuda.is_available():
        tensor = tensor.pin_memory()  # so the copy to the device does not wait for the host
    return tensor


@functools.cache
def _network(
    path: str, runtime: str, device: str, threads: int, classes: tuple[int, ...] | None
) -> Network:
    if runtime == "onnxruntime":
        return OrtNetwork(_session(path, threads, classes))
    import torch

    from .torchnet import OnnxModule, load_graph

    # Same figure as ORT's intra-op pool, for the same reason: torch's default counts cores
    # it detects, and several workers may share the machine (LEGIBLE_OCR_THREADS lowers it).
    # It is process-wide, which is what we want: every torch network here shares one pool.
    torch.set_num_threads(threads)
    graph = load_graph(Path(path))
    if classes is not None:
        from .output_layer import restrict_graph

        graph = restrict_graph(graph, classes)
    return TorchNetwork(OnnxModule(graph, name=Path(path).name).eval(), device)


def get_network(path: Path, classes: tuple[int, ...] | None = None) -> Network:
    """A cached Network for `path` on the runtime and device OCR_RUNTIME/OCR_DEVICE choose;
    with `classes`, its (softmax) output keeps only those classes, in that order."""
    placement = choose_placement()
    return _network(str(path), placement.runtime, placement.device, thread_count(), classes)
