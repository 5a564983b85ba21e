"""How good a network is on pages it never trained on: detection at IoU 0.5, and CER.

Both pool counts over all pages (matched boxes, character edits), so a page with many regions
weighs more than a page with few, as the benchmark's figures do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from ocr.bench.scoring import (
    IOU_THRESHOLD,
    f_score,
    match_boxes,
    polygon_area,
    polygon_intersection,
)
from ocr.engine.metrics import char_errors
from ocr.engine.types import Polygon


@dataclass(frozen=True)
class DetectionScore:
    matched: int
    predicted: int
    truth: int

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.truth if self.truth else 0.0

    @property
    def hmean(self) -> float:
        return f_score(self.precision, self.recall)

    def __add__(self, other: DetectionScore) -> DetectionScore:
        return DetectionScore(
            self.matched + other.matched,
            self.predicted + other.predicted,
            self.truth + other.truth,
        )

    def metrics(self) -> dict[str, float | int]:
        """The figures the API and the benchmark show."""
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "hmean": round(self.hmean, 4),
            "matched": self.matched,
            "predicted": self.predicted,
            "truth": self.truth,
        }


def score_detection(
    predicted: Sequence[Polygon],
    truth: Sequence[Polygon],
    threshold: float = IOU_THRESHOLD,
    dont_care: Sequence[Polygon] = (),
) -> DetectionScore:
    """One page: boxes matched one to one at IoU >= threshold (best pairs first). A box lying
    mostly (over half its area) in a `dont_care` region (one the truth marks as neither text
    nor background: a check box, a logo) counts neither way, as in the ICDAR protocol."""
    if dont_care:
        predicted = [p for p in predicted if not _mostly_inside(p, dont_care)]
    return DetectionScore(match_boxes(predicted, truth, threshold), len(predicted), len(truth))


def _mostly_inside(polygon: Polygon, regions: Sequence[Polygon]) -> bool:
    area = polygon_area(polygon)
    return area > 0 and any(polygon_intersection(polygon, r) > 0.5 * area for r in regions)


def pooled_detection(scores: Iterable[DetectionScore]) -> DetectionScore:
    total = DetectionScore(0, 0, 0)
    for score in scores:
        total = total + score
    return total


@dataclass(frozen=True)
class TextScore:
    """Character edits against a reference length, pooled over lines or pages."""

    errors: int
    chars: int

    @property
    def cer(self) -> float:
        return self.errors / self.chars if self.chars else 0.0

    def __add__(self, other: TextScore) -> TextScore:
        return TextScore(self.errors + other.errors, self.chars + other.chars)

    def metrics(self) -> dict[str, float | int]:
        return {"cer": round(self.cer, 4), **asdict(self)}


def score_texts(pairs: Iterable[tuple[str, str]], *, ignore_case: bool = True) -> TextScore:
    """Pooled CER of (reference, hypothesis) pairs; case-insensitive by default, as
    BASELINES.md compares."""
    total = TextScore(0, 0)
    for reference, hypothesis in pairs:
        errors, length = char_errors(reference, hypothesis, ignore_case=ignore_case)
        total = total + TextScore(errors, length)
    return total
