"""Laying what people changed on a page over a new machine reading of it.

A page holds the newest run's regions plus corrections (regions a person edited, reshaped,
moved or drew) and tombstones (regions a person deleted). When a run writes the page again, the
new machine regions go through `overlay`:

- a new region mostly covered by a correction or a tombstone is dropped: more than half of its
  area (`COVERED`) lies inside the correction's or the deleted region's polygon. The correction
  takes its place; a deleted region stays deleted.
- every correction is kept and put in the new reading order where the first region it replaced
  was; one that replaced nothing (a line the machine missed) goes right after the region that
  preceded it before: after that correction itself, or after the new region that overlaps the
  old machine predecessor most.

Pure geometry on plain tuples, so the worker and the tests use it without a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyclipper

from .types import Polygon

# Share of a machine region's own area that a correction must cover to take its place.
COVERED = 0.5
_SCALE = 64.0  # pyclipper works on integers: keep a 1/64 pixel


@dataclass(frozen=True)
class Placed:
    """One region of the merged page: `new` is an index into the new machine regions, `kept`
    the key of a correction (exactly one of the two is set)."""

    new: int | None = None
    kept: object = None


@dataclass(frozen=True)
class Previous:
    """A region the page held before the new reading, in its old reading order."""

    key: object
    polygon: Polygon
    corrected: bool


def area(polygon: Sequence[tuple[float, float]]) -> float:
    """Shoelace area; 0 for fewer than three points."""
    if len(polygon) < 3:
        return 0.0
    total = 0.0
    for (x1, y1), (x2, y2) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2.0


def intersection_area(a: Polygon, b: Polygon) -> float:
    if len(a) < 3 or len(b) < 3 or not _boxes_meet(a, b):
        return 0.0
    clipper = pyclipper.Pyclipper()
    try:
        clipper.AddPath(_scaled(a), pyclipper.PT_SUBJECT, True)
        clipper.AddPath(_scaled(b), pyclipper.PT_CLIP, True)
        # Non-zero filling: a self-crossing polygon (a sloppy hand-drawn one) still counts whole.
        parts = clipper.Execute(pyclipper.CT_INTERSECTION, pyclipper.PFT_NONZERO)
    except pyclipper.ClipperException:  # degenerate (all points on a line)
        return 0.0
    return sum(abs(pyclipper.Area(part)) for part in parts) / (_SCALE * _SCALE)


def covered(inner: Polygon, outer: Polygon) -> float:
    """The share of `inner`'s area that lies inside `outer`."""
    own = area(inner)
    return intersection_area(inner, outer) / own if own > 0 else 0.0


def iou(a: Polygon, b: Polygon) -> float:
    common = intersection_area(a, b)
    union = area(a) + area(b) - common
    return common / union if union > 0 else 0.0


def overlay(
    new: Sequence[Polygon],
    previous: Sequence[Previous],
    deleted: Sequence[Polygon] = (),
) -> list[Placed]:
    """The merged page in reading order: new machine regions (by index) and corrections."""
    corrections = [p for p in previous if p.corrected]
    replaced_by: dict[int, list[object]] = {}  # new index -> corrections covering it
    dropped: set[int] = set()
    for index, at in _touching(new, [c.polygon for c in corrections]):
        if covered(new[index], corrections[at].polygon) > COVERED:
            replaced_by.setdefault(index, []).append(corrections[at].key)
            dropped.add(index)
    for index, at in _touching(new, deleted):
        if covered(new[index], deleted[at]) > COVERED:
            dropped.add(index)

    order: list[Placed] = []
    placed: set[object] = set()
    for index in range(len(new)):
        for key in replaced_by.get(index, ()):
            if key not in placed:
                order.append(Placed(kept=key))
                placed.add(key)
        if index not in dropped:
            order.append(Placed(new=index))

    # Corrections that replaced nothing: after whatever preceded them before.
    for position, item in enumerate(previous):
        if not item.corrected or item.key in placed:
            continue
        at = _after_predecessor(order, previous[:position], new)
        order.insert(at, Placed(kept=item.key))
        placed.add(item.key)
    return order


def _after_predecessor(
    order: list[Placed], before: Sequence[Previous], new: Sequence[Polygon]
) -> int:
    for predecessor in reversed(before):
        if predecessor.corrected:
            for at, placed in enumerate(order):
                if placed.kept == predecessor.key:
                    return at + 1
            continue
        best, best_iou = None, 0.0
        for at, placed in enumerate(order):
            if placed.new is not None:
                overlap = iou(new[placed.new], predecessor.polygon)
                if overlap > best_iou:
                    best, best_iou = at, overlap
        if best is not None:
            return best + 1
    return 0


def _touching(a: Sequence[Polygon], b: Sequence[Polygon]) -> list[tuple[int, int]]:
    """Index pairs whose bounding boxes meet: a dense page has hundreds of regions, and the
    exact intersection is only worth computing for these."""
    if not a or not b:
        return []
    boxes_a, boxes_b = _boxes(a), _boxes(b)
    meet = (
        (boxes_a[:, None, 0] < boxes_b[None, :, 2])
        & (boxes_b[None, :, 0] < boxes_a[:, None, 2])
        & (boxes_a[:, None, 1] < boxes_b[None, :, 3])
        & (boxes_b[None, :, 1] < boxes_a[:, None, 3])
    )
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(meet), strict=True)]


def _boxes(polygons: Sequence[Polygon]) -> npt.NDArray[np.float64]:
    return np.array(
        [
            (min(x for x, _ in p), min(y for _, y in p), max(x for x, _ in p), max(y for _, y in p))
            if p
            else (0.0, 0.0, 0.0, 0.0)
            for p in polygons
        ],
        dtype=np.float64,
    )


def _scaled(polygon: Polygon) -> list[tuple[int, int]]:
    return [(round(x * _SCALE), round(y * _SCALE)) for x, y in polygon]


def _boxes_meet(a: Polygon, b: Polygon) -> bool:
    ax = [x for x, _ in a]
    ay = [y for _, y in a]
    bx = [x for x, _ in b]
    by = [y for _, y in b]
    return min(ax) < max(bx) and min(bx) < max(ax) and min(ay) < max(by) and min(by) < max(ay)


def match_unchanged(
    new: Sequence[Polygon], old: Sequence[Polygon], threshold: float = 0.5
) -> dict[int, int]:
    """new index -> old index for machine regions read again in (nearly) the same place, so a
    re-read keeps their ids: greedy by IoU, each old region matched at most once."""
    pairs = []
    for i, j in _touching(new, old):
        overlap = iou(new[i], old[j])
        if overlap >= threshold:
            pairs.append((overlap, i, j))
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for _, i, j in sorted(pairs, reverse=True):
        if i not in matched and j not in taken:
            matched[i] = j
            taken.add(j)
    return matched
