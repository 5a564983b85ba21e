"""Character and word error rates for measuring OCR quality."""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Sequence
from typing import Protocol

from rapidfuzz.distance import Levenshtein

from .geometry import bounds
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


# A box joins the row being built while its vertical centre is within this share of the page's
# median box height from the row's centre.
ROW_TOLERANCE = 0.5


def geometric_rows(boxes: Sequence[TextBox]) -> list[list[int]]:
    """Indices of the boxes with text in geometric reading order: rows top to bottom, each
    left to right.

    The protocol of BASELINES.md. It is deliberately naive (no columns): any layout analysis
    here would favour the systems whose boxes it was tuned on. Word boxes and line boxes of the
    same text come out alike, which the XY-cut of reading_order.py did not do (FUNSD's word
    truth scored 0.70 there against 0.05 here for the same reading).
    """
    placed = [(bounds(box.polygon), i) for i, box in enumerate(boxes) if box.text.strip()]
    if not placed:
        return []
    tolerance = ROW_TOLERANCE * statistics.median(b[3] - b[1] for b, _ in placed)
    placed.sort(key=lambda item: (item[0][1] + item[0][3]) / 2)
    rows: list[list[tuple[tuple[float, float, float, float], int]]] = []
    centre = 0.0
    for box, index in placed:
        middle = (box[1] + box[3]) / 2
        if rows and abs(middle - centre) <= tolerance:
            rows[-1].append((box, index))
            centre = statistics.fmean((b[1] + b[3]) / 2 for b, _ in rows[-1])
        else:
            rows.append([(box, index)])
            centre = middle
    return [[index for _, index in sorted(row, key=lambda item: item[0][0])] for row in rows]


def geometric_text(boxes: Sequence[TextBox]) -> str:
    """The boxes' texts in geometric reading order (geometric_rows), one row a line."""
    return "\n".join(" ".join(boxes[index].text for index in row) for row in geometric_rows(boxes))


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
