"""A recognizer cascade: PP-OCR tiny reads every crop, small reads again where tiny is unsure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..types import Crop, Recognition
from .ppocr_ctc import PPOCRCTCRecognizer, held_to

DEFAULT_CONFIDENCE = 0.9


class CascadeRecognizer:
    """Reads with `fast`, and again with `strong` the crops where fast's least sure character
    is below `confidence`; min_score holds the reading kept, whichever network gave it."""

    def __init__(
        self,
        fast: PPOCRCTCRecognizer,
        strong: PPOCRCTCRecognizer,
        *,
        confidence: float = DEFAULT_CONFIDENCE,
        min_score: float = 0.0,
    ) -> None:
        self.fast = fast
        self.strong = strong
        self.confidence = confidence
        self.min_score = min_score

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CascadeRecognizer:
        """Tiny and small on the same parameters (batch size, alphabet), so both networks'
        output layers are cut to the same characters."""
        shared = dict(params)
        confidence = float(shared.pop("confidence", DEFAULT_CONFIDENCE))
        min_score = float(shared.pop("min_score", 0.0))
        return cls(
            PPOCRCTCRecognizer.from_params(shared, variant="tiny"),
            PPOCRCTCRecognizer.from_params(shared, variant="small"),
            confidence=confidence,
            min_score=min_score,
        )

    def unsure(self, least: float) -> bool:
        """Whether a crop whose least sure character has probability `least` is read again.
        At 1 every crop is: a probability can round to exactly 1.0 (float32 on the CPU, and
        sooner float16 on a GPU), and 1 should mean 'as small reads'."""
        return self.confidence >= 1.0 or least < self.confidence

    def recognize(self, crops: Sequence[Crop]) -> list[Recognition]:
        first = self.fast.read(crops)
        found = [reading for reading, _ in first]
        again = [i for i, (_, least) in enumerate(first) if self.unsure(least)]
        if again:
            # One call over all the unsure crops of the batch, so small still batches them
            # by width across pages.
            second = self.strong.read([crops[i] for i in again])
            for index, (reading, _) in zip(again, second, strict=True):
                found[index] = reading
        return [held_to(reading, self.min_score) for reading in found]
