"""Exports carry the recognizer's word boxes, while they still spell the line."""

from __future__ import annotations

from dataclasses import replace

from lxml import etree  # type: ignore[import-untyped]

from ocr.engine.types import Word
from ocr.export import ExportDocument, export
from ocr.export.page_xml import PAGE_NS
from ocr.export.validation import schema_errors

from .samples import one_page, with_text

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
PAGE = f"{{{PAGE_NS}}}"
XHTML = "{http://www.w3.org/1999/xhtml}"
# The first line, "This is a lot of ...": its first two words where the recognizer put them.
WORDS = (
    Word(((39.2, 86.0), (101.2, 86.1), (101.1, 123.1), (39.1, 123.0)), "This", 0.99),
    Word(((107.4, 86.1), (132.2, 86.2), (132.1, 123.2), (107.3, 123.1)), "is", 0.5),
)


def _with_words() -> ExportDocument:
    document = one_page()
    first = document.pages[0]
    regions = list(first.result.regions)
    regions[0] = replace(regions[0], text="This is", words=WORDS)
    page = replace(first, result=replace(first.result, regions=tuple(regions)))
    return replace(document, pages=[page])


def test_hocr_alto_and_page_carry_the_word_boxes() -> None:
    document = _with_words()
    hocr = etree.fromstring(export(document, "hocr"))
    spans = hocr.findall(f".//{XHTML}span[@class='ocrx_word']")
    assert [s.get("title") for s in spans[:2]] == [
        "bbox 39 86 102 124; x_wconf 99",
        "bbox 107 86 133 124; x_wconf 50",
    ]
    alto_data = export(document, "alto")
    assert schema_errors(alto_data, "alto") == []
    strings = etree.fromstring(alto_data).findall(f".//{ALTO}String")
    assert [
        (s.get("CONTENT"), s.get("HPOS"), s.get("WIDTH"), s.get("WC")) for s in strings[:2]
    ] == [
        ("This", "39", "63", "0.9900"),
        ("is", "107", "26", "0.5000"),
    ]
    page_data = export(document, "page")
    assert schema_errors(page_data, "page") == []
    words = etree.fromstring(page_data).findall(f".//{PAGE}TextLine/{PAGE}Word")
    assert words[0].find(f"{PAGE}Coords").get("points") == "39,86 102,86 102,124 39,124"
    assert words[1].findtext(f"{PAGE}TextEquiv/{PAGE}Unicode") == "is"


def test_an_edited_line_falls_back_to_estimated_words() -> None:
    edited = with_text(_with_words(), 0, "That was")
    strings = etree.fromstring(export(edited, "alto")).findall(f".//{ALTO}String")
    assert [s.get("CONTENT") for s in strings[:2]] == ["That", "was"]
    assert strings[0].get("HPOS") == "33"  # the line's start, not the old word's
    assert schema_errors(export(edited, "page"), "page") == []


def test_blocks_become_text_blocks_regions_and_careas() -> None:
    from ocr.engine.types import Block

    document = one_page()
    first = document.pages[0]
    count = len(first.result.regions)
    blocks = (
        Block(((30, 86), (622, 86), (622, 190), (30, 190)), (0, 1, 2)),
        Block(((30, 188), (602, 188), (602, 454), (30, 454)), tuple(range(3, count))),
    )
    page = replace(first, result=replace(first.result, blocks=blocks))
    document = replace(document, pages=[page])
    alto_data = export(document, "alto")
    assert schema_errors(alto_data, "alto") == []
    alto_blocks = etree.fromstring(alto_data).findall(f".//{ALTO}TextBlock")
    assert [len(b.findall(f"{ALTO}TextLine")) for b in alto_blocks] == [3, count - 3]
    page_data = export(document, "page")
    assert schema_errors(page_data, "page") == []
    root = etree.fromstring(page_data)
    regions = root.findall(f".//{PAGE}TextRegion")
    assert [len(r.findall(f"{PAGE}TextLine")) for r in regions] == [3, count - 3]
    refs = root.findall(f".//{PAGE}RegionRefIndexed")
    assert [r.get("regionRef") for r in refs] == [r.get("id") for r in regions]
    hocr = etree.fromstring(export(document, "hocr"))
    areas = hocr.findall(f".//{XHTML}div[@class='ocr_carea']")
    assert [len(a.findall(f".//{XHTML}span[@class='ocr_line']")) for a in areas] == [3, count - 3]
