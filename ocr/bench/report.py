"""The benchmark's results as markdown tables and JSON, with the machine they were taken on."""

from __future__ import annotations

import datetime
import importlib.util
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .datasets import Dataset
from .runner import SystemRun
from .scoring import PageScore, Summary, summarise
from .systems import BASELINES, describe

PROTOCOL = (
    "CER and WER are case-insensitive and whitespace runs count as one space. Where the truth "
    "has lines (or words), it is put in geometric reading order (rows top to bottom, each left "
    "to right) and the system's regions follow that order: each region takes the place of the "
    "truth box it overlaps most, regions at one place left to right; `CER (rows)` is the "
    "literal protocol of BASELINES.md instead, each side in its own row order, which on pages "
    "whose two columns' lines do not line up turns on a few pixels of box height. Where the "
    "truth is only page text, ours is read in row order, or zone by zone in the truth's zone "
    "order when it gives zones (UNLV pages; regions in no zone are left out, as the truth "
    "leaves their text out). Rates are pooled over the pages (total edits / total reference "
    "length). BoW F1: the page's words as a multiset, "
    "case-insensitive. Detection: the system's regions matched one to one with the ground "
    "truth's polygons at IoU >= 0.5; the truth is lines where a set has them, else words (then a "
    "system that returns lines scores low by construction). order: the share of consecutive "
    "ground-truth lines (in the truth's own order) that the system's output gives in the same "
    "order, each truth line matched with the region covering most of it (sets with line truth "
    "only); order (adj.): the share whose second line the system gives right after the first "
    "(among regions holding truth lines), which also sees columns read row by row. The truth's "
    "order: its file order, or for PAGE files (ocrd_gt_structure_text) regions in the PAGE "
    "ReadingOrder, each region's lines top to bottom. pages/s and s/page: wall time of "
    "the reading call only (image decoding excluded), one page at a time, each system in its "
    "own process; peak MiB: that process's peak resident memory (ru_maxrss), models included. "
    "Ratios are to the best baseline of the set (lowest CER): CER ratio < 1 and pages/s "
    "ratio > 1 beat it. CPU s/page: the reading's CPU time, all threads of the system's "
    "process, which other work on the machine changes far less than wall time."
)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return None


def _gpu() -> str:
    # Only asked of torch when it is installed; importing it is slow, so not at module load.
    if importlib.util.find_spec("torch") is None:
        return "unknown (torch not installed)"
    import torch

    if not torch.cuda.is_available():
        return "none seen by torch"
    return ", ".join(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count()))


def machine(threads: int) -> dict[str, Any]:
    """Where and when the figures were taken."""
    ram = _ram_gib()
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": round(ram, 1) if ram is not None else None,
        "gpu": _gpu(),
        "ocr_device": os.environ.get("OCR_DEVICE") or "unset",
        "threads": threads,
        "python": platform.python_version(),
        "runs": 1,
        "load_average": [round(v, 2) for v in os.getloadavg()],
    }


@dataclass(frozen=True)
class SetResult:
    dataset: Dataset
    runs: tuple[SystemRun, ...]

    def summaries(self) -> dict[str, Summary]:
        return {run.system: summarise(run.scores, run.peak_mib) for run in self.runs}

    def best_baseline(self) -> str | None:
        """The baseline with the lowest CER among those that read every page."""
        summaries = self.summaries()
        usable = [
            run.system
            for run in self.runs
            if run.system in BASELINES and run.error is None and not summaries[run.system].failed
        ]
        return min(usable, key=lambda system: summaries[system].cer, default=None)


def _ratio(value: float | None, best: float | None) -> float | None:
    if value is None or best is None or best == 0:
        return None
    return value / best


def _ratios(summary: Summary, best: Summary | None) -> tuple[float | None, float | None]:
    if best is None:
        return None, None
    return _ratio(summary.cer, best.cer), _ratio(summary.pages_per_second, best.pages_per_second)


