"""Character and word error rates for measuring OCR quality."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Protocol

from rapidfuzz.distance import Levenshtein

from .reading_order import sort_regions
from .types import Polygon


class TextBox(Protocol):
    """Anything with a polygon and its text: our regions, ground-truth lines or words."""

    @property
    def polygon(self) -> Polygon: ...

    @property
    def text(self) -> str: ...


def normalise(text: str, ignore_case: bool = False) -> str:
    """The text as every rate here compares it: whitespace runs as one space, case folded
    when asked."""
    text = " ".join(text.split())
    return text.casefold() if ignore_case else text


def geometric_text(boxes: Sequence[TextBox]) -> str:
    """The boxes' texts in geometric reading order, one a line.

    The protocol of BASELINES.md: a system's regions and the ground truth's lines (or words)
    both go through this before comparing, so a CER measures reading, not each side's order.
    """
    return "\n".join(box.text for box in sort_regions(boxes) if box.text)


def edit_distance(reference: Sequence[Hashable], hypothesis: Sequence[Hashable]) -> int:
    """Levenshtein distance (insertions, deletions and substitutions all cost 1).

    rapidfuzz's C++ implementation: whole pages of several thousand characters are compared in
    milliseconds, where a Python double loop takes seconds each.
    """
    return int(Levenshtein.distance(reference, hypothesis))


def _rate(errors: int, length: int, hypothesis_length: int) -> float:
    if length == 0:
        # Nothing to read: any output at all is entirely wrong.
        return 0.0 if hypothesis_length == 0 else 1.0
    return errors / length


def char_errors(reference: str, hypothesis: str, *, ignore_case: bool = False) -> tuple[int, int]:
    """Character edits and reference length behind cer(), to pool a rate over many pages."""
    ref, hyp = normalise(reference, ignore_case), normalise(hypothesis, ignore_case)
    return edit_distance(ref, hyp), len(ref)


def word_errors(reference: str, hypothesis: str, *, ignore_case: bool = False) -> tuple[int, int]:
    """Word edits and reference word count behind wer()."""
    ref = normalise(reference, ignore_case).split()
    hyp = normalise(hypothesis, ignore_case).split()
    return edit_distance(ref, hyp), len(ref)


def cer(reference: str, hypothesis: str, *, ignore_case: bool = False) -> float:
    """Character error rate: edits / reference length, whitespace runs counted as one space."""
    errors, length = char_errors(reference, hypothesis, ignore_case=ignore_case)
    return _rate(errors, length, len(normalise(hypothesis, ignore_case)))


def wer(reference: str, hypothesis: str, *, ignore_case: bool = False) -> float:
    """Word error rate: word edits / reference word count."""
    errors, length = word_errors(reference, hypothesis, ignore_case=ignore_case)
    return _rate(errors, length, len(normalise(hypothesis, ignore_case).split()))
