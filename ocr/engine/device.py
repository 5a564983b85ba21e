"""Which runtime and device run the networks, from OCR_RUNTIME and OCR_DEVICE."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import EngineError

if TYPE_CHECKING:
    import torch

DEVICE_ENV = "OCR_DEVICE"
RUNTIME_ENV = "OCR_RUNTIME"
DEVICES = ("auto", "cpu", "cuda")
RUNTIMES = ("auto", "onnxruntime", "torch")


@dataclass(frozen=True)
class Placement:
    """A resolved choice: runtime is "onnxruntime" or "torch", device "cpu" or "cuda"."""

    runtime: str
    device: str


def _setting(name: str, allowed: tuple[str, ...]) -> str:
    value = os.environ.get(name, "").strip() or "auto"
    if value not in allowed:
        raise EngineError(f"{name}={value!r} is not one of: {', '.join(allowed)}")
    return value


def cuda_available() -> bool:
    """Whether torch sees a CUDA device (imported only when the answer matters)."""
    import torch

    return bool(torch.cuda.is_available())


def torch_device_name() -> str:
    """Where a PyTorch-only model (CRAFT, TrOCR) runs: OCR_DEVICE, with auto taking CUDA when
    torch sees it; OCR_RUNTIME does not apply, as these have no onnxruntime form."""
    device = _setting(DEVICE_ENV, DEVICES)
    if device == "cuda" and not cuda_available():
        raise EngineError(
            f"{DEVICE_ENV}=cuda but torch sees no CUDA device (no GPU, driver or CUDA build of "
            f"torch); set {DEVICE_ENV}=cpu or auto"
        )
    if device == "auto":
        device = "cuda" if cuda_available() else "cpu"
    return device


def torch_device() -> torch.device:
    """torch_device_name() as a torch.device, with torch's threads set on purpose."""
    import torch

    from .runtime import thread_count  # runtime imports this module

    # As for ONNX Runtime: torch's default can count CPUs this process may not use.
    torch.set_num_threads(thread_count())
    return torch.device(torch_device_name())


def choose_placement() -> Placement:
    """The runtime and device the environment asks for, checked against this machine.

    `auto` means torch on CUDA when there is a GPU, else ONNX Runtime on the CPU, where ORT is
    about three times faster than our eager torch module (figures below).
    """
    # Detector alone on one fondue_en_print page (4319x5576, run at 1248x1600), batch 1, 3 runs
    # after a warm-up, one thread, on a 2-core VM shared with other jobs (load ~8): small ORT
    # 1.6-2.3 s vs torch 5.6-7.1 s; tiny ORT 0.9-1.0 s vs torch 2.5-2.9 s.
    device = _setting(DEVICE_ENV, DEVICES)
    runtime = _setting(RUNTIME_ENV, RUNTIMES)
    if runtime == "onnxruntime":
        # Our onnxruntime wheel is the CPU build; the GPU path is the torch runtime.
        if device == "cuda":
            raise EngineError(
                f"{RUNTIME_ENV}=onnxruntime runs on the CPU only; use {RUNTIME_ENV}=torch "
                f"(or auto) with {DEVICE_ENV}=cuda"
            )
        return Placement("onnxruntime", "cpu")
    device = torch_device_name()
    if runtime == "auto":
        runtime = "torch" if device == "cuda" else "onnxruntime"
    return Placement(runtime, device)
