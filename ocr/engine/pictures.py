"""Pictures read as text: a picture, a logo, a flag or a bar of a chart that the recognizer
reads as a character or two it is unsure of.

A recognizer always says something about a crop it is given; on a picture that is a short
string (the alphabet keeps it Latin: '2', 'V', 'N') with a confidence that `min_score` alone
cannot tell from real short text: a snake drawn on google-doc p1 reads as '2' at 0.50, a real
'x' ticked on a FUNSD form at 0.60. What tells them apart is the crop's size beside the page's
own lines of text. A line is taken for a picture when it reads as at most two characters
below MAX_SCORE and its crop is either
- taller than MIN_HEIGHT_IN_LINES of the page's text lines (no letter is: a picture, a logo,
  a stamp), or
- wider than MIN_WIDTH_PER_CHARACTER times its height for each character read and lower than
  the page's text lines (an icon or a chart's bar: a line of text the recognizer failed on is
  as high as the page's other lines, and is kept for a person to correct).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from .cropper import crop_size
from .types import Region

# Chosen on the dev sets (`python -m ocr.bench.pictures`, README "Measured"): among the short
# unsure reads of real text there, single characters were at most 1.15 times as wide as high
# (an 'x' ticked on a form), handwritten lines read as one or two characters were 0.99-1.36
# times the page's line height, and printed words reached 2.06 of it (a heading on a form).
MAX_CHARACTERS = 2  # longer strings are taken for text, however unsure
MAX_SCORE = 0.75  # mean character confidence (PP-OCR CTC) below which a short read is unsure
MIN_HEIGHT_IN_LINES = 3.0
MIN_WIDTH_PER_CHARACTER = 2.0
MAX_WIDE_HEIGHT_IN_LINES = 0.9  # "lower than the page's text lines", with a margin
TEXT_LINE_CHARACTERS = 3  # lines of at least this many characters set the page's line height


def looks_like_picture(
    text: str, score: float, width: float, height: float, line_height: float
) -> bool:
    """Whether a line read as `text` with mean confidence `score` in a crop of `width` x
    `height` (along its text and across it) is a picture rather than text, on a page whose
    text lines are `line_height` high (0: the page has none to compare with, and nothing is
    taken for a picture)."""
    characters = sum(1 for char in text if not char.isspace())
    if characters == 0 or characters > MAX_CHARACTERS or score >= MAX_SCORE or line_height <= 0:
        return False
    if height >= MIN_HEIGHT_IN_LINES * line_height:
        return True
    wide = width >= MIN_WIDTH_PER_CHARACTER * characters * height
    return wide and height < MAX_WIDE_HEIGHT_IN_LINES * line_height


def line_height(regions: Sequence[Region]) -> float:
    """The median crop height of a page's text lines (0 when it has none)."""
    heights = [
        crop_size(region.polygon)[1]
        for region in regions
        if sum(not char.isspace() for char in region.text) >= TEXT_LINE_CHARACTERS
    ]
    return float(statistics.median(heights)) if heights else 0.0


def pictures(regions: Sequence[Region]) -> list[bool]:
    """For each region read on a page, whether it looks like a picture."""
    height = line_height(regions)
    return [
        looks_like_picture(region.text, region.score, *crop_size(region.polygon), height)
        for region in regions
    ]
