"""ONNX Runtime sessions: one per model file per process."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import onnxruntime as ort

from .errors import EngineError

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
