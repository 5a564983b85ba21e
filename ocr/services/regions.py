"""Writes of regions: what people correct on a page, and a new reading laid under it.

Every change of a page's regions takes the page's row lock first (`_locked_page`), people's
edits and a worker's new reading alike, so they apply one after the other: an edit saved while
the page is read again is either seen by the merge (and kept) or made on the merged regions.
Each change of a region is a compare-and-set on its version: a stale one raises
VersionConflict with the region as it is now.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import cv2
import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ocr.engine.overlay import COVERED, Previous, covered, match_unchanged, overlay
from ocr.engine.types import Polygon
from ocr.engine.types import Region as EngineRegion
from ocr.models import DeletedRegion, Page, Region, RegionChange, Run

# A person's text is what it is: no confidence below certainty.
PERSON_SCORE = 1.0


class VersionConflict(Exception):
    def __init__(self, region: Region) -> None:
        super().__init__("The region was changed by someone else.")
        self.region = region


class RegionGone(Exception):
    """The region was deleted, merged away or replaced by a new reading meanwhile."""


class CorrectionError(ValueError):
    """A change that cannot be made as asked (the message says why); `field` is at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def as_polygon(points: Any) -> Polygon:
    return tuple((float(x), float(y)) for x, y in points)


@contextmanager
def _locked_page(page_id: int) -> Iterator[Page]:
    with transaction.atomic():
        yield Page.objects.select_for_update().get(pk=page_id)


def _current(region: Region, version: int) -> Region:
    """The region's row as it is now, checked against the version the change started from."""
    row = Region.objects.filter(pk=region.pk).select_related("page").first()
    if row is None:
        raise RegionGone(region.pk)
    if row.version != version:
        raise VersionConflict(row)
    return row


def _ordered(page: Page) -> list[Region]:
    return list(Region.objects.filter(page=page).order_by("order", "pk"))


def _renumber(rows: list[Region]) -> None:
    """Orders 0..n-1 in the given sequence; only rows whose order changes are written."""
    changed = []
    for position, row in enumerate(rows):
        if row.order != position:
            row.order = position
            changed.append(row)
    Region.objects.bulk_update(changed, ["order"])


def _record(row: Region, action: str, user: AbstractBaseUser | None) -> None:
    RegionChange.objects.create(
        region=row,
        version=row.version,
        action=action,
        text=row.text,
        polygon=row.polygon,
        order=row.order,
        user=user if user is not None and user.is_authenticated else None,
    )


def _remember_reading(row: Region) -> None:
    """Before a machine region's first correction, keep the version its run read."""
    if not row.edited and not row.changes.exists():
        _record(row, RegionChange.Action.READ, None)


def _mark(row: Region, user: AbstractBaseUser | None) -> None:
    row.edited = True
    row.corrected_by = user if user is not None and user.is_authenticated else None
    row.corrected_at = timezone.now()
    row.version += 1


def _check_polygon(polygon: Polygon, page: Page) -> Polygon:
    if len(polygon) < 3:
        raise CorrectionError("polygon", "A polygon needs at least three points.")
    points = [(min(max(x, 0.0), page.width), min(max(y, 0.0), page.height)) for x, y in polygon]
    clipped = as_polygon(points)
    xs, ys = [x for x, _ in clipped], [y for _, y in clipped]
    if max(xs) - min(xs) < 1 or max(ys) - min(ys) < 1:
        raise CorrectionError("polygon", "The polygon must cover part of the page.")
    return clipped


def _stored(polygon: Polygon) -> list[list[float]]:
    return [[round(x, 1), round(y, 1)] for x, y in polygon]


# People's changes ----------------------------------------------------------------------------


def edit_region(
    region: Region,
    version: int,
    *,
    user: AbstractBaseUser | None = None,
    text: str | None = None,
    polygon: Polygon | None = None,
    order: int | None = None,
) -> Region:
    """Change a region's text, shape or place in the reading order (`order`: its new 0-based
    position on the page). Sending the text unchanged confirms it: it becomes a correction."""
    with _locked_page(region.page_id) as page:
        row = _current(region, version)
        _remember_reading(row)
        if text is not None and text != row.text:
            row.words = None  # the recognizer's word boxes spelled the old text
        if text is not None:
            row.text = text
        if polygon is not None:
            row.polygon = _stored(_check_polygon(polygon, page))
            row.words = None
        _mark(row, user)
        row.save()
        if order is not None:
            rows = [r for r in _ordered(page) if r.pk != row.pk]
            rows.insert(min(max(order, 0), len(rows)), row)
            _renumber(rows)
        _record(row, RegionChange.Action.EDIT, user)
    return row


