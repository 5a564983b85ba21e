"""Running a validated workflow over pages."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .gallery import get_model
from .protocols import Cropper, Detector, Recognizer
from .reading_order import sort_regions
from .types import Crop, DetectedRegion, PageImage, PageResult, Polygon, Recognition, Region
from .workflow import Node, validate_workflow


class Pipeline:
    """Detector -> cropper -> recognizer, with reading order on top."""

    def __init__(
        self,
        detector: Detector,
        cropper: Cropper,
        recognizer: Recognizer,
        nodes: list[Node] | None = None,
    ) -> None:
        self.detector = detector
        self.cropper = cropper
        self.recognizer = recognizer
        self.nodes = nodes or []

    @property
    def page_batch(self) -> int:
        """How many pages read_batch should be given at once (the detector's batch)."""
        return int(getattr(self.detector, "page_batch", 1))

    def read_page(self, page: PageImage) -> PageResult:
        return self.read_batch([page])[0]

    def read_batch(self, pages: Sequence[PageImage]) -> list[PageResult]:
        """Pages read together, with the same results as one by one: detection on batches of
        pages (where the detector can), then every page's crops recognized in one pass, in
        width-sorted batches across the pages."""
        detect_many = getattr(self.detector, "detect_many", None)
        if detect_many is not None:
            detected = detect_many(pages)
        else:
            detected = [self.detector.detect(page) for page in pages]
        crops = [
            self.cropper.crop(page, regions) for page, regions in zip(pages, detected, strict=True)
        ]
        recognitions = self.recognizer.recognize([crop for group in crops for crop in group])
        results: list[PageResult] = []
        start = 0
        for page, group in zip(pages, crops, strict=True):
            results.append(_assemble(page, group, recognitions[start : start + len(group)]))
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
    page: PageImage, crops: Sequence[Crop], recognitions: Sequence[Recognition]
) -> PageResult:
    regions = [
        Region(
            polygon=crop.region.polygon,
            text=rec.text.strip(),
            score=rec.score,
            detection_score=crop.region.score,
        )
        for crop, rec in zip(crops, recognitions, strict=True)
        if rec.text.strip()
    ]
    return PageResult(
        index=page.index,
        width=page.width,
        height=page.height,
        regions=tuple(sort_regions(regions)),
    )


def build_pipeline(nodes: list[Node]) -> Pipeline:
    """Load the models of an already validated workflow."""
    stages: dict[str, Any] = {}
    for node in nodes:
        spec = get_model(node["model"])
        stages[spec.kind] = spec.loader(node["params"])
    return Pipeline(stages["detector"], stages["cropper"], stages["recognizer"], nodes)


@functools.lru_cache(maxsize=8)
def _cached_pipeline(key: str) -> Pipeline:
    return build_pipeline(json.loads(key))


def get_pipeline(nodes: object) -> Pipeline:
    """A per-process cached pipeline, so a worker loads each workflow's models once."""
    normalised = validate_workflow(nodes)
    return _cached_pipeline(json.dumps(normalised, sort_keys=True))


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
