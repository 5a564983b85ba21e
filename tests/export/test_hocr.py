"""hOCR: parses as HTML, every line has a bbox inside its page."""

from __future__ import annotations

import re

from lxml import etree, html  # type: ignore[import-untyped]

from ocr.export import export

from .samples import HEIGHT, WIDTH, two_pages

BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")


def _bbox(title: str) -> tuple[int, ...]:
    match = BBOX.search(title)
    assert match, title
    return tuple(int(v) for v in match.groups())


def test_hocr_structure_and_boxes() -> None:
    data = export(two_pages(), "hocr")
    etree.fromstring(data)  # well-formed XHTML
    tree = html.fromstring(data)
    meta = {m.get("name"): m.get("content") for m in tree.iter("meta") if m.get("name")}
    assert meta["ocr-system"] == "Legible"
    assert "ocrx_word" in meta["ocr-capabilities"]
    pages = tree.find_class("ocr_page")
    assert len(pages) == 2
    assert pages[0].get("title").startswith('image "phototest.png"; bbox 0 0 640 480')
    lines = tree.find_class("ocr_line")
    assert len(lines) == 9 + 8
    for line in lines:
        x0, y0, x1, y1 = _bbox(line.get("title"))
        assert 0 <= x0 < x1 <= WIDTH and 0 <= y0 < y1 <= HEIGHT
        assert "x_wconf" in line.get("title")
        for word in line.find_class("ocrx_word"):
            wx0, wy0, wx1, wy1 = _bbox(word.get("title"))
            assert x0 <= wx0 < wx1 <= x1 and (wy0, wy1) == (y0, y1)
    assert lines[0].text_content() == "This is a lot of 12 point text to test the"
    assert lines[8].text_content() == "Fuchs über «rapide» café"
    assert _bbox(lines[0].get("title")) == (33, 86, 584, 124)
