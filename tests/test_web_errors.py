"""The error pages: in the site's layout, with a way back."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_it_answers_a_missing_page_with_a_way_home(client, alice) -> None:
    client.force_login(alice)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert 'href="/"' in body and "Back to your apps" in body
    assert 'rel="icon"' in body  # the site's layout, not Django's bare page


def test_it_answers_a_server_error_with_a_way_home() -> None:
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body and "Back to your apps" in body


def test_it_links_a_favicon_that_is_served(client, alice) -> None:
    client.force_login(alice)
    assert '<link rel="icon" href="/static/favicon.svg"' in client.get("/").content.decode()
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)
