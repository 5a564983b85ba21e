"""Accuracy figures for one page and their pooled totals over a set.

Text is compared with the protocol of BASELINES.md: case-insensitive, whitespace runs as one
space, the system's regions and the ground truth's lines (or words) both put in the same
geometric reading order first. Where the truth is only a page's text, ours is read in geometric
order, or in the truth's zone order when it gives zones. Rates over a set are pooled (total
edits / total reference length), so a long page weighs more than a short one, as in the
baselines.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pyclipper

from ocr.engine.alphabets import outside
from ocr.engine.metrics import (
    char_errors,
    geometric_rows,
    geometric_text,
    normalise,
    word_errors,
)
from ocr.engine.types import Polygon, Region

from .datasets import TruthBox, TruthPage

IOU_THRESHOLD = 0.5
_CLIPPER_SCALE = 4.0  # pyclipper works in integers; quarter pixels keep small boxes exact enough


def _clipper_path(polygon: Polygon) -> list[tuple[int, int]]:
    return [(round(x * _CLIPPER_SCALE), round(y * _CLIPPER_SCALE)) for x, y in polygon]


def _clip(subject: Polygon, clip: Polygon | None, operation: int) -> float:
    clipper = pyclipper.Pyclipper()
    try:
        clipper.AddPath(_clipper_path(subject), pyclipper.PT_SUBJECT, True)
        if clip is not None:
            clipper.AddPath(_clipper_path(clip), pyclipper.PT_CLIP, True)
    except pyclipper.ClipperException:  # fewer than three distinct points: no area
        return 0.0
    paths = clipper.Execute(operation, pyclipper.PFT_NONZERO, pyclipper.PFT_NONZERO)
    # Holes come back wound the other way, so the signed sum is the covered area.
    return abs(sum(pyclipper.Area(path) for path in paths)) / _CLIPPER_SCALE**2


def polygon_area(polygon: Polygon) -> float:
    """Area covered, counting a self-crossing outline (hand-drawn ground truth) once."""
    return _clip(polygon, None, pyclipper.CT_UNION)


def polygon_intersection(a: Polygon, b: Polygon) -> float:
    """Area the two polygons share."""
    return _clip(a, b, pyclipper.CT_INTERSECTION)


def polygon_iou(a: Polygon, b: Polygon) -> float:
    """Intersection over union of two polygons."""
    inter = polygon_intersection(a, b)
    if inter <= 0:
        return 0.0
    union = polygon_area(a) + polygon_area(b) - inter
    return inter / union if union > 0 else 0.0


def _bounds(polygons: Sequence[Polygon]) -> np.ndarray:
    boxes = np.zeros((len(polygons), 4))
    for row, polygon in enumerate(polygons):
        points = np.asarray(polygon, dtype=np.float64)
        boxes[row] = (*points.min(axis=0), *points.max(axis=0))
    return boxes


def match_boxes(
    predicted: Sequence[Polygon], truth: Sequence[Polygon], threshold: float = IOU_THRESHOLD
) -> int:
    """How many pairs match one to one with IoU >= threshold, best pairs first."""
    if not predicted or not truth:
        return 0
    a, b = _bounds(predicted), _bounds(truth)
    # Exact polygon IoU only where the bounding boxes meet: pages have hundreds of each.
    meet = (
        (a[:, None, 0] < b[None, :, 2])
        & (b[None, :, 0] < a[:, None, 2])
        & (a[:, None, 1] < b[None, :, 3])
        & (b[None, :, 1] < a[:, None, 3])
    )
    pairs = []
    for i, j in zip(*np.nonzero(meet), strict=True):
        iou = polygon_iou(predicted[i], truth[j])
        if iou >= threshold:
            pairs.append((iou, int(i), int(j)))
    used_p: set[int] = set()
    used_t: set[int] = set()
    for _, i, j in sorted(pairs, reverse=True):
        if i not in used_p and j not in used_t:
            used_p.add(i)
            used_t.add(j)
    return len(used_p)


def bag_of_words(reference: str, hypothesis: str) -> tuple[int, int, int]:
    """Words found (as a multiset, case-insensitive), words read, words in the reference."""
    ref = Counter(normalise(reference, ignore_case=True).split())
    hyp = Counter(normalise(hypothesis, ignore_case=True).split())
    return sum((ref & hyp).values()), sum(hyp.values()), sum(ref.values())


def f_score(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def zone_text(regions: Sequence[Region], zones: Sequence[Polygon]) -> str:
    """Our text in the truth's zone order: each region goes to the zone holding most of it and
    each zone is read in geometric order. Regions in no zone are left out, as the truth leaves
    out their text."""
    by_zone: list[list[Region]] = [[] for _ in zones]
    for region in regions:
        area = polygon_area(region.polygon)
        shares = [_clip(region.polygon, zone, pyclipper.CT_INTERSECTION) for zone in zones]
        best = max(range(len(zones)), key=shares.__getitem__, default=-1)
        if best >= 0 and area > 0 and shares[best] >= 0.5 * area:
            by_zone[best].append(region)
    return "\n".join(geometric_text(zone) for zone in by_zone)


def anchored_text(regions: Sequence[Region], truth: Sequence[TruthBox]) -> str:
    """Our text in the truth's geometric order: each region takes the place of the truth box
    its bounding box overlaps most (the nearest one if it overlaps none); regions at one place
    are read left to right.

    Both sides in their own row order (geometric_text) is the literal protocol, but on a page
    whose columns' lines do not line up, whether a left and a right line fall in one row turns
    on a few pixels of box height. Two systems running the same models scored 331 and 261
    errors that way on a two-column fondue page and 79 and 86 here; 267 and 396 against 25 and
    23 on tracemonkey p8. One order for every system, the truth's, makes the rate measure
    reading, the aim of Clausner, Pletschacher and Antonacopoulos's flexible character
    accuracy (Pattern Recognition Letters, 2020). A line read across two columns still costs
    its misplaced half.
    """
    order = [index for row in geometric_rows(truth) for index in row]
    if not order:
        return geometric_text(regions)
    targets = _bounds([truth[i].polygon for i in order])  # row k of targets has place k
    centres = (targets[:, :2] + targets[:, 2:]) / 2
    read = [region for region in regions if region.text.strip()]
    placed: list[tuple[int, float, str]] = []
    for region, box in zip(read, _bounds([r.polygon for r in read]), strict=True):
        width = np.minimum(targets[:, 2], box[2]) - np.maximum(targets[:, 0], box[0])
        height = np.minimum(targets[:, 3], box[3]) - np.maximum(targets[:, 1], box[1])
        overlap = np.clip(width, 0, None) * np.clip(height, 0, None)
        if overlap.max() > 0:
            place = int(overlap.argmax())
        else:
            place = int(((centres - (box[:2] + box[2:]) / 2) ** 2).sum(axis=1).argmin())
        placed.append((place, float(box[0]), region.text))
    placed.sort(key=lambda item: item[:2])
    return " ".join(text for _, _, text in placed)


def order_pairs(regions: Sequence[Region], truth: Sequence[TruthBox]) -> tuple[int, int, int]:
    """(pairs in the same order, pairs read one right after the other, pairs counted) over
    consecutive ground-truth lines.

    The truth's lines in the truth's own order (its reading order); each is matched with the
    system's region its bounding box overlaps most (at least half of the truth line's area),
    and a consecutive pair of matched lines counts as in order when the system gives the
    second line's region no earlier than the first's (one region holding both is in order),
    and as adjacent when the second's region comes right after the first's (or is the same).
    "Right after" is counted among the regions that hold some truth line, so a speck read
    between them costs nothing. In order is the issue's measure; adjacent is the stricter one
    that also sees two columns read row by row (each column's lines still come later and
    later there, only interleaved).
    Regions are taken in the order the system returned them.
    """
    if not truth or not regions:
        return 0, 0, 0
    boxes = _bounds([r.polygon for r in regions])
    places: list[int | None] = []
    for line in _bounds([t.polygon for t in truth]):
        width = np.minimum(boxes[:, 2], line[2]) - np.maximum(boxes[:, 0], line[0])
        height = np.minimum(boxes[:, 3], line[3]) - np.maximum(boxes[:, 1], line[1])
        overlap = np.clip(width, 0, None) * np.clip(height, 0, None)
        area = max((line[2] - line[0]) * (line[3] - line[1]), 1e-9)
        best = int(overlap.argmax())
        places.append(best if overlap[best] >= 0.5 * area else None)
    held = sorted({place for place in places if place is not None})
    rank = {place: position for position, place in enumerate(held)}
    agree = adjacent = counted = 0
    for first, second in zip(places[:-1], places[1:], strict=True):
        if first is None or second is None:
            continue
        counted += 1
        agree += first <= second
        adjacent += 0 <= rank[second] - rank[first] <= 1
    return agree, adjacent, counted


@dataclass(frozen=True)
class PageScore:
    """Raw counts for one page, so totals over a set can be pooled."""

    name: str
    chars: int
    char_errors: int  # our text in the truth's order (anchored_text) where it has boxes
    row_char_errors: int  # both sides in their own row order (geometric_text), as BASELINES.md
    words: int
    word_errors: int
    bow_found: int
    bow_read: int
    bow_reference: int
    boxes_matched: int | None  # None: the truth has no polygons to compare with
    boxes_predicted: int
    boxes_truth: int
    seconds: float | None  # reading time; None when the page failed
    error: str | None = None
    # Consecutive truth-line pairs the system reads in the same order, of those it found
    # (order_pairs); zero pairs where the truth has no lines.
    order_agree: int = 0
    order_pairs: int = 0
    order_adjacent: int = 0
    cpu_seconds: float | None = None  # CPU time of the reading, all threads of its process
    # Lines holding characters outside the Latin alphabet (the ready workflows' default), and
    # those characters, each once.
    foreign_lines: int = 0
    foreign: str = ""

    @property
    def cer(self) -> float:
        return self.char_errors / max(self.chars, 1)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "cer": round(self.cer, 5)}


def score_page(
    truth: TruthPage,
    regions: Sequence[Region],
    seconds: float | None,
    image_size: tuple[int, int] | None = None,
    error: str | None = None,
    cpu: float | None = None,
) -> PageScore:
    """Score what a system read on one page; a failed page counts as one that read nothing."""
    if image_size and truth.width and truth.height and image_size != (truth.width, truth.height):
        # The truth's coordinates refer to its own width and height: bring ours there.
        sx, sy = truth.width / image_size[0], truth.height / image_size[1]
        regions = [
            Region(
                polygon=tuple((x * sx, y * sy) for x, y in r.polygon),
                text=r.text,
                score=r.score,
                detection_score=r.detection_score,
            )
            for r in regions
        ]
    rows = zone_text(regions, truth.zones) if truth.zones else geometric_text(regions)
    hypothesis = anchored_text(regions, truth.boxes) if truth.boxes else rows
    edits, chars = char_errors(truth.text, hypothesis, ignore_case=True)
    row_edits = char_errors(truth.text, rows, ignore_case=True)[0]
    word_edits, words = word_errors(truth.text, hypothesis, ignore_case=True)
    found, read, reference = bag_of_words(truth.text, hypothesis)
    matched = (
        match_boxes([r.polygon for r in regions], [b.polygon for b in truth.boxes])
        if truth.boxes
        else None
    )
    agree, adjacent, pairs = (
        order_pairs(regions, truth.in_reading_order())
        if truth.granularity == "lines"
        else (0, 0, 0)
    )
    return PageScore(
        name=truth.name,
        chars=chars,
        char_errors=edits,
        row_char_errors=row_edits,
        words=words,
        word_errors=word_edits,
        bow_found=found,
        bow_read=read,
        bow_reference=reference,
        boxes_matched=matched,
        boxes_predicted=len(regions),
        boxes_truth=len(truth.boxes),
        seconds=seconds,
        error=error,
        order_agree=agree,
        order_pairs=pairs,
        order_adjacent=adjacent,
        cpu_seconds=cpu,
        foreign_lines=sum(bool(outside("latin", r.text)) for r in regions),
        foreign=outside("latin", "".join(r.text for r in regions)),
    )


@dataclass(frozen=True)
class Summary:
    """One system on one set."""

    pages: int
    failed: int
    cer: float
    cer_rows: float  # the literal protocol of BASELINES.md: each side in its own row order
    wer: float
    bow_f1: float
    det_precision: float | None  # None when no page of the set has polygons
    det_recall: float | None
    det_f1: float | None
    pages_per_second: float | None  # None when no page was read
    median_seconds: float | None
    peak_mib: float | None  # None when the child process died before reporting it
    # Share of consecutive truth-line pairs read in the same order (order_pairs); None when the
    # set has no line truth.
    reading_order: float | None = None
    reading_order_adjacent: float | None = None  # the stricter share (order_pairs)
    cpu_seconds_per_page: float | None = None  # mean CPU time per page, all threads

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 5) if isinstance(v, float) else v for k, v in asdict(self).items()}


def summarise(scores: Sequence[PageScore], peak_mib: float | None) -> Summary:
    """Pooled figures over a set's pages."""
    chars = sum(s.chars for s in scores)
    words = sum(s.words for s in scores)
    found = sum(s.bow_found for s in scores)
    read = sum(s.bow_read for s in scores)
    reference = sum(s.bow_reference for s in scores)
    with_boxes = [s for s in scores if s.boxes_matched is not None]
    precision = recall = det_f1 = None
    if with_boxes:
        matched = sum(s.boxes_matched or 0 for s in with_boxes)
        precision = matched / max(sum(s.boxes_predicted for s in with_boxes), 1)
        recall = matched / max(sum(s.boxes_truth for s in with_boxes), 1)
        det_f1 = f_score(precision, recall)
    times = [s.seconds for s in scores if s.seconds is not None]
    pairs = sum(s.order_pairs for s in scores)
    cpus = [s.cpu_seconds for s in scores if s.cpu_seconds is not None]
    return Summary(
        pages=len(scores),
        failed=sum(s.error is not None for s in scores),
        cer=sum(s.char_errors for s in scores) / max(chars, 1),
        cer_rows=sum(s.row_char_errors for s in scores) / max(chars, 1),
        wer=sum(s.word_errors for s in scores) / max(words, 1),
        bow_f1=f_score(found / max(read, 1), found / max(reference, 1)),
        det_precision=precision,
        det_recall=recall,
        det_f1=det_f1,
        pages_per_second=len(times) / sum(times) if times and sum(times) > 0 else None,
        median_seconds=statistics.median(times) if times else None,
        peak_mib=peak_mib,
        reading_order=sum(s.order_agree for s in scores) / pairs if pairs else None,
        reading_order_adjacent=sum(s.order_adjacent for s in scores) / pairs if pairs else None,
        cpu_seconds_per_page=statistics.fmean(cpus) if cpus else None,
    )