def draw_region(
    page: Page,
    polygon: Polygon,
    *,
    user: AbstractBaseUser | None = None,
    text: str,
    score: float = PERSON_SCORE,
    after: Region | None = None,
) -> Region:
    """A region a person drew. It goes after `after`, or where its place on the page puts it
    among the others; tombstones it covers are lifted (the person wants text there again)."""
    with _locked_page(page.pk) as locked:
        shape = _check_polygon(polygon, locked)
        rows = _ordered(locked)
        if after is not None:
            if after.page_id != locked.pk or all(r.pk != after.pk for r in rows):
                raise CorrectionError("after", "That region is not on this page.")
            at = next(i for i, r in enumerate(rows) if r.pk == after.pk) + 1
        else:
            at = _place_on_page(shape, rows)
        row = Region(
            run=None,
            page=locked,
            order=0,
            polygon=_stored(shape),
            text=text,
            score=score,
            detection_score=PERSON_SCORE,
            source=Region.Source.PERSON,
            version=1,
        )
        _mark(row, user)
        row.version = 1
        row.save()
        rows.insert(at, row)
        _renumber(rows)
        lifted = [
            d.pk
            for d in DeletedRegion.objects.filter(page=locked)
            if covered(as_polygon(d.polygon), shape) > COVERED
        ]
        DeletedRegion.objects.filter(pk__in=lifted).delete()
        _record(row, RegionChange.Action.DRAW, user)
    return row


def _place_on_page(shape: Polygon, rows: Sequence[Region]) -> int:
    """Before the first region that starts below this one's middle, or on its row to its
    right: a sensible place in a page's reading order, which the person can still change."""
    xs, ys = [x for x, _ in shape], [y for _, y in shape]
    middle, left = (min(ys) + max(ys)) / 2, min(xs)
    for position, row in enumerate(rows):
        top = min(y for _, y in row.polygon)
        bottom = max(y for _, y in row.polygon)
        row_left = min(x for x, _ in row.polygon)
        if top > middle or (top <= middle <= bottom and row_left > left):
            return position
    return len(rows)


def delete_region(region: Region, version: int, *, user: AbstractBaseUser | None = None) -> None:
    """Delete a region; one a run read stays deleted when the page is read again."""
    with _locked_page(region.page_id) as page:
        row = _current(region, version)
        if row.source != Region.Source.PERSON:
            DeletedRegion.objects.create(
                page=page,
                polygon=row.polygon,
                text=row.text,
                user=user if user is not None and user.is_authenticated else None,
            )
        row.delete()
        _renumber(_ordered(page))


def split_region(
    region: Region, version: int, at: int, *, user: AbstractBaseUser | None = None
) -> tuple[Region, Region]:
    """Split a line in two at a character of its text: the first part keeps the region, the
    second is a new region right after it, each with its share of the line's length."""
    with _locked_page(region.page_id) as page:
        row = _current(region, version)
        if not 0 < at < len(row.text):
            raise CorrectionError("at", "Split inside the text: at least one character each side.")
        first, second = _split_polygon(as_polygon(row.polygon), at / len(row.text))
        _remember_reading(row)
        head, tail = row.text[:at].rstrip(), row.text[at:].lstrip()
        rows = _ordered(page)
        row.text, row.polygon = head, _stored(first)
        _mark(row, user)
        row.save()
        new = Region(
            run=row.run,
            page=page,
            order=row.order,
            polygon=_stored(second),
            text=tail,
            score=row.score,
            detection_score=row.detection_score,
            source=row.source,
            edited=True,
            corrected_by=row.corrected_by,
            corrected_at=row.corrected_at,
        )
        new.save()
        position = next(i for i, r in enumerate(rows) if r.pk == row.pk)
        rows.insert(position + 1, new)
        _renumber(rows)
        _record(row, RegionChange.Action.SPLIT, user)
        _record(new, RegionChange.Action.SPLIT, user)
    return row, new


def _split_polygon(polygon: Polygon, fraction: float) -> tuple[Polygon, Polygon]:
    """The polygon's minimum-area rectangle cut across its long side at `fraction`, from the
    end where the text starts (its left, or its top for a vertical line)."""
    from ocr.engine.cropper import quadrilateral

    tl, tr, br, bl = quadrilateral(polygon).astype(np.float64)
    if np.linalg.norm(tr - tl) >= np.linalg.norm(bl - tl):
        top_cut, bottom_cut = tl + (tr - tl) * fraction, bl + (br - bl) * fraction
        return _quad(tl, top_cut, bottom_cut, bl), _quad(top_cut, tr, br, bottom_cut)
    left_cut, right_cut = tl + (bl - tl) * fraction, tr + (br - tr) * fraction
    return _quad(tl, tr, right_cut, left_cut), _quad(left_cut, right_cut, br, bl)


