"""Plain text and Legible's JSON."""

from __future__ import annotations

import json
from dataclasses import replace

from ocr.export import export
from ocr.export.timecode import format_timecode

from .samples import LINES, ROTATED, one_page, two_pages


def test_txt_joins_lines_and_separates_pages_with_form_feeds() -> None:
    text = export(two_pages(), "txt").decode("utf-8")
    first = "\n".join([*(line[1] for line in LINES), ROTATED.text])
    second = "\n".join(line[1] for line in LINES)
    assert text == f"{first}\f\n{second}\n"


def test_txt_prefixes_video_frames_with_their_timecode() -> None:
    document = one_page(timecode_ms=62_500)
    assert export(document, "txt").decode().startswith("[00:01:02.500]\nThis is a lot")
    assert format_timecode(3_600_000 + 5) == "01:00:00.005"


def test_json_round_trips() -> None:
    document = two_pages()
    document = replace(
        document, pages=[replace(document.pages[0], timecode_ms=1500), *document.pages[1:]]
    )
    data = json.loads(export(document, "json").decode("utf-8"))
    assert data["name"] == "scan.pdf"
    assert [p["index"] for p in data["pages"]] == [0, 1]
    for page, exported in zip(document.pages, data["pages"], strict=True):
        result = page.result
        assert (exported["width"], exported["height"]) == (result.width, result.height)
        assert exported["timecode_ms"] == page.timecode_ms
        assert [r["text"] for r in exported["regions"]] == [r.text for r in result.regions]
        for region, out in zip(result.regions, exported["regions"], strict=True):
            assert out["polygon"] == [[round(x, 1), round(y, 1)] for x, y in region.polygon]
            assert out["score"] == round(region.score, 4)
    assert data["pages"][0]["regions"][0]["id"] is None
    assert data["pages"][1]["regions"][0]["id"] == 101


def test_json_keeps_non_ascii_as_utf8() -> None:
    raw = export(one_page(), "json")
    assert "Fuchs über «rapide» café".encode() in raw
