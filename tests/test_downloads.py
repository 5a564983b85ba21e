"""Download names in Content-Disposition: cleaned, quoted safely, UTF-8 for browsers."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from ocr.downloads import MAX_NAME, content_disposition, safe_filename


def served_as(header: str) -> str:
    """The name a browser saves under (RFC 6266 section 4.3: filename* wins over filename)."""
    extended = re.search(r"(?:^|;)\s*filename\*=UTF-8''([^;\s]*)", header, re.IGNORECASE)
    if extended:
        return unquote(extended.group(1))
    match = re.search(r'(?:^|;)\s*filename="((?:[^"\\]|\\.)*)"', header)
    assert match, header
    return re.sub(r"\\(.)", r"\1", match.group(1))


def test_it_keeps_an_injected_parameter_inside_the_name() -> None:
    header = content_disposition("x\"; filename*=UTF-8''evil.html; a=\".txt")
    assert served_as(header).endswith(".txt")
    assert header.count("filename*=") <= 1 and header.count('"') == 2
    assert ";" not in served_as(header)


def test_it_sends_a_non_ascii_name_as_utf8_with_an_ascii_fallback() -> None:
    header = content_disposition("Café «été» 狐.txt")
    assert header.startswith('attachment; filename="Cafe _ete_ _.txt"; ')
    assert "filename*=UTF-8''Caf%C3%A9%20%C2%ABe%CC%81t%C3%A9%C2%BB" not in header  # NFC
    assert served_as(header) == "Café «été» 狐.txt"


def test_it_leaves_a_plain_name_plain() -> None:
    assert content_disposition("scan 1.pdf") == 'attachment; filename="scan 1.pdf"'
    assert content_disposition("a.png", attachment=False) == 'inline; filename="a.png"'


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "etc_passwd"),
        ("a\\b\r\nc.txt", "a_b_c.txt"),
        ("...", "download"),
        ("", "download"),
    ],
)
def test_it_cleans_names(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_it_shortens_long_names_keeping_the_extension() -> None:
    name = safe_filename("é" * 400 + ".alto.xml")
    assert len(name) <= MAX_NAME and name.endswith(".xml") and name.startswith("éé")
