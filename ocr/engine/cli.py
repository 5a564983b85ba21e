"""Command line: `python -m ocr.engine IMAGE... [--workflow ID] [--json]`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .errors import EngineError
from .images import load_image
from .pipeline import get_pipeline
from .workflow import READY_WORKFLOWS, resolve_workflow

USAGE_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ocr.engine", description="Read the text of page images."
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files to read")
    parser.add_argument(
        "--workflow",
        default="default",
        help=f"ready workflow id (one of: {', '.join(sorted(READY_WORKFLOWS))})",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON result per image (JSON Lines)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (2 for bad arguments or unreadable images)."""
    args = _parser().parse_args(argv)
    try:
        nodes = resolve_workflow(args.workflow)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR

    status = 0
    for number, path in enumerate(args.images):
        try:
            page = load_image(path)
        except EngineError as exc:
            print(f"error: {path}: {exc}", file=sys.stderr)
            status = USAGE_ERROR
            continue
        # Loaded after the first readable image, so a typo'd path fails without a model load.
        result = get_pipeline(nodes).read_page(page)
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            if len(args.images) > 1:
                print(f"{'' if number == 0 else chr(10)}==> {path} <==")
            print(result.text)
    return status