def _cell(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def header_markdown(header: dict[str, Any], warmup: bool) -> str:
    ram = f"{header['ram_gib']} GiB RAM" if header["ram_gib"] is not None else "RAM unknown"
    warm = "after one untimed warm-up page" if warmup else "no warm-up page"
    return "\n".join(
        [
            "# OCR benchmark",
            "",
            f"- date: {header['date']}",
            f"- machine: {header['cpu']}, {header['cores']} cores, {ram}; GPU: {header['gpu']}; "
            f"OCR_DEVICE={header['ocr_device']}",
            f"- threads: {header['threads']} for every system (ONNX intra-op threads, one "
            "inter-op thread; OMP_NUM_THREADS for Tesseract)",
            f"- runs: {header['runs']} per page, {warm} per system and set; a set's systems "
            "take turns page by page, one reading at a time",
            f"- load average (1, 5, 15 min) when the run started: {header.get('load_average')}"
            + (
                f"; when it ended: {header['load_average_end']}"
                if "load_average_end" in header
                else ""
            ),
            "",
            PROTOCOL,
        ]
    )


def set_markdown(result: SetResult) -> str:
    """One set's table: a row per system."""
    dataset = result.dataset
    summaries = result.summaries()
    best_id = result.best_baseline()
    best = summaries[best_id] if best_id else None
    lines = [
        f"## {dataset.name} ({len(dataset.pages)} pages"
        + (
            f", {dataset.untranscribed} without a transcription left out"
            if dataset.untranscribed
            else ""
        )
        + "; detection against: "
        f"{dataset.granularity if dataset.granularity != 'page' else 'none (page text only)'}; "
        f"best baseline: {best_id or 'none'})",
        "",
        "| system | CER | CER (rows) | WER | BoW F1 | det P | det R | det F | order | order (adj.) "
        "| pages/s "
        "| s/page (median) | CPU s/page | peak MiB | CER / best baseline "
        "| pages/s / best baseline |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    notes = []
    for run in result.runs:
        s = summaries[run.system]
        cer_ratio, speed_ratio = _ratios(s, best)
        cells = [
            run.system,
            _cell(s.cer, 4),
            _cell(s.cer_rows, 4),
            _cell(s.wer, 3),
            _cell(s.bow_f1, 3),
            _cell(s.det_precision, 3),
            _cell(s.det_recall, 3),
            _cell(s.det_f1, 3),
            _cell(s.reading_order, 3),
            _cell(s.reading_order_adjacent, 3),
            _cell(s.pages_per_second, 2),
            _cell(s.median_seconds, 2),
            _cell(s.cpu_seconds_per_page, 2),
            _cell(s.peak_mib, 0),
            _cell(cer_ratio, 2),
            _cell(speed_ratio, 2),
        ]
        lines.append("| " + " | ".join(cells) + " |")
        if run.error:
            notes.append(f"- {run.system}: {run.error.strip().splitlines()[-1]}")
        elif s.failed:
            first = next(p for p in run.scores if p.error)
            notes.append(
                f"- {run.system}: {s.failed} page(s) failed, e.g. {first.name}: {first.error}"
            )
    systems = "; ".join(f"{run.system} = {describe(run.system)}" for run in result.runs)
    lines += ["", f"Systems: {systems}."]
    worst = [
        f"{run.system}: "
        + ", ".join(
            f"{p.name} {p.order_agree}/{p.order_pairs}" for p in worst_order_pages(run.scores)
        )
        for run in result.runs
        if worst_order_pages(run.scores)
    ]
    if worst:
        lines += ["", "Reading order, worst pages (pairs in order / pairs): " + "; ".join(worst)]
    foreign = []
    for run in result.runs:
        count = sum(p.foreign_lines for p in run.scores)
        chars = "".join(dict.fromkeys("".join(p.foreign for p in run.scores)))
        foreign.append(f"{run.system}: {f'{count} lines ({chars})' if count else 'none'}")
    lines += ["", "Lines with characters outside the Latin alphabet: " + "; ".join(foreign)]
    if notes:
        lines += ["", "Failures (failed pages count as read with nothing found):", *notes]
    return "\n".join(lines)


def worst_order_pages(scores: Sequence[PageScore], count: int = 3) -> list[PageScore]:
    """The pages whose truth-line pairs came out of order most often (none when all agree)."""
    missed = [p for p in scores if p.order_pairs and p.order_agree < p.order_pairs]
    return sorted(missed, key=lambda p: (p.order_agree / p.order_pairs, p.name))[:count]


def to_markdown(header: dict[str, Any], results: Sequence[SetResult], warmup: bool) -> str:
    return "\n\n".join([header_markdown(header, warmup), *map(set_markdown, results)]) + "\n"


def to_json(header: dict[str, Any], results: Sequence[SetResult], warmup: bool) -> dict[str, Any]:
    sets = []
    for result in results:
        summaries = result.summaries()
        best_id = result.best_baseline()
        best = summaries[best_id] if best_id else None
        systems = []
        for run in result.runs:
            cer_ratio, speed_ratio = _ratios(summaries[run.system], best)
            systems.append(
                {
                    "id": run.system,
                    "description": describe(run.system),
                    "error": run.error,
                    "summary": summaries[run.system].to_dict(),
                    "cer_to_best_baseline": cer_ratio,
                    "reading_order_worst": [p.name for p in worst_order_pages(run.scores)],
                    "pages_per_second_to_best_baseline": speed_ratio,
                    "pages": [score.to_dict() for score in run.scores],
                }
            )
        sets.append(
            {
                "name": result.dataset.name,
                "path": str(result.dataset.root),
                "pages": len(result.dataset.pages),
                "untranscribed_left_out": result.dataset.untranscribed,
                "detection_truth": result.dataset.granularity,
                "best_baseline": best_id,
                "systems": systems,
            }
        )
    return {**header, "warmup": warmup, "protocol": PROTOCOL, "datasets": sets}
