"""Character and word error rates for measuring OCR quality."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from rapidfuzz.distance import Levenshtein


def _normalise(text: str, ignore_case: bool) -> str:
    text = " ".join(text.split())
    return text.casefold() if ignore_case else text


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


def cer(reference: str, hypothesis: str, *, ignore_case: bool = False) -> float:
    """Character error rate: edits / reference length, whitespace runs counted as one space."""
    ref, hyp = _normalise(reference, ignore_case), _normalise(hypothesis, ignore_case)
    return _rate(edit_distance(ref, hyp), len(ref), len(hyp))


def wer(reference: str, hypothesis: str, *, ignore_case: bool = False) -> float:
    """Word error rate: word edits / reference word count."""
    ref = _normalise(reference, ignore_case).split()
    hyp = _normalise(hypothesis, ignore_case).split()
    return _rate(edit_distance(ref, hyp), len(ref), len(hyp))
