"""The server-rendered pages: sign-in, apps, upload without JavaScript, the page view."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ocr.models import App, Input
from tests.factories import input_with_result
from tests.images import png_bomb

pytestmark = pytest.mark.django_db


def test_it_sends_strangers_to_sign_in(client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_signs_in_with_the_form(client, alice) -> None:
    page = client.get("/login/")
    assert b'name="username"' in page.content and b'name="password"' in page.content
    response = client.post("/login/", {"username": "alice", "password": "alice-password-1"})
    assert response.status_code == 302
    assert b"No apps yet" in client.get("/").content  # the empty state says what to do


def test_it_creates_an_app_and_uploads_without_javascript(client, alice, phototest_png) -> None:
    client.force_login(alice)
    response = client.post("/", {"name": "Letters", "workflow": "default"})
    app = App.objects.get(name="Letters")
    assert response["Location"] == f"/apps/{app.pk}/"
    client.post(
        f"/apps/{app.pk}/",
        {
            "files": [
                SimpleUploadedFile("a.png", phototest_png),
                SimpleUploadedFile("b.png", png_bomb()),
            ]
        },
    )
    assert list(Input.objects.values_list("name", flat=True)) == ["a.png"]
    page = client.get(f"/apps/{app.pk}/").content.decode()
    assert "a.png" in page and 'data-status="queued"' in page
    assert "b.png: The image has 900 megapixels" in page  # the refusal is shown


def test_it_uploads_a_long_non_ascii_name_without_javascript(
    client, alice, alice_app, phototest_png
) -> None:
    client.force_login(alice)
    name = "é" * 150 + ".png"  # 300 bytes: too long for a file name on disk
    response = client.post(
        f"/apps/{alice_app.pk}/", {"files": [SimpleUploadedFile(name, phototest_png)]}
    )
    assert response.status_code == 302
    assert list(Input.objects.values_list("name", flat=True)) == [name]
    assert name in client.get(f"/apps/{alice_app.pk}/").content.decode()


def test_it_draws_every_region_on_the_page_view(client, alice, alice_app) -> None:
    item = input_with_result(alice_app, ("alpha", "beta"))
    client.force_login(alice)
    assert client.get(f"/inputs/{item.pk}/")["Location"] == f"/inputs/{item.pk}/pages/0/"
    html = client.get(f"/inputs/{item.pk}/pages/0/").content.decode()
    region_ids = [str(r.pk) for r in item.runs.get().regions.all()]
    for region_id in region_ids:
        assert html.count(f'data-region-id="{region_id}"') == 2  # polygon and list entry
    assert "alpha" in html and "beta" in html
    selected = client.get(f"/inputs/{item.pk}/pages/0/?region={region_ids[1]}").content.decode()
    assert 'class="region selected"' in selected


def test_it_hides_another_users_pages(client, bob, alice_app) -> None:
    item = input_with_result(alice_app)
    client.force_login(bob)
    for url in [f"/apps/{alice_app.pk}/", f"/inputs/{item.pk}/", f"/inputs/{item.pk}/pages/0/"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/apps/{alice_app.pk}/", {}).status_code == 404
    assert b"Alice" not in client.get("/").content


def test_the_page_view_offers_every_export(client, alice, alice_app) -> None:
    item = input_with_result(alice_app)
    client.force_login(alice)
    html = client.get(f"/inputs/{item.pk}/pages/0/").content.decode()
    for fmt in ("txt", "json", "hocr", "alto", "page", "pdf", "overlay"):
        assert f"/api/v1/inputs/{item.pk}/export/?format={fmt}" in html


def test_timecodes_read_like_a_video_player() -> None:
    from ocr.templatetags.legible import timecode

    assert timecode(0) == "0:00.0"
    assert timecode(12_345) == "0:12.3"
    assert timecode(3_723_000) == "1:02:03.0"
    assert timecode(None) == ""


def test_it_says_so_when_the_upload_form_has_no_file(client, alice, alice_app) -> None:
    client.force_login(alice)
    shown = client.get(f"/apps/{alice_app.pk}/").content.decode()
    assert 'id="upload-empty" role="alert" hidden' in shown  # there for the script, not shown
    response = client.post(f"/apps/{alice_app.pk}/", {"text_layer": "on"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose one or more files first" in body
    assert 'id="upload-empty" role="alert" hidden' not in body
