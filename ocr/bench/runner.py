"""Each system reads a set in its own child process; the systems take turns page by page.

A separate process per system and set makes its peak memory its own (`ru_maxrss` of the child)
and keeps one system's crash, or a native library's global state, from touching the others. The
children are `spawn`ed, so each starts from a fresh interpreter. All of a set's systems start
together and read the pages in turns (page 1 by each system, then page 2, ...; who goes first
rotates), one reading at a time: on a machine shared with other work, a load that comes and goes
then falls on every system alike, where systems run one after another saw speed ratios swing
0.8x-2x between runs.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

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
    """Runs in the child: build the system, then read each page the parent asks for."""
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
    conn.send(("ready",))
    while True:
        position = conn.recv()
        if position is None:
            break
        path = images[position]
        try:
            pixels = load_image(path).pixels
            started, cpu_started = time.perf_counter(), time.process_time()
            regions = system.read(pixels)
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu_started  # all of the child's threads
        except Exception as exc:
            conn.send(("error", position, f"{type(exc).__name__}: {exc}"))
            continue
        size = (int(pixels.shape[1]), int(pixels.shape[0]))
        conn.send(("page", position, (regions, seconds, size, cpu)))
    # Linux reports kibibytes.
    conn.send(("done", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    conn.close()


class _Child:
    """The parent's handle on one system's process."""

    def __init__(self, system_id: str, images: list[str], warmup: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self.system = system_id
        self.conn, theirs = context.Pipe(duplex=True)
        self.process = context.Process(
            target=_child, args=(system_id, images, warmup, theirs), name=f"bench {system_id}"
        )
        self.process.start()
        theirs.close()  # so that recv() sees the end of the pipe when the child exits
        self.error: str | None = None
        self.peak: float | None = None
        self.alive = True

    def receive(self) -> tuple[Any, ...] | None:
        try:
            message: tuple[Any, ...] = self.conn.recv()
        except (EOFError, OSError):
            self.alive = False
            return None
        if message[0] == "fatal":
            self.error = f"could not start: {message[1]}"
            self.alive = False
        return message

    def finish(self) -> None:
        if self.alive:
            try:
                self.conn.send(None)
                while (message := self.receive()) is not None:
                    if message[0] == "done":
                        self.peak = float(message[1])
                        break
            except (BrokenPipeError, OSError):
                pass
        self.process.join()
        self.conn.close()
        if self.error is None and self.peak is None:
            self.error = f"process ended early (exit code {self.process.exitcode})"


def run_systems(
    system_ids: Sequence[str], dataset: Dataset, warmup: bool = True
) -> list[SystemRun]:
    """Read every page of `dataset` with each system, in turns, and score them."""
    images = [str(Path(page.image).resolve()) for page in dataset.pages]
    children = [_Child(system_id, images, warmup) for system_id in system_ids]
    for child in children:
        child.receive()  # "ready" or "fatal": every model loads and warms up before timing
    scores: list[dict[int, PageScore]] = [{} for _ in children]
    for position, truth in enumerate(dataset.pages):
        turn = position % len(children) if children else 0
        for index in [*range(turn, len(children)), *range(turn)]:
            child = children[index]
            if not child.alive:
                continue
            try:
                child.conn.send(position)
            except (BrokenPipeError, OSError):
                child.alive = False
                continue
            message = child.receive()
            if message is None:
                continue
            if message[0] == "error":
                scores[index][position] = score_page(truth, [], None, error=message[2])
            elif message[0] == "page":
                regions, seconds, size, cpu = message[2]
                scores[index][position] = score_page(truth, regions, seconds, size, cpu=cpu)
    runs = []
    for child, found in zip(children, scores, strict=True):
        child.finish()
        for position, truth in enumerate(dataset.pages):
            # Pages never reported (a crash, or a failed start) count as read with nothing.
            if position not in found:
                found[position] = score_page(truth, [], None, error=child.error or "not read")
        runs.append(
            SystemRun(
                system=child.system,
                scores=tuple(found[i] for i in range(len(dataset.pages))),
                peak_mib=child.peak,
                error=child.error,
            )
        )
    return runs


def run_system(system_id: str, dataset: Dataset, warmup: bool = True) -> SystemRun:
    """Read every page of `dataset` with one system in a fresh child process and score it."""
    return run_systems([system_id], dataset, warmup)[0]
