"""Each system reads a set in its own child process, one page at a time.

A separate process per system and set makes its peak memory its own (`ru_maxrss` of the child)
and keeps one system's crash, or a native library's global state, from touching the others. The
children are `spawn`ed, so each starts from a fresh interpreter, and run one after another so
their timings do not compete for the CPU.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from .datasets import Dataset
from .scoring import PageScore, score_page


@dataclass(frozen=True)
class SystemRun:
    """One system over one set."""

    system: str
    scores: tuple[PageScore, ...]
    peak_mib: float | None  # the child's peak resident memory; None if it died first
    error: str | None  # why the system could not start, or how its process ended early


def _child(system_id: str, images: list[str], warmup: bool, conn: Connection) -> None:
    """Runs in the child: build the system, then read and report each page in turn."""
    try:
        from ocr.engine.images import load_image
        from ocr.engine.runtime import thread_count

        # Tesseract (and torch) size their OpenMP pools from this; our ONNX sessions and
        # rapidocr's read thread_count() directly, so every system gets the same threads.
        os.environ["OMP_NUM_THREADS"] = str(thread_count())
        from .systems import make_system

        system = make_system(system_id)
        if warmup and images:
            # The first call pays for lazy initialisation (allocators, kernels): not timed.
            system.read(load_image(images[0]).pixels)
    except Exception:
        conn.send(("fatal", traceback.format_exc(limit=4)))
        conn.close()
        return
    for position, path in enumerate(images):
        try:
            pixels = load_image(path).pixels
            started = time.perf_counter()
            regions = system.read(pixels)
            seconds = time.perf_counter() - started
        except Exception as exc:
            conn.send(("error", position, f"{type(exc).__name__}: {exc}"))
            continue
        size = (int(pixels.shape[1]), int(pixels.shape[0]))
        conn.send(("page", position, (regions, seconds, size)))
    # Linux reports kibibytes.
    conn.send(("done", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    conn.close()


def run_system(system_id: str, dataset: Dataset, warmup: bool = True) -> SystemRun:
    """Read every page of `dataset` with one system in a fresh child process and score it."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    images = [str(Path(page.image).resolve()) for page in dataset.pages]
    process = context.Process(
        target=_child, args=(system_id, images, warmup, sender), name=f"bench {system_id}"
    )
    process.start()
    sender.close()  # so that recv() sees the end of the pipe when the child exits
    scores: dict[int, PageScore] = {}
    peak: float | None = None
    error: str | None = None
    while True:
        try:
            kind, *payload = receiver.recv()
        except EOFError:
            break
        if kind == "fatal":
            error = f"could not start: {payload[0]}"
        elif kind == "error":
            position, message = payload
            truth = dataset.pages[position]
            scores[position] = score_page(truth, [], None, error=message)
        elif kind == "page":
            position, (regions, seconds, size) = payload
            scores[position] = score_page(dataset.pages[position], regions, seconds, size)
        elif kind == "done":
            peak = float(payload[0])
    process.join()
    receiver.close()
    if error is None and peak is None:
        error = f"process ended early (exit code {process.exitcode})"
    for position, truth in enumerate(dataset.pages):
        # Pages never reported (a crash, or a failed start) count as read with nothing found.
        if position not in scores:
            scores[position] = score_page(truth, [], None, error=error or "not read")
    return SystemRun(
        system=system_id,
        scores=tuple(scores[i] for i in range(len(dataset.pages))),
        peak_mib=peak,
        error=error,
    )
