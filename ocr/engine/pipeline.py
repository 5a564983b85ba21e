"""Running a validated workflow over pages."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from .gallery import ModelSpec, get_model
from .gallery.common import ORIENTATION_PARAM, PICTURES_PARAM
from .page_orientation import PageOrientation, get_page_orientation, polygon_back, turned
from .pictures import pictures
from .protocols import Cropper, Detector, Recognizer
from .reading_order import group_blocks, sort_regions
from .types import Crop, DetectedRegion, PageImage, PageResult, Polygon, Recognition, Region, Word
from .words import place_words
from .workflow import Node, validate_workflow


class Pipeline:
    """Detector -> cropper -> recognizer, with reading order on top."""

    def __init__(
        self,
        detector: Detector,
        cropper: Cropper,
        recognizer: Recognizer,
        nodes: list[Node] | None = None,
        orientation: PageOrientation | None = None,
        drop_pictures: bool = False,
    ) -> None:
        self.detector = detector
        self.cropper = cropper
        self.recognizer = recognizer
        self.nodes = nodes or []
        self.orientation = orientation
        self.drop_pictures = drop_pictures

    @property
    def page_batch(self) -> int:
        """How many pages read_batch should be given at once (the detector's batch)."""
        return int(getattr(self.detector, "page_batch", 1))

    def read_page(self, page: PageImage) -> PageResult:
        return self.read_batch([page])[0]

    def read_batch(self, pages: Sequence[PageImage]) -> list[PageResult]:
        """Pages read together, with the same results as one by one: detection on batches of
        pages (where the detector can), then every page's crops recognized in one pass, in
        width-sorted batches across the pages. A page scanned sideways or upside down is read
        upright (when the workflow turns pages) and its regions put back where they are on the
        page as it came."""
        turns = [self.orientation.quarter_turns(p.pixels) if self.orientation else 0 for p in pages]
        upright = [
            PageImage(pixels=turned(p.pixels, k), index=p.index) if k else p
            for p, k in zip(pages, turns, strict=True)
        ]
        detect_many = getattr(self.detector, "detect_many", None)
        if detect_many is not None:
            detected = detect_many(upright)
        else:
            detected = [self.detector.detect(page) for page in upright]
        crops = [
            self.cropper.crop(page, regions)
            for page, regions in zip(upright, detected, strict=True)
        ]
        recognitions = self.recognizer.recognize([crop for group in crops for crop in group])
        results: list[PageResult] = []
        start = 0
        for page, k, seen, group in zip(pages, turns, upright, crops, strict=True):
            result = _assemble(
                seen, group, recognitions[start : start + len(group)], self.drop_pictures
            )
            results.append(_turned_back(result, page, k) if k else result)
            start += len(group)
        return results

    def read_pages(self, pages: Iterable[PageImage]) -> Iterator[PageResult]:
        """Each page's result in order, read page_batch pages at a time."""
        group: list[PageImage] = []
        for page in pages:
            group.append(page)
            if len(group) >= self.page_batch:
                yield from self.read_batch(group)
                group = []
        if group:
            yield from self.read_batch(group)


def _assemble(
    page: PageImage,
    crops: Sequence[Crop],
    recognitions: Sequence[Recognition],
    drop_pictures: bool = False,
) -> PageResult:
    regions = [
        Region(
            polygon=crop.region.polygon,
            text=rec.text.strip(),
            score=rec.score,
            detection_score=crop.region.score,
            words=place_words(crop, rec.words),
        )
        for crop, rec in zip(crops, recognitions, strict=True)
        if rec.text.strip()
    ]
    if drop_pictures:
        regions = [r for r, picture in zip(regions, pictures(regions), strict=True) if not picture]
    ordered = tuple(sort_regions(regions))
    return PageResult(
        index=page.index,
        width=page.width,
        height=page.height,
        regions=ordered,
        blocks=tuple(group_blocks(ordered)),
    )


def _turned_back(upright: PageResult, page: PageImage, turns: int) -> PageResult:
    """A result read on the page turned `turns` quarters, in the page's own pixels."""

    def back(polygon: Polygon) -> Polygon:
        return polygon_back(polygon, turns, page.width, page.height)

    regions = tuple(
        replace(
            region,
            polygon=back(region.polygon),
            words=tuple(Word(back(w.polygon), w.text, w.score) for w in region.words),
        )
        for region in upright.regions
    )
    return replace(
        upright,
        width=page.width,
        height=page.height,
        regions=regions,
        rotation=90 * turns,
        blocks=tuple(replace(block, polygon=back(block.polygon)) for block in upright.blocks),
    )


def build_pipeline(nodes: list[Node], models: Mapping[str, ModelSpec] | None = None) -> Pipeline:
    """Load the models of an already validated workflow (`models`: beside the gallery)."""
    stages: dict[str, Any] = {}
    orientation = None
    drop_pictures = False
    for node in nodes:
        spec = get_model(node["model"], models)
        # The page classifier runs before any detector, so the pipeline owns it.
        if spec.kind == "detector" and node["params"].get(ORIENTATION_PARAM.name, False):
            orientation = get_page_orientation()
        # The picture rule looks at a page's lines once read (not at regions people drew,
        # which Reader reads), so the pipeline owns it too.
        if spec.kind == "recognizer":
            drop_pictures = bool(node["params"].get(PICTURES_PARAM.name, False))
        stages[spec.kind] = spec.loader(node["params"])
    return Pipeline(
        stages["detector"],
        stages["cropper"],
        stages["recognizer"],
        nodes,
        orientation,
        drop_pictures,
    )


_EXTRA: dict[str, Mapping[str, ModelSpec]] = {}


@functools.lru_cache(maxsize=8)
def _cached_pipeline(key: str) -> Pipeline:
    nodes = json.loads(key)["nodes"]
    return build_pipeline(nodes, _EXTRA.get(key))


def get_pipeline(nodes: object, models: Mapping[str, ModelSpec] | None = None) -> Pipeline:
    """A per-process cached pipeline, so a worker loads each workflow's models once.
    `models` adds models beside the gallery (an app's trained ones); their weight files are
    part of the cache key, so new weights under an old id are never served from the cache."""
    normalised = validate_workflow(nodes, models)
    used = {node["model"] for node in normalised}
    weights = {m: spec.weights for m, spec in (models or {}).items() if m in used}
    key = json.dumps({"nodes": normalised, "weights": weights}, sort_keys=True)
    if weights:
        _EXTRA[key] = {m: spec for m, spec in (models or {}).items() if m in used}
    return _cached_pipeline(key)


class Reader:
    """A workflow's cropper and recognizer without its detector: reads regions people drew."""

    def __init__(self, cropper: Cropper, recognizer: Recognizer) -> None:
        self.cropper = cropper
        self.recognizer = recognizer

    def read(self, page: PageImage, polygons: Sequence[Polygon]) -> list[Recognition]:
        regions = [DetectedRegion(polygon=polygon, score=1.0) for polygon in polygons]
        return self.recognizer.recognize(self.cropper.crop(page, regions))


@functools.lru_cache(maxsize=4)
def _cached_reader(key: str) -> Reader:
    stages: dict[str, Any] = {}
    for node in json.loads(key):
        spec = get_model(node["model"])
        if spec.kind in ("cropper", "recognizer"):
            stages[spec.kind] = spec.loader(node["params"])
    return Reader(stages["cropper"], stages["recognizer"])


def get_reader(nodes: object) -> Reader:
    """A per-process cached reader (cropper and recognizer) of a workflow."""
    normalised = validate_workflow(nodes)
    return _cached_reader(json.dumps(normalised, sort_keys=True))
