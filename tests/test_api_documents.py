"""PDFs, videos and ZIPs through the API and the worker-side service, and every ingest limit:
over it, a clear 400 that names the setting, and nothing kept."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from ocr import runs
from ocr.models import Input, Page, Region, Run
from tests.images import FIXTURES, captioned_video, multipage_tiff, zip_of

pytestmark = pytest.mark.django_db
PDF = FIXTURES / "pdflatex-4-pages.pdf"


def _upload(client, app, data: bytes, name: str, **fields):
    return client.post(
        f"/api/v1/apps/{app.pk}/inputs/",
        {"file": SimpleUploadedFile(name, data), **fields},
        format="multipart",
    )


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_zip_makes_one_input_per_member(alice_api, alice_app, phototest_png) -> None:
    archive = zip_of(
        {"a.png": phototest_png, "scans/b.png": phototest_png, "c.tif": multipage_tiff(2)}
    )
    response = _upload(alice_api, alice_app, archive, "batch.zip")
    assert response.status_code == 201
    body = response.json()
    assert body["count"] == 3
    assert [i["name"] for i in body["results"]] == ["a.png", "b.png", "c.tif"]
    assert all(i["status"] == "queued" for i in body["results"])
    assert Run.objects.filter(input__app=alice_app).count() == 3


def test_the_answer_follows_the_files_content_not_its_name(
    alice_api, alice_app, phototest_png
) -> None:
    # A ZIP under another name answers with a list, even of one input...
    response = _upload(alice_api, alice_app, zip_of({"a.png": phototest_png}), "bundle.bin")
    assert response.status_code == 201
    assert [i["name"] for i in response.json()["results"]] == ["a.png"]
    # ...and an image named like a ZIP with the input itself.
    response = _upload(alice_api, alice_app, phototest_png, "scan.zip")
    assert response.status_code == 201
    assert response.json()["name"] == "scan.zip"


def test_a_pdf_read_from_its_text_layer_needs_no_model(alice_api, alice_app) -> None:
    response = _upload(
        alice_api, alice_app, PDF.read_bytes(), "paper.pdf", text_layer="true", pdf_dpi=100
    )
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "pdf"
    assert body["options"]["text_layer"] is True and body["options"]["pdf_dpi"] == 100
    runs.execute_run(body["run"]["id"])
    run = Run.objects.get(pk=body["run"]["id"])
    assert (run.status, run.progress_done, run.progress_total) == ("succeeded", 4, 4)
    assert Page.objects.filter(input_id=body["id"]).count() == 4
    regions = Region.objects.filter(run=run)
    assert regions.exists() and set(regions.values_list("source", flat=True)) == {"text_layer"}
    result = alice_api.get(f"/api/v1/inputs/{body['id']}/result/").json()
    first = result["pages"][0]
    points = pdfium.PdfDocument(str(PDF))[0].get_size()
    expected = [p * 100 / 72 for p in points]  # A4 at 100 dpi; the renderer rounds up
    assert all(
        0 <= got - want < 1
        for got, want in zip((first["width"], first["height"]), expected, strict=True)
    )
    assert any(r["text"].strip() for r in first["regions"])


@pytest.mark.model
def test_a_video_caption_seen_on_many_frames_is_one_track(alice_api, alice_app) -> None:
    video = captioned_video(("ALPHA", "BRAVO", "CHARLIE"), seconds_each=1.5)
    body = _upload(alice_api, alice_app, video, "captions.mp4", video_interval_ms=500).json()
    assert body["kind"] == "video"
    runs.execute_run(body["run"]["id"])
    run = Run.objects.get(pk=body["run"]["id"])
    assert run.status == "succeeded", run.error
    timecodes = list(Page.objects.filter(input_id=body["id"]).values_list("timecode_ms", flat=True))
    assert timecodes == sorted(timecodes) and timecodes[0] == 0
    heads = Region.objects.filter(run=run, repeat_of=None).order_by("page__index")
    assert [r.text.upper() for r in heads] == ["ALPHA", "BRAVO", "CHARLIE"]
    alpha, bravo = heads[0], heads[1]
    assert alpha.first_ms == 0 and alpha.first_ms <= alpha.last_ms < bravo.first_ms
    text = alice_api.get(f"/api/v1/inputs/{body['id']}/export/", {"format": "txt"}).content
    assert text.decode().upper().count("BRAVO") == 1  # once, not once per frame


LIMITS = [
    ("OCR_MAX_PDF_PAGES", 2, lambda png: PDF.read_bytes(), "doc.pdf"),
    ("OCR_MAX_IMAGE_PIXELS", 1000, lambda png: png, "big.png"),
    ("OCR_MAX_VIDEO_SECONDS", 1, lambda png: captioned_video(("A", "B")), "v.mp4"),
    ("OCR_MAX_VIDEO_FRAMES", 2, lambda png: captioned_video(("A", "B", "C")), "v.mp4"),
    ("OCR_MAX_ZIP_MEMBERS", 2, lambda png: zip_of({f"{i}.png": png for i in range(3)}), "3.zip"),
    # 2 MB of zeros deflate to a few kB: the declared size is what must be refused.
    ("OCR_MAX_ZIP_MB", 1, lambda png: zip_of({"zeros.png": bytes(2 * 1024 * 1024)}), "z.zip"),
]


@pytest.mark.parametrize(("setting", "value", "make", "name"), LIMITS, ids=[c[0] for c in LIMITS])
def test_every_limit_refuses_with_its_name_and_keeps_nothing(
    alice_api, alice_app, phototest_png, settings, setting, value, make, name
) -> None:
    setattr(settings, setting, value)
    response = _upload(alice_api, alice_app, make(phototest_png), name)
    assert response.status_code == 400, response.content
    assert f"({setting})" in response.json()["detail"]
    assert not Input.objects.exists()
    assert not Run.objects.exists()
    assert _stored_files() == []


def test_a_zip_with_one_bad_member_keeps_nothing(alice_api, alice_app, phototest_png) -> None:
    archive = zip_of({"good.png": phototest_png, "notes.png": b"not an image at all" * 10})
    response = _upload(alice_api, alice_app, archive, "mixed.zip")
    assert response.status_code == 400
    assert "notes.png" in response.json()["detail"]
    assert not Input.objects.exists()
    assert _stored_files() == []


def test_it_explains_bad_reading_options(alice_api, alice_app) -> None:
    response = _upload(alice_api, alice_app, PDF.read_bytes(), "doc.pdf", pdf_dpi=5000)
    assert response.status_code == 400
    assert response.json()["errors"]["pdf_dpi"]
