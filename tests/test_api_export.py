"""Exports of the current (edited) text, through the API."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from tests.factories import input_with_result

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(alice_app):
    return input_with_result(alice_app, ("first line", "second line"))


@pytest.mark.parametrize(
    ("fmt", "media_type", "marker"),
    [
        ("txt", "text/plain", b"first line\nsecond line"),
        ("json", "application/json", b'"second line"'),
        ("hocr", "application/xhtml+xml", b"ocr_line"),
        ("alto", "application/xml", b"alto/ns-v4"),
        ("page", "application/xml", b"pagecontent/2019-07-15"),
        ("pdf", "application/pdf", b"%PDF"),
        ("overlay", "image/png", b"\x89PNG"),
    ],
)
def test_it_exports_every_format(alice_api, item, fmt, media_type, marker) -> None:
    response = alice_api.get(f"/api/v1/inputs/{item.pk}/export/", {"format": fmt})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith(media_type)
    assert "attachment; filename=" in response["Content-Disposition"]
    assert marker in response.content


def test_an_edit_is_in_the_next_export(alice_api, item) -> None:
    region = item.runs.get().regions.order_by("order").first()
    alice_api.patch(
        f"/api/v1/regions/{region.pk}/", {"text": "corrected words", "version": 1}, format="json"
    )
    txt = alice_api.get(f"/api/v1/inputs/{item.pk}/export/", {"format": "txt"}).content.decode()
    assert "corrected words" in txt and "first line" not in txt
    pdf = pdfium.PdfDocument(
        alice_api.get(f"/api/v1/inputs/{item.pk}/export/", {"format": "pdf"}).content
    )
    text = pdf[0].get_textpage().get_text_range()
    assert "corrected words" in text and "first line" not in text


def test_it_explains_bad_export_requests(alice_api, alice_app, item, phototest_png) -> None:
    url = f"/api/v1/inputs/{item.pk}/export/"
    unknown = alice_api.get(url, {"format": "docx"})
    assert unknown.status_code == 400 and unknown.json()["errors"]["format"]
    assert alice_api.get(url, {"format": "overlay", "color": "red;"}).status_code == 400
    assert alice_api.get(url, {"format": "overlay", "line_width": 0}).status_code == 400
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ocr import services

    [fresh] = services.create_inputs(alice_app, SimpleUploadedFile("new.png", phototest_png))
    empty = alice_api.get(f"/api/v1/inputs/{fresh.pk}/export/", {"format": "txt"})
    assert empty.status_code == 400
    assert "no result to export yet" in empty.json()["detail"]


def test_it_hides_another_users_exports(bob_api, item) -> None:
    assert bob_api.get(f"/api/v1/inputs/{item.pk}/export/", {"format": "txt"}).status_code == 404


def test_a_client_asking_for_the_files_type_gets_the_file(alice_api, item) -> None:
    url = f"/api/v1/inputs/{item.pk}/export/"
    pdf = alice_api.get(url, {"format": "pdf"}, HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    image = alice_api.get(f"/api/v1/inputs/{item.pk}/pages/0/image/", HTTP_ACCEPT="image/png")
    assert image.status_code == 200
    refused = alice_api.get(url, {"format": "docx"}, HTTP_ACCEPT="application/pdf")
    assert refused.status_code == 400 and "format" in refused.json()["errors"]


@pytest.mark.parametrize("fmt", ["hocr", "alto", "page", "txt", "pdf"])
def test_it_exports_text_stored_with_control_characters(alice_api, alice_app, fmt) -> None:
    # Saved before the API refused such text: the XML exports used to answer 500 on it.
    item = input_with_result(alice_app, ("bell\u0001 here", "not\ufffe char", "vertical\u000btab"))
    response = alice_api.get(f"/api/v1/inputs/{item.pk}/export/", {"format": fmt})
    assert response.status_code == 200
    if fmt in ("hocr", "alto", "page"):
        assert b"bell" in response.content and b"\x01" not in response.content


@pytest.mark.parametrize("fmt", ["txt", "hocr", "page"])
def test_a_crafted_name_cannot_choose_the_download_name(alice_api, item, fmt) -> None:
    from ocr.models import Input
    from tests.test_downloads import served_as

    Input.objects.filter(pk=item.pk).update(name="x\"; filename*=UTF-8''evil.html; a=\".png")
    response = alice_api.get(f"/api/v1/inputs/{item.pk}/export/", {"format": fmt})
    name = served_as(response["Content-Disposition"])
    assert response["Content-Disposition"].startswith("attachment;")
    assert name.endswith(".txt" if fmt == "txt" else ".hocr" if fmt == "hocr" else ".page.xml")


def test_a_non_ascii_name_downloads_under_its_own_name(alice_api, item) -> None:
    from ocr.models import Input
    from tests.test_downloads import served_as

    Input.objects.filter(pk=item.pk).update(name="Überweisung März.png")
    response = alice_api.get(f"/api/v1/inputs/{item.pk}/export/", {"format": "txt"})
    header = response["Content-Disposition"]
    assert header.startswith('attachment; filename="Uberweisung Marz.txt"; filename*=UTF-8')
    assert served_as(header) == "Überweisung März.txt"


def _read_as_is(item) -> None:
    """What a worker does with an image input's run, without a model: its page, no regions."""
    import numpy as np
    from PIL import Image, ImageOps

    from ocr import runs
    from ocr.engine.types import PageImage, PageResult
    from ocr.ingest import IngestedPage
    from ocr.models import Run

    run = item.runs.get()
    token = runs.claim_run(run.pk)
    with item.file.open("rb") as data, Image.open(data) as image:
        pixels = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    result = PageResult(index=0, width=pixels.shape[1], height=pixels.shape[0])
    page = IngestedPage(image=PageImage(pixels=pixels, index=0), timecode_ms=None, text_layer=None)
    runs.save_page_result(run.pk, token, page, result)
    Run.objects.filter(pk=run.pk).update(status=Run.Status.SUCCEEDED, claim="")


