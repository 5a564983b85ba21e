"""Errors Django answers itself (URLs no view matches, ids out of range, bodies too large)
come in the API's JSON shape under /api/, and too-large bodies are refused unread."""

from __future__ import annotations

import pytest
from django.test import Client

from ocr.models import Input
from tests.factories import input_with_result

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/inputs/abc/",
        "/api/v1/apps/-1/",
        "/api/v1/regions/1.5/",
        "/api/v1/inputs/99999999999999999999/",
        "/api/v1/inputs/99999999999999999999/pages/0/image/",
        "/api/v1/no-such-endpoint/",
    ],
)
def test_it_answers_json_404_for_ids_no_view_takes(alice_api, path) -> None:
    response = alice_api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_it_answers_404_for_a_page_index_out_of_range(alice_api, alice_app) -> None:
    item = input_with_result(alice_app)
    response = alice_api.get(f"/api/v1/inputs/{item.pk}/pages/9223372036854775808/image/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_it_explains_ids_out_of_range_in_queries_and_bodies(alice_api, alice_app) -> None:
    item = input_with_result(alice_app)
    run = alice_api.get(f"/api/v1/inputs/{item.pk}/result/", {"run": 10**20})
    assert run.status_code == 400 and run.json()["errors"]["run"]
    region = item.runs.get().regions.first()
    merge = alice_api.post(
        f"/api/v1/regions/{region.pk}/merge/",
        {"version": 1, "with": 10**20, "with_version": 1},
        format="json",
    )
    assert merge.status_code == 400 and merge.json()["errors"]["with"]


def test_the_site_keeps_its_own_404_page(client, alice) -> None:
    client.force_login(alice)
    response = client.get("/inputs/abc/")
    assert response.status_code == 404 and b"Page not found" in response.content


def test_a_file_just_over_the_limit_is_413_not_400(alice_api, alice_app, settings) -> None:
    settings.OCR_MAX_UPLOAD_MB = 1
    data = b"\x89PNG" + b"0" * (MB + 10 * 1024 - 4)  # over by 10 KB: within the framing allowance
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = alice_api.post(
        f"/api/v1/apps/{alice_app.pk}/inputs/",
        {"file": SimpleUploadedFile("big.png", data)},
        format="multipart",
    )
    assert response.status_code == 413
    assert "the limit is 1 MB (OCR_MAX_UPLOAD_MB)" in response.json()["detail"]
    assert not Input.objects.exists()


def _post_claiming(client: Client, path: str, declared: int):
    # The body is 10 bytes; reading more than that fails the test client's WSGI input, so an
    # answer proves the body was judged from its Content-Length alone.
    return client.generic(
        "POST",
        path,
        b"0123456789",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(declared),
    )


def test_the_upload_form_refuses_a_huge_body_before_reading_it(alice, alice_app, settings) -> None:
    settings.OCR_MAX_UPLOAD_MB = 5
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    # With a CSRF cookie, Django's CSRF check reads the form's token from the body.
    client.cookies["csrftoken"] = "a" * 32
    response = _post_claiming(client, f"/apps/{alice_app.pk}/", 200 * MB)
    assert response.status_code == 413
    assert b"the limit is 5 MB (OCR_MAX_UPLOAD_MB)" in response.content
    assert not Input.objects.exists()


def test_the_api_refuses_a_huge_body_before_reading_it(alice_api, alice_app, settings) -> None:
    settings.OCR_MAX_UPLOAD_MB = 5
    response = _post_claiming(alice_api, f"/api/v1/apps/{alice_app.pk}/inputs/", 200 * MB)
    assert response.status_code == 413
    assert "OCR_MAX_UPLOAD_MB" in response.json()["detail"]
