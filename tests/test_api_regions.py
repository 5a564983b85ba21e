"""Editing a region's text with its version: no silent overwrites."""

from __future__ import annotations

import pytest

from ocr.models import Region
from tests.factories import input_with_result

pytestmark = pytest.mark.django_db


@pytest.fixture
def region(alice_app):
    return Region.objects.filter(page__input=input_with_result(alice_app)).order_by("order").first()


def test_it_returns_regions_in_reading_order(alice_api, alice_app) -> None:
    item = input_with_result(alice_app, ("one", "two", "three"))
    [page] = alice_api.get(f"/api/v1/inputs/{item.pk}/result/").json()["pages"]
    assert [r["text"] for r in page["regions"]] == ["one", "two", "three"]
    assert page["regions"][0]["polygon"][0] == [10.0, 10.0]
    assert set(page["regions"][0]) == {
        "id", "polygon", "text", "score", "detection_score", "version", "edited", "source",
        "order", "corrected_by", "corrected_at", "first_ms", "last_ms", "repeat_of", "words",
    }  # fmt: skip


def test_it_saves_an_edit_with_the_current_version(alice_api, region) -> None:
    response = alice_api.patch(
        f"/api/v1/regions/{region.pk}/", {"text": "corrected", "version": 1}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["text"] == "corrected"
    assert response.json()["version"] == 2
    assert response.json()["edited"] is True
    assert response.json()["corrected_by"] == "alice"


def test_it_refuses_a_stale_version_with_both_texts(alice_api, region) -> None:
    url = f"/api/v1/regions/{region.pk}/"
    alice_api.patch(url, {"text": "first edit", "version": 1}, format="json")
    stale = alice_api.patch(url, {"text": "second edit", "version": 1}, format="json")
    assert stale.status_code == 409
    body = stale.json()
    assert "changed by someone else" in body["detail"]
    assert body["current"]["text"] == "first edit"
    assert body["current"]["version"] == 2
    assert alice_api.get(url).json()["text"] == "first edit"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": "x"}, "version"),
        ({"text": "x", "version": 0}, "version"),
        ({"version": 1}, "text"),  # nothing to change
        ({"text": "x", "version": 1, "polygon": [[0, 0], [1, 1]]}, "polygon"),
        ({"text": "x", "version": 1, "polygon": "square"}, "polygon"),
        ({"version": 1, "order": -1}, "order"),
    ],
)
def test_it_explains_bad_edits(alice_api, region, payload, field) -> None:
    response = alice_api.patch(f"/api/v1/regions/{region.pk}/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][field]


def test_it_hides_another_users_region(bob_api, region) -> None:
    url = f"/api/v1/regions/{region.pk}/"
    assert bob_api.get(url).status_code == 404
    assert bob_api.patch(url, {"text": "mine", "version": 1}, format="json").status_code == 404
    region.refresh_from_db()
    assert region.text == "first line"


@pytest.mark.parametrize("text", ["a\u0001b", "bad \ufffe", "tab\u000bbed", "\x85", "nul\x00"])
def test_it_refuses_control_characters_in_text(alice_api, region, text) -> None:
    url = f"/api/v1/regions/{region.pk}/"
    response = alice_api.patch(url, {"text": text, "version": 1}, format="json")
    assert response.status_code == 400
    assert "control characters" in response.json()["errors"]["text"][0]
    region.refresh_from_db()
    assert region.text == "first line" and region.version == 1


def test_it_keeps_tabs_newlines_and_any_script(alice_api, region) -> None:
    text = "Fuchs\tüber «rapide» café 狐 🦊\nnext"
    response = alice_api.patch(
        f"/api/v1/regions/{region.pk}/", {"text": text, "version": 1}, format="json"
    )
    assert response.status_code == 200 and response.json()["text"] == text


def test_it_refuses_a_lone_surrogate(alice_api, region) -> None:
    # Only raw JSON can carry one: "\\ud800" with no pair.
    response = alice_api.generic(
        "PATCH",
        f"/api/v1/regions/{region.pk}/",
        b'{"text": "a\\ud800", "version": 1}',
        content_type="application/json",
    )
    assert response.status_code == 400 and "U+D800" in response.json()["errors"]["text"][0]
