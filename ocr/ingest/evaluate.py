"""Measure the PDF text layer against a dataset's ground truth.

    python -m ocr.ingest.evaluate DATASET_DIR [--dpi 200] [--render]

DATASET_DIR holds gt.jsonl (one object per page: pdf, page (1-based), dpi, text, lines with
polygons) and the PDFs it names. For each page: CER of the text layer's lines joined with newlines
against the ground-truth text (poppler's reading order); the BASELINES.md protocol, where our
lines and the ground truth's lines are both put in the same geometric reading order before
comparing; and our lines put in the ground truth's line order (matched by box overlap). The last
two separate reading from reading order. --render also times rendering at --dpi.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ocr.engine.geometry import bounds
from ocr.engine.metrics import edit_distance, geometric_text, normalise
from ocr.engine.types import Region

from .limits import Limits
from .options import Options
from .pdf import iter_pdf_pages


@dataclass(frozen=True)
class PageScore:
    name: str
    reference_chars: int
    errors: int
    errors_geometric: int
    errors_in_gt_order: int
    boxes_matched: float  # share of our lines whose box overlaps a ground-truth line box

    @property
    def cer(self) -> float:
        return self.errors / max(self.reference_chars, 1)

    @property
    def cer_geometric(self) -> float:
        return self.errors_geometric / max(self.reference_chars, 1)

    @property
    def cer_in_gt_order(self) -> float:
        return self.errors_in_gt_order / max(self.reference_chars, 1)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over the smaller box: ground-truth lines sometimes span two of ours."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return width * height / max(smaller, 1e-6)


def _in_gt_order(regions: Sequence[Region], gt_lines: list[dict], scale: float) -> list[Region]:
    gt_boxes = [bounds(line["polygon"]) for line in gt_lines]
    keyed = []
    for position, region in enumerate(regions):
        box = tuple(v * scale for v in bounds(region.polygon))
        overlaps = [_overlap(box, gt) for gt in gt_boxes]
        best = max(range(len(overlaps)), key=overlaps.__getitem__, default=-1)
        # Unmatched lines keep their place relative to the previous matched one.
        rank = best if best >= 0 and overlaps[best] > 0 else (keyed[-1][0] if keyed else -1)
        keyed.append((rank, position, region))
    return [region for _, _, region in sorted(keyed, key=lambda item: item[:2])]


def _geometric_errors(regions: Sequence[Region], gt_lines: list[dict], scale: float) -> int:
    """Both sides in the same geometric reading order, as the baselines were measured."""
    truth = [
        Region(
            polygon=tuple((x / scale, y / scale) for x, y in line["polygon"]),
            text=line["text"],
            score=1.0,
            detection_score=1.0,
        )
        for line in gt_lines
    ]
    return edit_distance(normalise(geometric_text(truth)), normalise(geometric_text(regions)))


def _errors(reference: str, lines: Sequence[Region]) -> int:
    hypothesis = "\n".join(region.text for region in lines)
    return edit_distance(normalise(reference), normalise(hypothesis))


def evaluate(dataset: Path, dpi: int) -> list[PageScore]:
    """Score every ground-truth page; the text layer is taken from a rendering at dpi."""
    rows = [json.loads(line) for line in (dataset / "gt.jsonl").read_text().splitlines() if line]
    by_pdf: dict[str, dict[int, dict]] = {}
    for row in rows:
        by_pdf.setdefault(row["pdf"], {})[row["page"]] = row
    scores = []
    options = Options(pdf_dpi=dpi, text_layer=True)
    for pdf, pages in by_pdf.items():
        for page in iter_pdf_pages(dataset / pdf, Limits(), options):
            row = pages.get(page.image.index + 1)
            if row is None:
                continue
            regions = page.text_layer.regions if page.text_layer else ()
            scale = row["dpi"] / dpi
            ordered = _in_gt_order(regions, row["lines"], scale)
            gt_boxes = [bounds(line["polygon"]) for line in row["lines"]]
            matched = sum(
                any(
                    _overlap(tuple(v * scale for v in bounds(r.polygon)), gt) > 0.5
                    for gt in gt_boxes
                )
                for r in regions
            )
            scores.append(
                PageScore(
                    name=f"{Path(pdf).stem} p{row['page']}",
                    reference_chars=len(normalise(row["text"])),
                    errors=_errors(row["text"], regions),
                    errors_geometric=_geometric_errors(regions, row["lines"], scale),
                    errors_in_gt_order=_errors(row["text"], ordered),
                    boxes_matched=matched / max(len(regions), 1),
                )
            )
    return scores


def render_speed(dataset: Path, dpi: int) -> tuple[int, float]:
    """Pages rendered and seconds taken, over every PDF in the dataset, text layer off."""
    pages, started = 0, time.perf_counter()
    for pdf in sorted((dataset / "pdfs").glob("*.pdf")):
        for _ in iter_pdf_pages(pdf, Limits(), Options(pdf_dpi=dpi)):
            pages += 1
    return pages, time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--render", action="store_true", help="also time rendering at --dpi")
    args = parser.parse_args(argv)
    scores = evaluate(args.dataset, args.dpi)
    for score in scores:
        print(
            f"{score.name:32} chars {score.reference_chars:5}  CER {score.cer:7.2%}  "
            f"geometric {score.cer_geometric:7.2%}  in GT order {score.cer_in_gt_order:7.2%}  "
            f"boxes matched {score.boxes_matched:6.1%}"
        )
    chars = sum(s.reference_chars for s in scores)
    print(
        f"overall ({len(scores)} pages): CER {sum(s.errors for s in scores) / chars:.2%}, "
        f"geometric order {sum(s.errors_geometric for s in scores) / chars:.2%}, "
        f"in GT order {sum(s.errors_in_gt_order for s in scores) / chars:.2%}"
    )
    for score in sorted(scores, key=lambda s: s.cer_geometric, reverse=True)[:3]:
        print(f"worst (geometric order): {score.name} {score.cer_geometric:.2%}")
    if args.render:
        pages, seconds = render_speed(args.dataset, args.dpi)
        print(
            f"rendering at {args.dpi} dpi: {pages} pages in {seconds:.1f} s, "
            f"{pages / seconds:.1f} pages/s"
        )


if __name__ == "__main__":
    main()
