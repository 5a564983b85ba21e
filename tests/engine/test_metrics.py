from __future__ import annotations

import pytest

from ocr.engine.metrics import cer, edit_distance, wer


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("", "", 0), ("abc", "", 3), ("", "abc", 3), ("kitten", "sitting", 3), ("abc", "abc", 0)],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance


def test_cer_counts_edits_over_reference_length() -> None:
    assert cer("abcd", "abcd") == 0.0
    assert cer("abcd", "abxd") == pytest.approx(0.25)
    assert cer("abcd", "abcdef") == pytest.approx(0.5)
    assert cer("ab", "") == 1.0


def test_cer_collapses_whitespace_and_strips() -> None:
    assert cer("one two\nthree", "  one   two three\n") == 0.0
    assert cer("a b", "ab") == pytest.approx(1 / 3)


def test_cer_case() -> None:
    assert cer("Hello", "hello") == pytest.approx(0.2)
    assert cer("Hello", "hello", ignore_case=True) == 0.0


def test_empty_reference() -> None:
    assert cer("", "") == 0.0
    assert cer("  ", "x") == 1.0
    assert wer("", "") == 0.0


def test_wer() -> None:
    assert wer("the quick brown fox", "the quick brown fox") == 0.0
    assert wer("the quick brown fox", "the quack brown fox") == pytest.approx(0.25)
    assert wer("the quick brown fox", "the brown fox") == pytest.approx(0.25)
    assert wer("The Fox", "the fox", ignore_case=True) == 0.0
