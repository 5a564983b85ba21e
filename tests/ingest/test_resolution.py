"""A page's resolution and JPEG pass-through, read from the image file's header."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from ocr.ingest.resolution import PageSource, page_source


def _image(path: Path, fmt: str, size=(300, 200), **params) -> Path:
    Image.new("RGB", size, "white").save(path, format=fmt, **params)
    return path


def test_it_reads_a_jpegs_resolution_and_passes_it_through(tmp_path: Path) -> None:
    path = _image(tmp_path / "a.jpg", "JPEG", dpi=(300, 300))
    assert page_source(path, 0, (300, 200)) == PageSource((300.0, 300.0), jpeg=True)


def test_it_rounds_a_pngs_pixels_per_metre(tmp_path: Path) -> None:
    path = _image(tmp_path / "a.png", "PNG", dpi=(300, 300))  # stored as 11811 px/m
    assert page_source(path, 0, (300, 200)) == PageSource((300.0, 300.0), jpeg=False)


def test_it_ignores_a_resolution_no_scan_has(tmp_path: Path) -> None:
    path = _image(tmp_path / "a.jpg", "JPEG", dpi=(1, 1))
    assert page_source(path, 0, (300, 200)) == PageSource(None, jpeg=True)


def test_it_reads_each_tiff_page(tmp_path: Path) -> None:
    first = Image.new("RGB", (300, 200), "white")
    second = Image.new("RGB", (100, 100), "white")
    path = tmp_path / "a.tif"
    first.save(path, save_all=True, append_images=[second], dpi=(400, 400))
    assert page_source(path, 1, (100, 100)).dpi == (400.0, 400.0)


def test_a_turned_jpeg_is_not_passed_through(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # turned a quarter: the stored page is 200 x 300
    path = _image(tmp_path / "a.jpg", "JPEG", dpi=(300, 150), exif=exif.tobytes())
    assert page_source(path, 0, (200, 300)) == PageSource((150.0, 300.0), jpeg=False)


def test_a_page_of_another_size_says_nothing(tmp_path: Path) -> None:
    path = _image(tmp_path / "a.jpg", "JPEG", dpi=(300, 300))
    assert page_source(path, 0, (150, 100)) == PageSource()
    assert page_source(tmp_path / "missing.jpg", 0, (1, 1)) == PageSource()
