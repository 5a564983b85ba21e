"""Video text as tracks: one caption seen on several frames in a row is one piece of text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .geometry import bounds
from .metrics import edit_distance
from .types import Region

# OCR of the same caption varies a little from frame to frame: allow this many edits per char.
MAX_EDIT_RATE = 0.1
# Same place: bounding boxes overlapping at least this much (intersection over union).
MIN_IOU = 0.3


@dataclass(frozen=True)
class Track:
    """A text and where it was seen: members are (page_position, region_position) pairs."""

    text: str
    first_ms: int | None
    last_ms: int | None
    page_position: int
    region_position: int
    members: tuple[tuple[int, int], ...]


@dataclass
class _Open:
    key: str
    box: tuple[float, float, float, float]
    head: tuple[int, int]
    text: str
    first_ms: int | None
    last_ms: int | None
    members: list[tuple[int, int]]


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _same_text(a: str, b: str) -> bool:
    if a == b:
        return True
    longest = max(len(a), len(b))
    # Cheap length test first: the edit distance is at least the difference in length.
    if abs(len(a) - len(b)) > MAX_EDIT_RATE * longest:
        return False
    return edit_distance(a, b) <= MAX_EDIT_RATE * longest


def merge_tracks(pages: Sequence[tuple[int | None, Sequence[Region]]]) -> list[Track]:
    """Join the same text at the same place on consecutive pages into tracks, ordered by head.

    pages holds (timecode_ms, regions) per page in order. Empty texts make no track.
    """
    done: list[_Open] = []
    active: list[_Open] = []  # tracks seen on the previous page
    for page_position, (timecode, regions) in enumerate(pages):
        still: list[_Open] = []
        for region_position, region in enumerate(regions):
            key = _key(region.text)
            if not key:
                continue
            box = bounds(region.polygon)
            candidates = [
                (_iou(box, track.box), i)
                for i, track in enumerate(active)
                if _same_text(key, track.key)
            ]
            candidates = [(iou, i) for iou, i in candidates if iou >= MIN_IOU]
            if candidates:
                _, best = max(candidates)
                track = active.pop(best)  # one occurrence per track and page
                track.box, track.last_ms = box, timecode
                track.members.append((page_position, region_position))
            else:
                track = _Open(
                    key=key,
                    box=box,
                    head=(page_position, region_position),
                    text=region.text,
                    first_ms=timecode,
                    last_ms=timecode,
                    members=[(page_position, region_position)],
                )
            still.append(track)
        done.extend(active)  # not seen on this page: those tracks have ended
        active = still
    done.extend(active)
    done.sort(key=lambda track: track.head)
    return [
        Track(
            text=track.text,
            first_ms=track.first_ms,
            last_ms=track.last_ms,
            page_position=track.head[0],
            region_position=track.head[1],
            members=tuple(track.members),
        )
        for track in done
    ]
