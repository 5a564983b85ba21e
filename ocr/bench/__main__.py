"""`python -m ocr.bench DATASET_DIR... [--workflow ID]... [--baselines rapidocr,tesseract|none]
[--limit N] [--out DIR] [--warmup/--no-warmup]`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ocr.engine.errors import EngineError
from ocr.engine.runtime import thread_count

from .datasets import DatasetError, load_dataset
from .report import SetResult, machine, to_json, to_markdown
from .runner import run_systems
from .systems import BASELINES, WORKFLOW_PREFIX
from .workflows import bench_workflow, known_workflows

USAGE_ERROR = 2


def _default_out() -> Path:
    return Path(os.environ.get("LEGIBLE_VAR_DIR") or "var") / "bench"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ocr.bench",
        description="Measure Legible's workflows and two baselines on sets with ground truth.",
    )
    parser.add_argument("datasets", nargs="+", type=Path, metavar="DATASET_DIR")
    parser.add_argument(
        "--workflow",
        action="append",
        help="ready workflow id, or a variant the benchmark names (workflows.py), repeatable "
        f"(default: default; known now: {', '.join(known_workflows())})",
    )
    parser.add_argument(
        "--baselines",
        default=",".join(BASELINES),
        help="comma-separated baselines to run beside them, or none (default: %(default)s)",
    )
    parser.add_argument("--limit", type=int, help="only the first N pages of each set")
    parser.add_argument("--out", type=Path, help="folder for results.md and results.json")
    parser.add_argument(
        "--warmup",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="read each set's first page once, untimed, before timing (default: on)",
    )
    return parser


def _baselines(value: str) -> list[str]:
    if value.strip().lower() == "none":
        return []
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in BASELINES]
    if unknown:
        raise ValueError(f"unknown baseline(s) {', '.join(unknown)}; known: {', '.join(BASELINES)}")
    return list(dict.fromkeys(names))


def _write(out: Path, start: dict[str, object], results: Sequence[SetResult], warmup: bool) -> str:
    """results.md and results.json for the sets measured so far; the markdown."""
    header = {**start, "load_average_end": [round(v, 2) for v in os.getloadavg()]}
    markdown = to_markdown(header, results, warmup)
    (out / "results.md").write_text(markdown, encoding="utf-8")
    data = to_json(header, results, warmup)
    (out / "results.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return markdown


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when every system read every page, 1 when some failed, 2 for bad
    arguments."""
    args = _parser().parse_args(argv)
    if args.limit is not None and args.limit < 1:
        print("error: --limit must be at least 1", file=sys.stderr)
        return USAGE_ERROR
    workflows = list(dict.fromkeys(args.workflow or ["default"]))
    try:
        for workflow in workflows:
            bench_workflow(workflow)  # reject a typo before any model loads
        baselines = _baselines(args.baselines)
        datasets = [load_dataset(root, args.limit) for root in args.datasets]
        threads = thread_count()
    except (EngineError, DatasetError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    systems = [WORKFLOW_PREFIX + workflow for workflow in workflows] + baselines

    start_header = machine(threads)
    out = args.out or _default_out()
    out.mkdir(parents=True, exist_ok=True)
    results: list[SetResult] = []
    for dataset in datasets:
        print(
            f"{dataset.name}: {', '.join(systems)} in turns on {len(dataset.pages)} pages",
            file=sys.stderr,
        )
        runs = run_systems(systems, dataset, warmup=args.warmup)
        results.append(SetResult(dataset=dataset, runs=tuple(runs)))
        # Written after every set, so a long run that is stopped keeps what it measured.
        _write(out, start_header, results, args.warmup)

    print(_write(out, start_header, results, args.warmup))
    print(f"written: {out / 'results.md'}, {out / 'results.json'}", file=sys.stderr)
    failed = any(
        run.error or any(score.error for score in run.scores)
        for result in results
        for run in result.runs
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
