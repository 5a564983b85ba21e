"""Ground-truth sets in the `gt.jsonl` format of the shared development data.

One JSON object a page, paths relative to the set's folder, pixel coordinates with the origin
top-left. A page carries `lines` (text + polygon), `words` (text + polygon), a whole-page `text`,
or several of them; a page with only `text` may add `zones` (polygons whose text `text` gives,
zone after zone).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ocr.engine.metrics import geometric_text
from ocr.engine.types import Polygon

Granularity = Literal["lines", "words", "page"]

# GeoTopo's PDF maps a few math glyphs to no character; the text layer writes U+FFFD there.
# No reader can output it, so it is masked from the reference rather than counted as an error.
UNMAPPED = "\ufffd"


class DatasetError(ValueError):
    """A dataset folder or one of its gt.jsonl rows cannot be used."""


@dataclass(frozen=True)
class TruthBox:
    """One ground-truth line or word."""

    polygon: Polygon
    text: str


@dataclass(frozen=True)
class TruthPage:
    name: str  # the image path as gt.jsonl gives it, relative to the set's folder
    image: Path
    width: int  # of the image the coordinates refer to (0 when gt.jsonl does not say)
    height: int
    boxes: tuple[TruthBox, ...]  # lines when the page has them, else words, else empty
    granularity: Granularity  # what `boxes` are; "page" when only the whole text is known
    text: str  # the reference a page's CER is measured against
    # Where `text` is the text of zones in a given order (UNLV pages): the zones, in that order.
    zones: tuple[Polygon, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "granularity": self.granularity, "boxes": len(self.boxes)}


@dataclass(frozen=True)
class Dataset:
    name: str
    root: Path
    pages: tuple[TruthPage, ...]
    # Pages whose truth holds no text at all (half of ocrd_gt_structure_text's pages have
    # regions but no transcription): scoring them would count every character read as an
    # error against an empty reference, so they are left out and counted here.
    untranscribed: int = 0

    @property
    def granularity(self) -> str:
        """The truth the detection figures compare against (one word when all pages agree)."""
        kinds = sorted({page.granularity for page in self.pages})
        return "/".join(kinds) if kinds else "none"


def _boxes(items: object, where: str) -> tuple[TruthBox, ...]:
    if not isinstance(items, list):
        raise DatasetError(f"{where}: expected a list of objects with text and polygon")
    boxes = []
    for item in items:
        try:
            polygon = tuple((float(x), float(y)) for x, y in item["polygon"])
            text = str(item["text"])
        except (KeyError, TypeError, ValueError) as exc:
            raise DatasetError(f"{where}: bad text or polygon ({exc!r})") from None
        # FUNSD marks check boxes as words with no text: nothing to read, nothing to find.
        if text.strip() and len(polygon) >= 3:
            boxes.append(TruthBox(polygon=polygon, text=text))
    return tuple(boxes)


def parse_page(row: dict[str, Any], root: Path, where: str) -> TruthPage:
    """One gt.jsonl object as a page; lines are preferred to words, as BASELINES.md measured."""
    image = row.get("image")
    if not isinstance(image, str) or not image:
        raise DatasetError(f"{where}: no image path")
    granularity: Granularity = "page"
    boxes: tuple[TruthBox, ...] = ()
    for key in ("lines", "words"):
        if row.get(key):
            boxes = _boxes(row[key], f"{where}: {key}")
            granularity = "lines" if key == "lines" else "words"
            break
    if boxes:
        text = geometric_text(boxes)
    elif isinstance(row.get("text"), str):
        text = row["text"]
    else:
        raise DatasetError(f"{where}: needs lines, words or text")
    zones: tuple[Polygon, ...] = ()
    if not boxes and isinstance(row.get("zones"), list):
        try:
            zones = tuple(
                tuple((float(x), float(y)) for x, y in zone["polygon"]) for zone in row["zones"]
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DatasetError(f"{where}: bad zones ({exc!r})") from None
    return TruthPage(
        name=image,
        image=root / image,
        width=int(row.get("width") or 0),
        height=int(row.get("height") or 0),
        boxes=boxes,
        granularity=granularity,
        text=text.replace(UNMAPPED, ""),
        zones=zones,
    )


def load_dataset(root: Path, limit: int | None = None) -> Dataset:
    """The first `limit` pages (all when None) of the set in `root`, images checked to exist."""
    gt = root / "gt.jsonl"
    if not gt.is_file():
        raise DatasetError(f"{root}: no gt.jsonl")
    pages: list[TruthPage] = []
    untranscribed = 0
    with gt.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if limit is not None and len(pages) >= limit:
                break
            if not line.strip():
                continue
            where = f"{gt}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{where}: {exc}") from None
            if not isinstance(row, dict):
                raise DatasetError(f"{where}: expected an object")
            page = parse_page(row, root, where)
            if not page.image.is_file():
                raise DatasetError(f"{where}: image {page.image} not found")
            if not page.text.strip():
                untranscribed += 1
                continue
            pages.append(page)
    if not pages:
        raise DatasetError(f"{gt}: no pages with a transcription")
    return Dataset(
        name=root.resolve().name, root=root, pages=tuple(pages), untranscribed=untranscribed
    )
