"""ALTO and PAGE-XML validate against the vendored official schemas, offline."""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree  # type: ignore[import-untyped]

from ocr.export import ExportError, export
from ocr.export.page_xml import PAGE_NS
from ocr.export.validation import schema_errors, validate

from .samples import ROTATED, one_page, two_pages, with_text

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
PAGE = f"{{{PAGE_NS}}}"


@pytest.mark.parametrize("document", [one_page(), two_pages()], ids=["one", "two"])
def test_alto_is_valid(document: object) -> None:
    data = export(document, "alto")  # type: ignore[arg-type]
    assert schema_errors(data, "alto") == []


def test_alto_content() -> None:
    root = etree.fromstring(export(two_pages(), "alto"))
    assert root.findtext(f".//{ALTO}MeasurementUnit") == "pixel"
    pages = root.findall(f".//{ALTO}Page")
    assert [(p.get("ID"), p.get("PHYSICAL_IMG_NR"), p.get("WIDTH")) for p in pages] == [
        ("page_1", "1", "640"),
        ("page_2", "2", "640"),
    ]
    lines = pages[0].findall(f".//{ALTO}TextLine")
    words = [s.get("CONTENT") for s in lines[-1].findall(f"{ALTO}String")]
    assert " ".join(words) == ROTATED.text
    assert lines[-1].find(f"{ALTO}Shape/{ALTO}Polygon").get("POINTS") == (
        "60,420 400,380 404,414 64,454"
    )
    assert lines[1].find(f"{ALTO}Shape") is None  # an axis-aligned rectangle needs no shape
    assert pages[1].find(f".//{ALTO}TextLine").get("ID") == "region_101"
    assert lines[0].find(f"{ALTO}String").get("WC") == "0.9970"


def test_alto_with_an_emptied_line_is_valid() -> None:
    data = export(with_text(one_page(), 2, ""), "alto")
    assert schema_errors(data, "alto") == []


def test_page_xml_single_page_is_valid() -> None:
    data = export(one_page(), "page")
    assert schema_errors(data, "page") == []
    root = etree.fromstring(data)
    page = root.find(f"{PAGE}Page")
    assert (page.get("imageFilename"), page.get("imageWidth")) == ("phototest.png", "640")
    regions = page.findall(f"{PAGE}TextRegion")
    refs = [r.get("regionRef") for r in page.iterfind(f".//{PAGE}RegionRefIndexed")]
    assert refs == [r.get("id") for r in regions]
    rotated = regions[-1].find(f"{PAGE}TextLine")
    assert rotated.find(f"{PAGE}Coords").get("points") == "60,420 400,380 404,414 64,454"
    assert rotated.findtext(f"{PAGE}TextEquiv/{PAGE}Unicode") == ROTATED.text
    assert rotated.find(f"{PAGE}TextEquiv").get("conf") == "0.9000"


def test_page_xml_multi_page_is_a_zip_of_valid_files() -> None:
    data = export(two_pages(), "page")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["page-0001.xml", "page-0002.xml"]
        for name in archive.namelist():
            assert schema_errors(archive.read(name), "page") == []
        second = etree.fromstring(archive.read("page-0002.xml"))
    assert second.find(f".//{PAGE}TextRegion").get("id") == "region_101"


def test_validation_reports_problems() -> None:
    broken = export(one_page(), "alto").replace(b'CONTENT="This"', b"")
    errors = schema_errors(broken, "alto")
    assert errors and "CONTENT" in errors[0]
    with pytest.raises(ExportError, match="not valid PAGE"):
        validate(b"<PcGts/>", "page")


@pytest.mark.parametrize("fmt", ["alto", "page", "hocr"])
def test_text_xml_cannot_hold_is_cleaned_not_fatal(fmt: str) -> None:
    # Stored before the API refused it: exports must still answer, and stay valid.
    document = with_text(one_page(), 0, "a\u0001b\ufffe c\u000bd\ud800")
    data = export(document, fmt)
    if fmt != "hocr":
        assert schema_errors(data, fmt) == []
    etree.fromstring(data)
    assert b"ab" in data
    assert b"\x01" not in data and b"\x0b" not in data and "\ufffe".encode() not in data
