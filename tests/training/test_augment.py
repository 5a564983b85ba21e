"""Augmentation: repeatable from a seed, and the truth still matches the pixels."""

from __future__ import annotations

import cv2
import numpy as np

from ocr.training.augment import augment_line, photometric, random_page_view


def _line() -> np.ndarray:
    pixels = np.full((40, 300, 3), 235, dtype=np.uint8)
    cv2.putText(pixels, "Testament", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (30, 30, 30), 2)
    return pixels


def test_it_repeats_itself_from_the_same_seed() -> None:
    first = augment_line(_line(), np.random.default_rng(7))
    again = augment_line(_line(), np.random.default_rng(7))
    other = augment_line(_line(), np.random.default_rng(8))
    assert np.array_equal(first, again)
    assert not (first.shape == other.shape and np.array_equal(first, other))


def test_it_keeps_a_line_a_line() -> None:
    rng = np.random.default_rng(0)
    for _ in range(30):
        out = augment_line(_line(), rng)
        assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3
        assert 30 <= out.shape[0] <= 52 and out.shape[1] > 200
        assert out.min() < 128  # the ink survived


def test_it_changes_paper_and_ink_but_not_the_size() -> None:
    page = _line()
    out = photometric(page, np.random.default_rng(3))
    assert out.shape == page.shape


def test_it_moves_the_outlines_with_the_page() -> None:
    page = np.full((400, 600, 3), 255, dtype=np.uint8)
    box = ((200.0, 150.0), (400.0, 150.0), (400.0, 200.0), (200.0, 200.0))
    page[150:200, 200:400] = 0
    rng = np.random.default_rng(1)
    for _ in range(10):
        view, (moved,) = random_page_view(page, [box], 256, rng, max_degrees=5.0)
        assert view.shape == (256, 256, 3)
        mask = np.zeros((256, 256), dtype=np.uint8)
        cv2.fillPoly(mask, [np.asarray(moved).round().astype(np.int32)], 1)
        inner = cv2.erode(mask, np.ones((5, 5), np.uint8)).astype(bool)
        if inner.any():  # the box is in the window: dark inside its moved outline
            assert view[inner].mean() < 40
