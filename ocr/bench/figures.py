"""Turn a benchmark's results.json into the figures the model gallery page shows.

    python -m ocr.bench.figures var/bench/results.json [--out ocr/engine/gallery/figures.json]

A figure belongs to a workflow, not to one model; each detector and recognizer gets the figures
of the first ready workflow in the results that uses it (results list `default` before `fast`,
so PP-OCRv6 small shows the default workflow's, not the mixed one's). A model that no ready
workflow uses (the cascade recognizer, CRAFT) gets those of the benchmark's variant that runs it.
The figures are merged into the file's: a run of some workflows on some sets replaces those
models' figures on those sets and leaves the rest (each figure names its machine).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ocr.engine.gallery import FIGURES_FILE, get_model
from ocr.engine.workflow import READY_WORKFLOWS

from .systems import WORKFLOW_PREFIX
from .workflows import BENCH_WORKFLOWS

# Models some ready workflow runs: a benchmark variant's figures are not theirs to show.
_READY_MODELS = {node["model"] for w in READY_WORKFLOWS.values() for node in w["nodes"]}


def _nodes(workflow: str) -> list[dict[str, Any]]:
    """The nodes whose models take a workflow's figures (none for a baseline)."""
    if workflow in READY_WORKFLOWS:
        return list(READY_WORKFLOWS[workflow]["nodes"])
    if workflow in BENCH_WORKFLOWS:
        return [n for n in BENCH_WORKFLOWS[workflow]["nodes"] if n["model"] not in _READY_MODELS]
    return []


def gallery_figures(results: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """model id -> {data set: {cer, pages_per_s, machine, workflow}}."""
    machine = f"{results.get('cpu', '?')}, {results.get('cores', '?')} cores"
    if results.get("gpu") and "none" not in str(results["gpu"]):
        machine += f", {results['gpu']}"
    owner: dict[str, str] = {}  # model id -> the workflow whose figures it shows
    figures: dict[str, dict[str, dict[str, Any]]] = {}
    for dataset in results.get("datasets", []):
        for system in dataset.get("systems", []):
            system_id = str(system.get("id", ""))
            if not system_id.startswith(WORKFLOW_PREFIX) or system.get("error"):
                continue
            workflow = system_id.removeprefix(WORKFLOW_PREFIX)
            summary = system.get("summary") or {}
            for node in _nodes(workflow):
                model = node["model"]
                if (
                    get_model(model).kind == "cropper"
                    or owner.setdefault(model, workflow) != workflow
                ):
                    continue
                figures.setdefault(model, {})[dataset["name"]] = {
                    "cer": summary.get("cer"),
                    "pages_per_s": summary.get("pages_per_second"),
                    "machine": machine,
                    "workflow": workflow,
                }
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ocr.bench.figures")
    parser.add_argument("results", type=Path)
    parser.add_argument("--out", type=Path, default=FIGURES_FILE)
    args = parser.parse_args(argv)
    figures = gallery_figures(json.loads(args.results.read_text(encoding="utf-8")))
    if args.out.exists():
        kept: dict[str, dict[str, Any]] = json.loads(args.out.read_text(encoding="utf-8"))
        for model, sets in figures.items():
            kept.setdefault(model, {}).update(sets)
        figures = kept
    args.out.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"written: {args.out} ({len(figures)} models)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