def test_the_pdf_of_a_jpeg_scan_is_its_size_and_embeds_the_jpeg(alice_api, alice_app) -> None:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from ocr import services

    # A noisy 300-dpi scan of 2 x 3 inches: 600 x 900 px.
    noise = Image.effect_noise((600, 900), 60).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, format="JPEG", quality=75, dpi=(300, 300))
    jpeg = buffer.getvalue()
    [item] = services.create_inputs(alice_app, SimpleUploadedFile("scan.jpg", jpeg))
    _read_as_is(item)
    body = alice_api.get(f"/api/v1/inputs/{item.pk}/export/", {"format": "pdf"}).content
    width, height = pdfium.PdfDocument(body)[0].get_size()
    assert (round(width), round(height)) == (144, 216)  # 2 x 3 in, not 600 x 900 px at 200 dpi
    assert jpeg in body and len(body) < len(jpeg) + 40_000


def test_the_pdf_of_a_pdf_page_is_sized_at_its_render_resolution(alice_api, alice_app) -> None:
    from ocr.models import Input

    item = input_with_result(alice_app)
    Input.objects.filter(pk=item.pk).update(kind="pdf", options={"pdf_dpi": 100})
    body = alice_api.get(f"/api/v1/inputs/{item.pk}/export/", {"format": "pdf"}).content
    width, height = pdfium.PdfDocument(body)[0].get_size()
    assert (round(width, 1), round(height, 1)) == (460.8, 345.6)  # 640 x 480 px at 100 dpi


def test_a_page_image_is_named_after_its_input_safely(alice_api, item) -> None:
    from ocr.models import Input
    from tests.test_downloads import served_as

    Input.objects.filter(pk=item.pk).update(name='Brief "März"; x=.png')
    response = alice_api.get(f"/api/v1/inputs/{item.pk}/pages/0/image/")
    header = response["Content-Disposition"]
    assert header.startswith("inline; ")
    assert served_as(header) == "Brief _März_ x=-page-1.png"
