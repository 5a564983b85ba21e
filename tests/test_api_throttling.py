"""Request rates: per token, a lower one for uploads, per IP for the token endpoint; a 429
answers in the API's error shape with Retry-After."""

from __future__ import annotations

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttles():
    # Counters live in the cache, which outlives a test; start and end each test at zero.
    cache.clear()
    yield
    cache.clear()


def _assert_throttled(response) -> None:
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"detail"}
    assert "throttled" in body["detail"]
    assert int(response["Retry-After"]) > 0


def test_it_limits_each_token_on_its_own(alice_api, bob_api, alice_app, settings) -> None:
    settings.OCR_API_RATE = "3/minute"
    for _ in range(3):
        assert alice_api.get("/api/v1/apps/").status_code == 200
    _assert_throttled(alice_api.get(f"/api/v1/apps/{alice_app.pk}/"))
    # Bob's requests are his own; alice's are not spent by them.
    assert bob_api.get("/api/v1/apps/").status_code == 200


def test_it_reads_the_rate_at_request_time(alice_api, settings) -> None:
    settings.OCR_API_RATE = "1/minute"
    assert alice_api.get("/api/v1/models/").status_code == 200
    _assert_throttled(alice_api.get("/api/v1/models/"))
    settings.OCR_API_RATE = "5/minute"
    assert alice_api.get("/api/v1/models/").status_code == 200


def test_it_limits_uploads_lower_than_reads(alice_api, alice_app, settings) -> None:
    settings.OCR_API_UPLOAD_RATE = "1/minute"
    url = f"/api/v1/apps/{alice_app.pk}/inputs/"
    # A refused (empty) upload still counts: the limit is on requests, not on accepted files.
    assert alice_api.post(url, {}, format="multipart").status_code == 400
    _assert_throttled(alice_api.post(url, {}, format="multipart"))
    assert alice_api.get(url).status_code == 200  # reads go on


def test_it_limits_password_guessing_per_ip(client, alice, settings) -> None:
    settings.OCR_API_ANON_RATE = "2/minute"
    url = "/api/v1/auth/token/"
    for _ in range(2):
        assert client.post(url, {"username": "alice", "password": "guess"}).status_code == 400
    _assert_throttled(client.post(url, {"username": "alice", "password": "alice-password-1"}))
    # Another address has its own allowance.
    other = client.post(
        url, {"username": "alice", "password": "alice-password-1"}, REMOTE_ADDR="10.0.0.2"
    )
    assert other.status_code == 200 and other.json()["token"]


def test_it_ignores_a_forged_forwarded_for_header(client, alice, settings) -> None:
    settings.OCR_API_ANON_RATE = "1/minute"
    url = "/api/v1/auth/token/"
    client.post(url, {"username": "alice", "password": "guess"}, HTTP_X_FORWARDED_FOR="1.1.1.1")
    forged = client.post(
        url, {"username": "alice", "password": "guess"}, HTTP_X_FORWARDED_FOR="2.2.2.2"
    )
    _assert_throttled(forged)