def _quad(*points: np.ndarray) -> Polygon:
    return tuple((float(p[0]), float(p[1])) for p in points)


def merge_regions(
    region: Region,
    version: int,
    other: Region,
    other_version: int,
    *,
    user: AbstractBaseUser | None = None,
) -> Region:
    """Merge two regions of a page into the one earlier in the reading order: texts joined
    with a space, the shape the hull of both; the later region is removed."""
    if other.pk == region.pk:
        raise CorrectionError("with", "Merge a region with another one.")
    if other.page_id != region.page_id:
        raise CorrectionError("with", "Both regions must be on the same page.")
    with _locked_page(region.page_id) as page:
        first = _current(region, version)
        second = _current(other, other_version)
        if (second.order, second.pk) < (first.order, first.pk):
            first, second = second, first
        _remember_reading(first)
        points = np.asarray([*first.polygon, *second.polygon], dtype=np.float32)
        hull = cv2.convexHull(points).reshape(-1, 2)
        first.text = " ".join(t for t in (first.text.strip(), second.text.strip()) if t)
        first.polygon = _stored(as_polygon(hull.tolist()))
        first.score = min(first.score, second.score)
        _mark(first, user)
        first.save()
        second.delete()
        _renumber(_ordered(page))
        first.refresh_from_db()
        _record(first, RegionChange.Action.MERGE, user)
    return first


def set_verified(page: Page, verified: bool, *, user: AbstractBaseUser | None = None) -> Page:
    Page.objects.filter(pk=page.pk).update(
        verified=verified,
        verified_by=user if verified and user is not None and user.is_authenticated else None,
        verified_at=timezone.now() if verified else None,
    )
    page.refresh_from_db()
    return page


def count_corrections(item_id: int) -> int:
    """The corrections of an input that a new run keeps: changed or drawn regions and
    deleted ones."""
    edited = Region.objects.filter(page__input_id=item_id, edited=True).count()
    return edited + DeletedRegion.objects.filter(page__input_id=item_id).count()


# A new machine reading of a page ---------------------------------------------------------------


def lay_reading(page: Page, run: Run, regions: Sequence[EngineRegion], source: str) -> None:
    """Make a run's reading the page's regions, keeping every correction (ocr/engine/overlay.py).

    Machine regions read again in nearly the same place keep their row (id, and version when
    their text is the same), so a page read twice (a redelivered task, a worker that died)
    leaves the same regions and a person's open edit of one still applies. Call inside a
    transaction that holds the page's lock (`Page.objects.select_for_update()`).
    """
    rows = _ordered(page)
    new_shapes = [region.polygon for region in regions]
    previous = [Previous(key=r.pk, polygon=as_polygon(r.polygon), corrected=r.edited) for r in rows]
    deleted = [as_polygon(d.polygon) for d in DeletedRegion.objects.filter(page=page)]
    placed = overlay(new_shapes, previous, deleted)

    machine = [r for r in rows if not r.edited]
    kept_new = [p.new for p in placed if p.new is not None]
    matches = match_unchanged(
        [new_shapes[i] for i in kept_new], [as_polygon(r.polygon) for r in machine]
    )
    reused = {kept_new[i]: machine[j] for i, j in matches.items()}
    reused_ids = {r.pk for r in reused.values()}
    Region.objects.filter(pk__in=[r.pk for r in machine if r.pk not in reused_ids]).delete()

    by_id = {r.pk: r for r in rows}
    updates: list[Region] = []
    creations: list[Region] = []
    for position, item in enumerate(placed):
        if item.new is None:
            row = by_id[int(str(item.kept))]
            if row.order != position:
                row.order = position
                updates.append(row)
            continue
        fresh = regions[item.new].to_dict()
        existing = reused.get(item.new)
        if existing is None:
            creations.append(
                Region(
                    run=run,
                    page=page,
                    order=position,
                    polygon=fresh["polygon"],
                    text=fresh["text"],
                    score=fresh["score"],
                    detection_score=fresh["detection_score"],
                    words=fresh["words"] or None,
                    source=source,
                )
            )
            continue
        if existing.text != fresh["text"]:  # what a person's open edit started from changed
            existing.version += 1
        existing.run, existing.order, existing.source = run, position, source
        existing.polygon, existing.text = fresh["polygon"], fresh["text"]
        existing.score, existing.detection_score = fresh["score"], fresh["detection_score"]
        existing.words = fresh["words"] or None
        updates.append(existing)
    fields = [
        "run",
        "order",
        "polygon",
        "text",
        "score",
        "detection_score",
        "words",
        "source",
        "version",
    ]
    Region.objects.bulk_update(updates, fields, batch_size=500)
    Region.objects.bulk_create(creations, batch_size=500)
