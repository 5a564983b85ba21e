"""The package's entry points: format registry, options, names and media types."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from ocr.export import (
    FORMATS,
    ExportDocument,
    ExportError,
    Options,
    export,
    filename_for,
    media_type_for,
)
from ocr.export.document import ExportPage

from .samples import one_page, phototest_result, two_pages


def test_formats_are_registered() -> None:
    assert set(FORMATS) == {"txt", "json", "hocr", "alto", "page", "pdf", "overlay"}


def test_unknown_format_lists_the_known_ones() -> None:
    with pytest.raises(ExportError, match=r"unknown export format 'docx'; formats: alto, hocr"):
        export(one_page(), "docx")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"color": "red;"}, "color must be a CSS hex colour"),
        ({"color": "#12345"}, "color must be a CSS hex colour"),
        ({"line_width": 0}, "line_width must be a whole number from 1 to 20, got 0"),
        ({"line_width": 21}, "line_width must be a whole number from 1 to 20"),
        ({"page": -1}, "page must be a page index"),
    ],
)
def test_bad_options_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ExportError, match=message):
        Options(**kwargs)  # type: ignore[arg-type]


def test_good_colours() -> None:
    assert Options(color="#fa0").rgba == (255, 170, 0, 255)
    assert Options(color="#E8590C80").rgba == (232, 89, 12, 128)


def test_empty_document_is_refused() -> None:
    with pytest.raises(ExportError, match="no pages"):
        export(ExportDocument(name="empty.pdf", pages=[]), "txt")


def test_region_ids_must_match_regions() -> None:
    with pytest.raises(ExportError, match="region ids"):
        ExportPage(result=phototest_result(), image_path=None, region_ids=(1, 2))


def test_names_and_media_types() -> None:
    single, double = one_page(), two_pages()
    assert filename_for(single, "alto") == "phototest.alto.xml"
    assert filename_for(double, "pdf") == "scan.pdf"
    assert media_type_for(single, "page") == "application/xml"
    assert filename_for(single, "page") == "phototest.page.xml"
    assert media_type_for(double, "page") == "application/zip"
    assert filename_for(double, "page") == "scan.page.zip"
    assert filename_for(replace(single, name="../dir/"), "txt") == "dir.txt"
    with pytest.raises(ExportError):
        media_type_for(single, "nope")


def test_the_package_does_not_import_django() -> None:
    # This test process already has Django loaded (pytest-django), so ask a fresh one.
    code = "import sys, ocr.export; sys.exit(any(m.startswith('django') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
