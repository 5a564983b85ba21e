"""`python -m ocr.bench.pictures DATASET_DIR... [--workflow ID] [--limit N] [--save FILE]`,
or `--replay FILE`: what the workflow's picture rule (ocr/engine/pictures.py) leaves out,
checked against the truth.

Each page is read with the rule off; every line the rule leaves out is listed with the truth
lines (or words) it lies on. One that lies on truth with text is a true line lost, which
should not happen; one on no truth is a picture (or other ink nobody transcribed) gone.
`--save` keeps every short line read (all the rule can ever take) with the truth it lies on,
so that `--replay` measures a changed rule on the same readings without reading pages again.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from ocr.engine.cropper import crop_size
from ocr.engine.errors import EngineError
from ocr.engine.gallery.common import PICTURES_PARAM
from ocr.engine.images import load_image
from ocr.engine.pictures import line_height, looks_like_picture
from ocr.engine.pipeline import build_pipeline
from ocr.engine.types import Polygon, Region

from .datasets import DatasetError, TruthPage, load_dataset
from .scoring import polygon_area, polygon_intersection
from .workflows import bench_workflow

USAGE_ERROR = 2
# A line lies on a truth line or word when this share of its area is inside it.
ON_TRUTH = 0.25
# Lines of more characters than this are never saved: no rule worth having takes them.
SAVED_CHARACTERS = 4


@dataclass(frozen=True)
class Line:
    """A short line read on a page, its crop's size and the truth texts it lies on."""

    dataset: str
    page: str
    text: str
    score: float
    width: int
    height: int
    line_height: float  # the page's (ocr.engine.pictures.line_height)
    on_truth: tuple[str, ...]

    @property
    def picture(self) -> bool:
        return looks_like_picture(self.text, self.score, self.width, self.height, self.line_height)

    def row(self) -> str:
        truth = " / ".join(repr(text) for text in self.on_truth) or "none"
        return (
            f"| {self.page} | {self.text!r} | {self.score:.2f} | {self.width} x {self.height} "
            f"| {self.line_height:.0f} | {truth} |"
        )


@dataclass(frozen=True)
class SetCount:
    """A set's pages, lines read and whether its truth has boxes to check removals against."""

    dataset: str
    pages: int
    lines: int
    boxes: bool


def on_truth(polygon: Polygon, page: TruthPage) -> tuple[str, ...]:
    """The texts of the truth boxes that hold at least ON_TRUTH of the polygon's area."""
    area = polygon_area(polygon)
    if area <= 0:
        return ()
    return tuple(
        box.text
        for box in page.boxes
        if box.text.strip() and polygon_intersection(polygon, box.polygon) >= ON_TRUTH * area
    )


def short(region: Region) -> bool:
    return 0 < sum(not char.isspace() for char in region.text) <= SAVED_CHARACTERS


def read_set(root: Path, workflow: str, limit: int | None) -> tuple[SetCount, list[Line]]:
    """The set's pages read by the workflow with the rule off: its count and short lines."""
    dataset = load_dataset(root, limit)
    nodes = bench_workflow(workflow)
    for node in nodes:
        if PICTURES_PARAM.name in node["params"]:
            node["params"][PICTURES_PARAM.name] = False
    pipeline = build_pipeline(nodes)
    lines: list[Line] = []
    read = 0
    for page in dataset.pages:
        result = pipeline.read_page(load_image(str(page.image)))
        # The truth's coordinates refer to its own width and height.
        sx = page.width / result.width if page.width else 1.0
        sy = page.height / result.height if page.height else 1.0
        read += len(result.regions)
        page_lines = line_height(result.regions)
        for region in filter(short, result.regions):
            polygon = tuple((x * sx, y * sy) for x, y in region.polygon)
            width, height = crop_size(region.polygon)
            lines.append(
                Line(
                    dataset.name,
                    page.name,
                    region.text,
                    round(region.score, 4),
                    width,
                    height,
                    page_lines,
                    on_truth(polygon, page),
                )
            )
    count = SetCount(dataset.name, len(dataset.pages), read, all(p.boxes for p in dataset.pages))
    return count, lines


def report(count: SetCount, lines: Sequence[Line]) -> str:
    removed = [line for line in lines if line.picture]
    lost = [line for line in removed if line.on_truth]
    out = [
        f"## {count.dataset} ({count.pages} pages)",
        "",
        f"lines read {count.lines}, left out by the rule {len(removed)}, of them on truth "
        f"with text (true lines lost) {len(lost)}"
        + ("" if count.boxes else " (pages without truth boxes: not checked)"),
    ]
    if removed:
        out += [
            "",
            "| page | text | score | crop (w x h) | page's line height | truth it lies on |",
            "| --- | --- | --- | --- | --- | --- |",
            *(line.row() for line in removed),
        ]
    return "\n".join(out)


def save(path: Path, count: SetCount, lines: Sequence[Line]) -> None:
    """Add a set's count and short lines to the file (so a stopped run keeps its sets)."""
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"set": asdict(count)}, ensure_ascii=False) + "\n")
        for line in lines:
            out.write(json.dumps({"line": asdict(line)}, ensure_ascii=False) + "\n")


def replay(path: Path) -> Iterator[tuple[SetCount, list[Line]]]:
    counts: list[SetCount] = []
    lines: list[Line] = []
    with path.open(encoding="utf-8") as saved:
        for row in map(json.loads, saved):
            if "set" in row:
                counts.append(SetCount(**row["set"]))
            else:
                fields = row["line"]
                lines.append(Line(**{**fields, "on_truth": tuple(fields["on_truth"])}))
    for count in counts:
        yield count, [line for line in lines if line.dataset == count.dataset]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ocr.bench.pictures",
        description="List what a workflow's picture rule leaves out, checked against the truth.",
    )
    parser.add_argument("datasets", nargs="*", type=Path, metavar="DATASET_DIR")
    parser.add_argument("--workflow", default="default", help="(default: %(default)s)")
    parser.add_argument("--limit", type=int, help="only the first N pages of each set")
    parser.add_argument("--save", type=Path, help="keep the short lines read in this file")
    parser.add_argument("--replay", type=Path, help="measure the rule on lines --save kept")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if bool(args.datasets) == bool(args.replay):
        print("error: give data set folders or --replay FILE", file=sys.stderr)
        return USAGE_ERROR
    try:
        bench_workflow(args.workflow)
        if args.replay:
            sets: Iterator[tuple[SetCount, list[Line]]] = replay(args.replay)
        else:
            for root in args.datasets:
                load_dataset(root, args.limit)  # a bad folder fails before any reading
            sets = (read_set(root, args.workflow, args.limit) for root in args.datasets)
        if args.save:
            args.save.write_text("")
        removed: list[Line] = []
        for count, lines in sets:
            if args.save:
                save(args.save, count, lines)
            print(report(count, lines) + "\n", flush=True)
            removed += [line for line in lines if line.picture]
    except (EngineError, DatasetError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    lost = sum(bool(line.on_truth) for line in removed)
    print(f"all sets: left out {len(removed)}, true lines lost {lost}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
