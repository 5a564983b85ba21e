"""ZIPs: every check before anything is written, all members or none."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ocr.ingest import IngestError, Limits, extract_zip, inspect, iter_pages

from .media import png_bytes, write_zip

PNG = png_bytes()


def test_three_images_are_unpacked_in_archive_order(tmp_path: Path) -> None:
    archive = write_zip(
        tmp_path / "scans.zip",
        {
            "b/page.png": PNG,
            "a/page.png": PNG,
            "__MACOSX/._x.png": b"junk",
            ".DS_Store": b"x",
            "c.png": png_bytes("eurotext.png"),
        },
    )
    info = inspect(archive, Limits())
    assert (info.kind, info.pages) == ("zip", 3)
    out = tmp_path / "out"
    out.mkdir()
    extracted = extract_zip(archive, Limits(), out)
    paths = [member.path for member in extracted]
    assert [member.name for member in extracted] == ["page.png", "page-2.png", "c.png"]
    assert sorted(out.iterdir()) == sorted(paths)
    assert [inspect(path, Limits()).kind for path in paths] == ["image"] * 3
    assert [member.info for member in extracted] == [inspect(path, Limits()) for path in paths]
    with pytest.raises(IngestError, match="extract_zip"):
        iter_pages(archive, Limits())


@pytest.mark.parametrize(
    ("limits", "setting"),
    [
        (Limits(max_zip_members=2), "OCR_MAX_ZIP_MEMBERS"),
        (Limits(max_zip_bytes=2 * len(PNG)), "OCR_MAX_ZIP_MB"),
        (Limits(max_pixels=1000), "OCR_MAX_IMAGE_PIXELS"),
    ],
)
def test_limits_name_their_setting_and_leave_nothing(
    tmp_path: Path, limits: Limits, setting: str
) -> None:
    archive = write_zip(tmp_path / "scans.zip", {"1.png": PNG, "2.png": PNG, "3.png": PNG})
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(IngestError, match=setting):
        extract_zip(archive, limits, out)
    assert list(out.iterdir()) == []


def test_a_bad_member_fails_the_archive_by_name(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "scans.zip", {"good.png": PNG, "notes.txt": b"not an image"})
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(IngestError, match=r"notes\.txt: This is not a kind of file Legible reads"):
        extract_zip(archive, Limits(), out)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("name", ["../evil.png", "/etc/evil.png", "a/../../evil.png"])
def test_zip_slip_is_refused(tmp_path: Path, name: str) -> None:
    archive = write_zip(tmp_path / "slip.zip", {"ok.png": PNG, name: PNG})
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(IngestError, match="unsafe member name"):
        extract_zip(archive, Limits(), out)
    assert list(out.iterdir()) == []
    assert not (tmp_path / "evil.png").exists()


def test_nested_zips_are_refused_by_name_and_by_content(tmp_path: Path) -> None:
    inner = (write_zip(tmp_path / "inner.zip", {"1.png": PNG})).read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    for name in ("inner.zip", "inner.png"):
        archive = write_zip(tmp_path / "outer.zip", {"1.png": PNG, name: inner})
        with pytest.raises(IngestError, match=rf"{name} and upload it on its own"):
            extract_zip(archive, Limits(), out)
        assert list(out.iterdir()) == []


def test_a_member_larger_than_it_claims_is_stopped(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "liar.zip", {"1.png": PNG})
    # Shrink the declared size in the central directory: the bomb trick.
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as opened:
        declared = opened.infolist()[0].file_size
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (declared // 2).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    out = tmp_path / "out"
    out.mkdir()
    # zipfile stops at the declared size and the CRC fails; our byte count is the second guard.
    with pytest.raises(IngestError, match="damaged|larger than it claims"):
        extract_zip(archive, Limits(), out)
    assert list(out.iterdir()) == []


def test_a_damaged_zip_is_refused(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(IngestError, match="ZIP archive is damaged"):
        inspect(damaged, Limits())


@pytest.mark.parametrize(
    ("members", "what"),
    [
        ({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}, "a Word document"),
        ({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<x/>"}, "an Excel workbook"),
        ({"mimetype": b"application/vnd.oasis.opendocument.text"}, "an OpenDocument file"),
    ],
    ids=["docx", "xlsx", "odt"],
)
def test_an_office_document_is_named_not_read_as_an_archive(
    tmp_path: Path, members: dict[str, bytes], what: str
) -> None:
    document = write_zip(tmp_path / "letter.docx", members)
    with pytest.raises(IngestError) as refused:
        inspect(document, Limits())
    message = str(refused.value)
    assert message.startswith(f"This is {what}") and "which Legible does not read" in message
    assert "[Content_Types].xml" not in message and "PDF" in message
