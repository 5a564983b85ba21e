"""The account page: API token create, replace and revoke; password change."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def _shown_key(html: str) -> str:
    match = re.search(r'id="new-token" class="token" value="([0-9a-f]{40})"', html)
    assert match, html
    return match.group(1)


def test_it_creates_a_token_that_the_api_accepts(client, alice) -> None:
    client.force_login(alice)
    assert "No token yet." in client.get("/account/").content.decode()
    response = client.post("/account/", {"action": "create"})
    assert response["Cache-Control"] == "no-store"
    key = _shown_key(response.content.decode())
    assert Token.objects.get(user=alice).key == key
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/apps/").status_code == 200
    again = client.get("/account/").content.decode()
    assert key not in again and "A token exists" in again  # shown once


def test_replacing_the_token_stops_the_old_one(client, alice) -> None:
    client.force_login(alice)
    old = _shown_key(client.post("/account/", {"action": "create"}).content.decode())
    new = _shown_key(client.post("/account/", {"action": "create"}).content.decode())
    assert old != new
    assert Client(HTTP_AUTHORIZATION=f"Token {old}").get("/api/v1/apps/").status_code == 401


def test_it_revokes_the_token(client, alice) -> None:
    client.force_login(alice)
    key = _shown_key(client.post("/account/", {"action": "create"}).content.decode())
    response = client.post("/account/", {"action": "revoke"}, follow=True)
    assert "Revoked the API token" in response.content.decode()
    assert not Token.objects.filter(user=alice).exists()
    assert Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/apps/").status_code == 401


def test_it_refuses_an_unknown_action(client, alice) -> None:
    client.force_login(alice)
    response = client.post("/account/", {"action": "steal"}, follow=True)
    assert "Unknown action." in response.content.decode()
    assert not Token.objects.exists()


def test_it_touches_only_the_signed_in_users_token(client, alice, bob) -> None:
    bobs = Token.objects.create(user=bob)
    client.force_login(alice)
    client.post("/account/", {"action": "revoke"})
    client.post("/account/", {"action": "create"})
    assert Token.objects.get(user=bob).key == bobs.key
    assert bobs.key not in client.get("/account/").content.decode()


def test_it_changes_the_password(client, alice) -> None:
    client.force_login(alice)
    page = client.get("/account/password/").content.decode()
    assert 'for="id_old_password"' in page and 'for="id_new_password1"' in page
    wrong = client.post(
        "/account/password/",
        {"old_password": "nope", "new_password1": "x", "new_password2": "y"},
    )
    assert wrong.status_code == 200 and 'class="flash error"' in wrong.content.decode()
    response = client.post(
        "/account/password/",
        {
            "old_password": "alice-password-1",
            "new_password1": "a-much-longer-secret-9",
            "new_password2": "a-much-longer-secret-9",
        },
    )
    assert response["Location"] == "/account/password/done/"
    alice.refresh_from_db()
    assert alice.check_password("a-much-longer-secret-9")


def test_its_forms_need_the_csrf_token(alice) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post("/account/", {"action": "create"}).status_code == 403
    assert not Token.objects.exists()


def test_it_is_for_signed_in_users(client) -> None:
    for url in ("/account/", "/account/password/"):
        assert client.get(url)["Location"].startswith("/login/"), url
