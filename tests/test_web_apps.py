"""The apps pages: list and create, settings (rename, workflow), delete with confirmation."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from ocr import services
from ocr.models import App, Input, Page
from tests.factories import input_with_result

pytestmark = pytest.mark.django_db


def test_it_tells_a_new_user_what_to_do(client, alice) -> None:
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "No apps yet" in html and "create one below" in html
    assert 'for="id_name"' in html and 'for="id_workflow"' in html


def test_it_lists_an_owners_apps_with_their_actions(client, alice, alice_app) -> None:
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "Alice&#x27;s archive" in html
    assert f"/apps/{alice_app.pk}/settings/" in html and f"/apps/{alice_app.pk}/delete/" in html


def test_it_creates_an_app_with_a_ready_workflow(client, alice) -> None:
    client.force_login(alice)
    response = client.post("/", {"name": "  Letters ", "workflow": "fast"})
    app = App.objects.get(owner=alice)
    assert (app.name, app.workflow) == ("Letters", "fast")
    assert response["Location"] == f"/apps/{app.pk}/"


def test_it_shows_what_is_wrong_with_a_new_app(client, alice) -> None:
    client.force_login(alice)
    response = client.post("/", {"name": "", "workflow": "nonesuch"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Name: This field is required." in html
    assert "Select a valid choice" in html
    assert not App.objects.exists()


def test_it_renames_an_app_and_sets_a_saved_workflow(client, alice, alice_app) -> None:
    saved = services.create_workflow(
        alice_app, "Mine", [{"id": "d", "model": "ppocrv6-tiny-det", "params": {}, "input": None},
                            {"id": "c", "model": "crop-1.0", "params": {}, "input": "d"},
                            {"id": "r", "model": "ppocrv6-tiny-rec", "params": {}, "input": "c"}],
    )  # fmt: skip
    client.force_login(alice)
    page = client.get(f"/apps/{alice_app.pk}/settings/").content.decode()
    assert f'<option value="{saved.pk}">Mine (saved)</option>' in page
    response = client.post(
        f"/apps/{alice_app.pk}/settings/", {"name": "Registers", "workflow": str(saved.pk)}
    )
    assert response["Location"] == "/"
    alice_app.refresh_from_db()
    assert (alice_app.name, alice_app.workflow) == ("Registers", str(saved.pk))


def test_it_refuses_a_blank_name_or_unknown_workflow(client, alice, alice_app) -> None:
    client.force_login(alice)
    response = client.post(f"/apps/{alice_app.pk}/settings/", {"name": " ", "workflow": "9999"})
    assert response.status_code == 400
    assert response.content.decode().count('class="flash error"') == 2
    alice_app.refresh_from_db()
    assert alice_app.name == "Alice's archive"


def test_it_asks_before_deleting_and_then_deletes_everything(client, alice, alice_app) -> None:
    item = input_with_result(alice_app)
    files = [item.file.path, Page.objects.get(input=item).image.path]
    client.force_login(alice)
    confirm = client.get(f"/apps/{alice_app.pk}/delete/")
    assert "its 1 input," in confirm.content.decode()
    assert App.objects.filter(pk=alice_app.pk).exists()  # asking deletes nothing

    response = client.post(f"/apps/{alice_app.pk}/delete/")
    assert response["Location"] == "/"
    assert not App.objects.exists() and not Input.objects.exists()
    assert not any(os.path.exists(path) for path in files)


def test_it_hides_another_users_app_settings(client, bob, alice_app) -> None:
    client.force_login(bob)
    for url in (f"/apps/{alice_app.pk}/settings/", f"/apps/{alice_app.pk}/delete/"):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "Mine now"}).status_code == 404, url
    assert App.objects.get(pk=alice_app.pk).name == "Alice's archive"


def test_its_forms_need_the_csrf_token(alice, alice_app) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post("/", {"name": "X", "workflow": "default"}).status_code == 403
    assert client.post(f"/apps/{alice_app.pk}/delete/").status_code == 403
    assert client.post(f"/apps/{alice_app.pk}/settings/", {"name": "Y"}).status_code == 403
    assert App.objects.count() == 1


def test_it_refuses_a_workflow_whose_models_are_not_installed(
    client, alice, alice_app, tesseract_not_installed
) -> None:
    client.force_login(alice)
    form = client.get(f"/apps/{alice_app.pk}/settings/").content.decode()
    assert '<option value="tesseract">Tesseract 5 (English) (not installed)</option>' in form
    assert '<option value="default" selected>Default (PP-OCRv6 small)</option>' in form
    response = client.post(
        f"/apps/{alice_app.pk}/settings/", {"name": "Letters", "workflow": "tesseract"}
    )
    assert response.status_code == 400
    assert "cannot run on this server" in response.content.decode()
    assert "tesserocr package is not installed" in response.content.decode()
    alice_app.refresh_from_db()
    assert alice_app.workflow == "default"
