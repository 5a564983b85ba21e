"""Text that XML 1.0 can hold.

XML 1.0 allows no C0 control character but tab, newline and carriage return, no surrogate and
neither U+FFFE nor U+FFFF; lxml refuses such a string outright. The API refuses them on input
(`forbidden_characters`), but text stored before that, or a file name from a ZIP, may hold them:
the XML exporters clean every string with `xml_safe` rather than fail.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .document import ExportDocument, ExportPage

# Vertical tab and form feed separate words as a space does (str.split() splits on them), so
# they become a space; every other character XML cannot hold is dropped.
_SPACES = str.maketrans({"\x0b": " ", "\x0c": " "})
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What a person's text may not hold: the above, and the C1 controls (U+0080-U+009F), which XML
# allows but which no keyboard types and which only ever come from a broken encoding.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` with the characters XML 1.0 cannot hold replaced (spacing ones) or dropped."""
    if not _NOT_XML.search(text):
        return text
    return _NOT_XML.sub("", text.translate(_SPACES))


def forbidden_characters(text: str) -> list[str]:
    """The control and non-characters in `text`, each once, as `U+XXXX`, in order of appearance."""
    found: list[str] = []
    for match in _FORBIDDEN.finditer(text):
        code = f"U+{ord(match.group()):04X}"
        if code not in found:
            found.append(code)
    return found


def _clean_page(page: ExportPage) -> ExportPage:
    regions = tuple(
        replace(
            region,
            text=xml_safe(region.text),
            words=tuple(replace(word, text=xml_safe(word.text)) for word in region.words),
        )
        for region in page.result.regions
    )
    return replace(page, result=replace(page.result, regions=regions))


def xml_safe_document(document: ExportDocument) -> ExportDocument:
    """The document with every text and its name made XML-safe (see `xml_safe`)."""
    return replace(
        document,
        name=xml_safe(document.name),
        pages=[_clean_page(page) for page in document.pages],
    )
