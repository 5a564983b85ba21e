"""Sign-in pages (ours and the admin's) refuse guessing: 429 past a number of failures per user
name or per IP address, counted in the shared cache; a success clears the user name's count."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

WRONG = {"username": "alice", "password": "guess"}
RIGHT = {"username": "alice", "password": "alice-password-1"}


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.OCR_LOGIN_FAILURES_PER_USER = 3
    settings.OCR_LOGIN_FAILURES_PER_IP = 5


def _assert_refused(response) -> None:
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert int(response["Retry-After"]) == 15 * 60


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_it_refuses_a_user_name_after_its_failures(client, alice, path) -> None:
    alice.is_staff = True
    alice.save()
    for _ in range(3):
        assert client.post(path, WRONG).status_code == 200  # the form again, with its error
    # Even the right password: the guesser must not learn it is right.
    _assert_refused(client.post(path, RIGHT))
    assert "_auth_user_id" not in client.session
    # Another user name from the same address is still let in.
    assert client.post(path, {"username": "bob", "password": "x"}).status_code == 200


def test_it_refuses_an_address_after_its_failures(client, alice, bob) -> None:
    for name in ("carol", "dave", "erin", "frank", "gina"):
        client.post("/login/", {"username": name, "password": "x"})
    _assert_refused(client.post("/login/", RIGHT))
    other = client.post("/login/", RIGHT, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302  # signed in, from elsewhere


def test_a_success_clears_the_user_names_count(client, alice) -> None:
    for _ in range(2):
        client.post("/login/", WRONG)
    assert client.post("/login/", RIGHT).status_code == 302
    client.logout()
    for _ in range(2):
        assert client.post("/login/", WRONG).status_code == 200
    assert client.post("/login/", RIGHT).status_code == 302


def test_token_endpoint_failures_count_and_it_refuses_too(client, alice) -> None:
    for _ in range(3):
        assert client.post("/api/v1/auth/token/", WRONG).status_code == 400
    _assert_refused(client.post("/login/", RIGHT, REMOTE_ADDR="10.0.0.9"))
    token = client.post("/api/v1/auth/token/", RIGHT, REMOTE_ADDR="10.0.0.9")
    assert token.status_code == 429 and "Too many failed sign-ins" in token.json()["detail"]


def test_the_counts_live_in_the_shared_database_cache(client, alice, settings) -> None:
    # Not in one process's memory: every gunicorn process reads the same table.
    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    client.post("/login/", WRONG)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {settings.CACHE_TABLE}")  # noqa: S608
        assert cursor.fetchone()[0] >= 2  # the user name's count and the address's
