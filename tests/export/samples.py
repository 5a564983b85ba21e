"""Hand-made documents over tests/fixtures/phototest.png, no model needed.

The polygons and texts are what the default workflow read from phototest.png once
(PP-OCRv6 small), rounded; the last region is made up: a rotated line of non-ASCII text
in the empty lower part of the page.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ocr.engine.types import PageResult, Region
from ocr.export import ExportDocument, ExportPage

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PHOTOTEST = FIXTURES / "phototest.png"
WIDTH, HEIGHT = 640, 480

LINES: list[tuple[tuple[tuple[float, float], ...], str, float, float]] = [
    (
        ((33, 86), (584, 87), (584, 124), (33, 123)),
        "This is a lot of 12 point text to test the",
        0.997,
        0.822,
    ),
    (
        ((31, 122), (622, 122), (622, 158), (31, 158)),
        "ocr code and see if it works on all types",
        0.999,
        0.833,
    ),
    (((32, 156), (228, 156), (228, 190), (32, 190)), "of file format.", 0.996, 0.863),
    (
        ((31, 188), (590, 188), (590, 227), (31, 227)),
        "The quick brown dog jumped over the",
        1.0,
        0.83,
    ),
    (
        ((31, 223), (592, 223), (592, 262), (31, 262)),
        "lazy fox. The quick brown dog jumped",
        1.0,
        0.814,
    ),
    (
        ((30, 257), (602, 257), (602, 296), (30, 296)),
        "over the lazy fox. The quick brown dog",
        0.982,
        0.81,
    ),
    (
        ((34.9, 291), (568, 290), (568.1, 329), (35, 330)),
        "jumped over the lazy fox. The quick",
        0.998,
        0.798,
    ),
    (
        ((31, 327), (566, 327), (566, 363), (31, 363)),
        "brown dog jumped over the lazy fox.",
        0.995,
        0.854,
    ),
]
ROTATED = Region(
    polygon=((60.0, 420.0), (400.0, 380.0), (404.0, 414.0), (64.0, 454.0)),
    text="Fuchs über «rapide» café",
    score=0.9,
    detection_score=0.7,
)


def phototest_result(index: int = 0, rotated: bool = True) -> PageResult:
    """The phototest page's lines (plus the rotated non-ASCII line when asked)."""
    regions = [Region(polygon, text, score, det) for polygon, text, score, det in LINES]
    if rotated:
        regions.append(ROTATED)
    return PageResult(index=index, width=WIDTH, height=HEIGHT, regions=tuple(regions))


def page(index: int = 0, rotated: bool = True, **kwargs: object) -> ExportPage:
    """An ExportPage of phototest.png."""
    return ExportPage(result=phototest_result(index, rotated), image_path=PHOTOTEST, **kwargs)  # type: ignore[arg-type]


def one_page(**kwargs: object) -> ExportDocument:
    """A one-page document."""
    return ExportDocument(name="phototest.png", pages=[page(**kwargs)])


def two_pages() -> ExportDocument:
    """Two pages: the second has database ids and no rotated line."""
    second = page(1, rotated=False)
    second = replace(second, region_ids=tuple(range(101, 101 + len(LINES))))
    return ExportDocument(name="scan.pdf", pages=[page(0), second])


def with_text(document: ExportDocument, position: int, text: str) -> ExportDocument:
    """The document with region `position` of its first page edited."""
    first = document.pages[0]
    regions = list(first.result.regions)
    regions[position] = replace(regions[position], text=text)
    edited = replace(first, result=replace(first.result, regions=tuple(regions)))
    return replace(document, pages=[edited, *document.pages[1:]])
