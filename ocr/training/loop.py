"""What both training loops share: threads and seeds set on purpose, the learning-rate
schedule, progress reports, cancellation, CPU time."""

from __future__ import annotations

import math
import random
import resource
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from ocr.engine.runtime import thread_count

from .errors import TrainingCancelled


@dataclass(frozen=True)
class Progress:
    """One report of a running training; `metric` is set on the steps it was measured."""

    step: int
    total: int
    loss: float
    metric: float | None = None
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["loss"] = round(self.loss, 5)
        data["cpu_seconds"] = round(self.cpu_seconds, 1)
        data["wall_seconds"] = round(self.wall_seconds, 1)
        data["parts"] = {k: round(v, 5) for k, v in self.parts.items()}
        return data


ProgressCallback = Callable[[Progress], None]
StopCheck = Callable[[], bool]


def cpu_seconds() -> float:
    """User and system CPU time of this process, all threads: what "minutes of CPU" means in
    the figures (on a shared machine, wall time says more about the neighbours)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def prepare(seed: int, threads: int | None) -> np.random.Generator:
    """Seed every source of randomness a training draws from and fix torch's threads.

    The seed makes a training repeatable on one machine (same data, same steps, same
    weights), so a change in a metric is the change's and not the dice's. Threads: torch's
    default counts the cores it detects, which in a container or beside other workers is
    not what this process may use; LEGIBLE_OCR_THREADS (the engine's setting) or `threads`
    decides, and one figure for both runtimes keeps a worker from oversubscribing its CPUs.
    """
    random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads or thread_count())
    return np.random.default_rng(seed)


def learning_rate(step: int, total: int, peak: float, warmup: int) -> float:
    """Linear warm-up, then cosine decay to a tenth of the peak: the first steps on new data
    do not undo the base's weights, the last ones settle."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


class Clock:
    """CPU and wall time since the training started."""

    def __init__(self) -> None:
        self.cpu0 = cpu_seconds()
        self.wall0 = time.monotonic()

    @property
    def cpu(self) -> float:
        return cpu_seconds() - self.cpu0

    @property
    def wall(self) -> float:
        return time.monotonic() - self.wall0


def check_stop(should_stop: StopCheck | None) -> None:
    if should_stop is not None and should_stop():
        raise TrainingCancelled("the training was cancelled")
