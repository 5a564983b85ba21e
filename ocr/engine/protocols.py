"""What each kind of model adapter must offer; the pipeline only talks to these."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .types import Crop, DetectedRegion, PageImage, Recognition


class Detector(Protocol):
    def detect(self, page: PageImage) -> list[DetectedRegion]:
        """Text regions of the page, as polygons in page pixels."""
        ...


class Cropper(Protocol):
    def crop(self, page: PageImage, regions: Sequence[DetectedRegion]) -> list[Crop]:
        """One straightened image per region, in the same order."""
        ...


class Recognizer(Protocol):
    def recognize(self, crops: Sequence[Crop]) -> list[Recognition]:
        """One recognition per crop, in the same order."""
        ...
