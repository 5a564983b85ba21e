"""Ground-truth sets in the `gt.jsonl` format of the shared development data.

One JSON object a page, paths relative to the set's folder, pixel coordinates with the origin
top-left. A page carries `lines` (text + polygon), `words` (text + polygon), a whole-page `text`,
or several of them; a page with only `text` may add `zones` (polygons whose text `text` gives,
zone after zone).
"""

from __future__ import annotations

import json
import re
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
    # Indices of `boxes` in the truth's reading order, where it differs from their file order.
    reading_order: tuple[int, ...] | None = None

    def in_reading_order(self) -> tuple[TruthBox, ...]:
        if self.reading_order is None:
            return self.boxes
        return tuple(self.boxes[i] for i in self.reading_order)

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


_REGION_REF = re.compile(r'regionRef="([^"]+)"')
_READING_ORDER = re.compile(r"<(?:\w+:)?ReadingOrder>(.*?)</(?:\w+:)?ReadingOrder>", re.S)


def page_reading_order(
    items: list[Any], boxes: tuple[TruthBox, ...], page_xml: Path
) -> tuple[int, ...] | None:
    """The lines' reading order from a PAGE file: regions in its ReadingOrder, each region's
    lines top to bottom. OCR-D's files list a region's lines in the order they were drawn,
    which now and then is not the order they are read in (bebel_frau_1879_0176 lists its
    second line after its third), so their file order is no reading order."""
    try:
        xml = page_xml.read_text(encoding="utf-8")
    except OSError:
        return None
    found = _READING_ORDER.search(xml)
    if found is None:
        return None
    rank = {ref: i for i, ref in enumerate(_REGION_REF.findall(found.group(1)))}
    regions = [item.get("region") for item in items if str(item.get("text", "")).strip()]
    if len(regions) != len(boxes):
        return None
    return tuple(
        sorted(
            range(len(boxes)),
            key=lambda i: (
                rank.get(regions[i], len(rank)),
                min(y for _, y in boxes[i].polygon),
            ),
        )
    )


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
    reading_order = None
    if granularity == "lines" and isinstance(row.get("page_xml"), str):
        reading_order = page_reading_order(row["lines"], boxes, root / row["page_xml"])
    return TruthPage(
        name=image,
        image=root / image,
        width=int(row.get("width") or 0),
        height=int(row.get("height") or 0),
        boxes=boxes,
        granularity=granularity,
        text=text.replace(UNMAPPED, ""),
        zones=zones,
        reading_order=reading_order,
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
