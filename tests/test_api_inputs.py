"""Uploading inputs: what is accepted, and the clear 4xx for everything that is not."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ocr.models import Input, Run
from tests.images import multipage_tiff, png_bomb, truncated_jpeg, zip_of

pytestmark = pytest.mark.django_db


def _upload(client, app, data: bytes, name: str = "page.png", **extra):
    return client.post(
        f"/api/v1/apps/{app.pk}/inputs/",
        {"file": SimpleUploadedFile(name, data), **extra},
        format="multipart",
    )


def test_it_accepts_an_image_and_queues_a_run(alice_api, alice_app, phototest_png) -> None:
    response = _upload(alice_api, alice_app, phototest_png, "phototest.png")
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "phototest.png"
    assert body["kind"] == "image"
    assert body["status"] == "queued"
    run = Run.objects.get(pk=body["run"]["id"])
    assert run.status == "queued"
    assert run.workflow_name == "default"
    assert [n["model"] for n in run.workflow_nodes] == [
        "ppocrv6-small-det", "crop-1.0", "ppocrv6-small-rec",
    ]  # fmt: skip
    listed = alice_api.get(f"/api/v1/apps/{alice_app.pk}/inputs/").json()
    assert listed["count"] == 1
    assert listed["results"][0]["run"] == {"id": run.pk, "status": "queued"}


def test_it_filters_inputs_by_status(alice_api, alice_app, phototest_png) -> None:
    _upload(alice_api, alice_app, phototest_png)
    url = f"/api/v1/apps/{alice_app.pk}/inputs/"
    assert alice_api.get(url, {"status": "queued"}).json()["count"] == 1
    assert alice_api.get(url, {"status": "failed"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (lambda: b"", "empty.png", "The file is empty."),
        (lambda: b"Dear diary,\nthis is not a picture.\n" * 20, "notes.txt", "PDFs, videos"),
        (truncated_jpeg, "cut.jpg", "The image is damaged or truncated"),
        (
            lambda: zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
            "letter.docx",
            "This is a Word document (.docx), which Legible does not read",
        ),
        (png_bomb, "bomb.png", "900 megapixels; the limit is 100 megapixels"),
    ],
    ids=["empty", "text", "decompression-bomb", "truncated-jpeg", "docx"],
)
def test_it_refuses_bad_files_with_a_clear_message(
    alice_api, alice_app, make, name, message
) -> None:
    response = _upload(alice_api, alice_app, make(), name)
    assert response.status_code == 400
    body = response.json()
    assert message in body["errors"]["file"][0]
    assert message in body["detail"]
    assert not Input.objects.exists()
    assert not Run.objects.exists()


def test_it_refuses_an_upload_over_the_size_limit(alice_api, alice_app, settings) -> None:
    settings.OCR_MAX_UPLOAD_MB = 1
    response = _upload(alice_api, alice_app, b"\x89PNG" + b"0" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert "the limit is 1 MB (OCR_MAX_UPLOAD_MB)" in response.json()["detail"]
    assert not Input.objects.exists()


def test_it_explains_a_missing_file_and_an_unknown_workflow(
    alice_api, alice_app, phototest_png
) -> None:
    missing = alice_api.post(f"/api/v1/apps/{alice_app.pk}/inputs/", {}, format="multipart")
    assert missing.status_code == 400
    assert missing.json()["errors"]["file"] == ["No file was submitted."]
    unknown = _upload(alice_api, alice_app, phototest_png, workflow="nope")
    assert unknown.status_code == 400
    assert "Unknown workflow 'nope'" in unknown.json()["errors"]["workflow"][0]
    assert not Input.objects.exists()


def test_it_starts_another_run_on_an_input(alice_api, alice_app, phototest_png) -> None:
    item = _upload(alice_api, alice_app, phototest_png).json()
    again = alice_api.post(f"/api/v1/inputs/{item['id']}/runs/", {}, format="json")
    assert again.status_code == 201
    assert again.json()["status"] == "queued"
    assert again.json()["progress"] == {"done": 0, "total": 0}
    assert Run.objects.filter(input_id=item["id"]).count() == 2
    bad = alice_api.post(f"/api/v1/inputs/{item['id']}/runs/", {"workflow": "x"}, format="json")
    assert bad.status_code == 400


def test_it_refuses_a_tiff_over_the_page_limit(alice_api, alice_app, settings) -> None:
    settings.OCR_MAX_PDF_PAGES = 3
    response = _upload(alice_api, alice_app, multipage_tiff(5), "scan.tif")
    assert response.status_code == 400
    assert "The TIFF has more than 3 pages; the limit is 3 pages" in response.json()["detail"]
    assert not Input.objects.exists()
    assert _upload(alice_api, alice_app, multipage_tiff(3), "scan.tif").status_code == 201


# 150 accented letters: 300 bytes in UTF-8, past the 255 a file system allows for one name.
LONG_NAME = "é" * 150 + ".png"


def test_it_keeps_a_long_non_ascii_name_as_data(alice_api, alice_app, phototest_png) -> None:
    response = _upload(alice_api, alice_app, phototest_png, LONG_NAME)
    assert response.status_code == 201, response.content
    item = Input.objects.get(pk=response.json()["id"])
    assert response.json()["name"] == item.name == LONG_NAME
    stored = item.file.name.rsplit("/", 1)[-1]
    assert stored.isascii() and stored.endswith(".png") and len(stored) < 40


@pytest.mark.parametrize("name", [LONG_NAME, "scan." + "é" * 150], ids=["name", "extension"])
def test_it_keeps_a_long_name_of_an_upload_spilled_to_disk(
    alice_api, alice_app, phototest_png, settings, name
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # as an upload over 10 MB would be
    response = _upload(alice_api, alice_app, phototest_png, name)
    assert response.status_code == 201, response.content
    assert response.json()["name"] == name


def test_it_keeps_a_long_non_ascii_zip_member_name(alice_api, alice_app, phototest_png) -> None:
    archive = zip_of({f"scans/{LONG_NAME}": phototest_png, "b.png": phototest_png})
    response = _upload(alice_api, alice_app, archive, "scans.zip")
    assert response.status_code == 201, response.content
    assert [r["name"] for r in response.json()["results"]] == [LONG_NAME, "b.png"]
    assert all(item.file.name.isascii() for item in Input.objects.all())


def test_it_reruns_a_pdf_with_or_without_its_text_layer(alice_api, alice_app) -> None:
    from tests.factories import FIXTURES

    data = (FIXTURES / "multicolumn.pdf").read_bytes()
    item = _upload(alice_api, alice_app, data, "m.pdf").json()
    url = f"/api/v1/inputs/{item['id']}/runs/"
    assert alice_api.post(url, {"text_layer": True}, format="json").status_code == 201
    assert Input.objects.get(pk=item["id"]).options["text_layer"] is True
    # Unset keeps the last choice, in JSON and in a form alike.
    assert alice_api.post(url, {}, format="multipart").status_code == 201
    assert Input.objects.get(pk=item["id"]).options["text_layer"] is True
    assert alice_api.post(url, {"text_layer": "false"}, format="multipart").status_code == 201
    assert Input.objects.get(pk=item["id"]).options["text_layer"] is False


def test_it_deletes_an_input_and_its_file(alice_api, alice_app, phototest_png) -> None:
    item = Input.objects.get(pk=_upload(alice_api, alice_app, phototest_png).json()["id"])
    path = item.file.path
    assert alice_api.delete(f"/api/v1/inputs/{item.pk}/").status_code == 204
    assert not Input.objects.exists()
    import os

    assert not os.path.exists(path)


def test_it_hides_another_users_inputs_and_runs(
    alice_api, bob_api, alice_app, phototest_png
) -> None:
    item = _upload(alice_api, alice_app, phototest_png).json()
    assert _upload(bob_api, alice_app, phototest_png).status_code == 404
    for url in [
        f"/api/v1/inputs/{item['id']}/",
        f"/api/v1/inputs/{item['id']}/result/",
        f"/api/v1/runs/{item['run']['id']}/",
        f"/api/v1/inputs/{item['id']}/pages/0/image/",
    ]:
        assert bob_api.get(url).status_code == 404, url
    assert bob_api.post(f"/api/v1/inputs/{item['id']}/runs/", {}, format="json").status_code == 404
    assert bob_api.delete(f"/api/v1/inputs/{item['id']}/").status_code == 404
    assert Input.objects.count() == 1
