"""Corrections through the API: draw, reshape, reorder, delete, split, merge, history, verified
pages, run history and the review queue; every change versioned, nothing visible to others."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ocr.models import Region
from tests.factories import input_with_result

pytestmark = pytest.mark.django_db

LINES = ("first line", "second line", "third line", "fourth line")


@pytest.fixture
def item(alice_app):
    return input_with_result(alice_app, LINES)


def regions(api, item) -> list[dict]:
    return api.get(f"/api/v1/inputs/{item.pk}/result/").json()["pages"][0]["regions"]


def texts(api, item) -> list[str]:
    return [r["text"] for r in regions(api, item)]


def draw_url(item, index: int = 0) -> str:
    return f"/api/v1/inputs/{item.pk}/pages/{index}/regions/"


def box(left: float, top: float, right: float, bottom: float) -> list[list[float]]:
    return [[left, top], [right, top], [right, bottom], [left, bottom]]


def test_it_draws_a_region_with_text_in_its_place_on_the_page(alice_api, item) -> None:
    # Between the second (y 50-80) and the third line (y 90-120), to the right.
    response = alice_api.post(
        draw_url(item), {"polygon": box(320, 55, 500, 78), "text": "margin note"}, format="json"
    )
    assert response.status_code == 201, response.content
    drawn = response.json()
    assert drawn["source"] == "person"
    assert drawn["edited"] is True
    assert drawn["corrected_by"] == "alice"
    assert drawn["version"] == 1
    assert texts(alice_api, item) == ["first line", "second line", "margin note", *LINES[2:]]
    history = alice_api.get(f"/api/v1/regions/{drawn['id']}/history/").json()
    assert [(h["action"], h["user"]) for h in history] == [("draw", "alice")]


def test_it_draws_a_region_after_the_one_named(alice_api, item) -> None:
    first = regions(alice_api, item)[0]["id"]
    response = alice_api.post(
        draw_url(item),
        {"polygon": box(10, 300, 200, 330), "text": "late", "after": first},
        format="json",
    )
    assert response.status_code == 201
    assert texts(alice_api, item)[:2] == ["first line", "late"]
    assert [r["order"] for r in regions(alice_api, item)] == list(range(5))


@pytest.mark.model
def test_it_reads_a_drawn_region_without_text(alice_api, alice_app, phototest_png) -> None:
    # The factory's page is phototest.png; its first printed line is at y 86-124.
    item = input_with_result(alice_app, ("elsewhere",))
    response = alice_api.post(draw_url(item), {"polygon": box(30, 84, 590, 126)}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["text"] == "This is a lot of 12 point text to test the"
    assert 0.5 < response.json()["score"] <= 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"polygon": [[0, 0], [10, 10]]}, "polygon"),
        ({"polygon": [[0, 0], [10, 0], ["a", 5]]}, "polygon"),
        ({"polygon": box(-50, -50, -10, -10), "text": "x"}, "polygon"),  # off the page
        ({"polygon": box(0, 0, 10, 10), "text": "x", "after": 999999}, "after"),
        ({"text": "no shape"}, "polygon"),
    ],
)
def test_it_explains_a_bad_drawing(alice_api, item, payload, field) -> None:
    response = alice_api.post(draw_url(item), payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][field]


def test_it_refuses_to_draw_a_region_with_control_characters(alice_api, item) -> None:
    response = alice_api.post(
        draw_url(item), {"polygon": box(10, 300, 200, 330), "text": "x\u0001"}, format="json"
    )
    assert response.status_code == 400
    assert "U+0001" in response.json()["errors"]["text"][0]


def test_it_answers_404_for_a_page_that_does_not_exist(alice_api, item) -> None:
    response = alice_api.post(draw_url(item, 7), {"polygon": box(0, 0, 9, 9)}, format="json")
    assert response.status_code == 404


def test_it_reshapes_a_region(alice_api, item) -> None:
    region = regions(alice_api, item)[1]
    shape = [[12, 48], [150, 46], [298, 50], [298, 82], [150, 84], [12, 82]]
    response = alice_api.patch(
        f"/api/v1/regions/{region['id']}/", {"version": 1, "polygon": shape}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["polygon"] == shape
    assert response.json()["text"] == "second line"
    assert response.json()["version"] == 2


def test_it_moves_a_region_in_the_reading_order(alice_api, item) -> None:
    third = regions(alice_api, item)[2]
    response = alice_api.patch(
        f"/api/v1/regions/{third['id']}/", {"version": 1, "order": 0}, format="json"
    )
    assert response.status_code == 200
    assert texts(alice_api, item) == ["third line", "first line", "second line", "fourth line"]
    assert [r["order"] for r in regions(alice_api, item)] == [0, 1, 2, 3]
    # Only the moved one is a correction; the others kept their versions.
    assert [r["version"] for r in regions(alice_api, item)] == [2, 1, 1, 1]


def test_it_deletes_a_region_with_its_version(alice_api, item) -> None:
    second = regions(alice_api, item)[1]
    url = f"/api/v1/regions/{second['id']}/"
    assert alice_api.delete(url).status_code == 400  # which version?
    alice_api.patch(url, {"version": 1, "text": "changed"}, format="json")
    stale = alice_api.delete(f"{url}?version=1")
    assert stale.status_code == 409
    assert stale.json()["current"]["text"] == "changed"
    assert alice_api.delete(f"{url}?version=2").status_code == 204
    assert texts(alice_api, item) == ["first line", "third line", "fourth line"]
    assert [r["order"] for r in regions(alice_api, item)] == [0, 1, 2]
    assert alice_api.get(url).status_code == 404
    assert alice_api.patch(url, {"version": 2, "text": "late"}, format="json").status_code == 404


def test_it_splits_a_line_at_a_character(alice_api, item) -> None:
    first = regions(alice_api, item)[0]
    response = alice_api.post(
        f"/api/v1/regions/{first['id']}/split/", {"version": 1, "at": 5}, format="json"
    )
    assert response.status_code == 201, response.content
    head, tail = response.json()["regions"]
    assert (head["id"], head["text"], head["version"]) == (first["id"], "first", 2)
    assert tail["text"] == "line"
    assert texts(alice_api, item)[:3] == ["first", "line", "second line"]
    # The line (x 10-300) cut at 5/10 of its text: two halves side by side.
    assert max(x for x, _ in head["polygon"]) == pytest.approx(155, abs=1)
    assert min(x for x, _ in tail["polygon"]) == pytest.approx(155, abs=1)
    bad = alice_api.post(
        f"/api/v1/regions/{first['id']}/split/", {"version": 2, "at": 99}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["errors"]["at"]


def test_it_merges_two_neighbours(alice_api, item) -> None:
    first, second = regions(alice_api, item)[:2]
    # Asked from the later one: the merged region is the earlier one in reading order.
    response = alice_api.post(
        f"/api/v1/regions/{second['id']}/merge/",
        {"version": 1, "with": first["id"], "with_version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    merged = response.json()
    assert (merged["id"], merged["text"]) == (first["id"], "first line second line")
    ys = [y for _, y in merged["polygon"]]
    assert (min(ys), max(ys)) == (10, 80)
    assert texts(alice_api, item) == ["first line second line", "third line", "fourth line"]
    assert alice_api.get(f"/api/v1/regions/{second['id']}/").status_code == 404


def test_a_stale_merge_changes_nothing(alice_api, item) -> None:
    first, second = regions(alice_api, item)[:2]
    alice_api.patch(
        f"/api/v1/regions/{second['id']}/", {"version": 1, "text": "new"}, format="json"
    )
    response = alice_api.post(
        f"/api/v1/regions/{first['id']}/merge/",
        {"version": 1, "with": second["id"], "with_version": 1},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["current"]["id"] == second["id"]
    assert texts(alice_api, item) == ["first line", "new", "third line", "fourth line"]


def test_it_keeps_every_version_of_a_region(alice_api, item) -> None:
    region = regions(alice_api, item)[0]
    url = f"/api/v1/regions/{region['id']}/"
    alice_api.patch(url, {"version": 1, "text": "first lime"}, format="json")
    alice_api.patch(url, {"version": 2, "text": "first line!"}, format="json")
    history = alice_api.get(f"{url}history/").json()
    assert [(h["version"], h["text"], h["user"]) for h in history] == [
        (3, "first line!", "alice"),
        (2, "first lime", "alice"),
        (1, "first line", None),  # as the run read it
    ]
    assert set(history[0]) == {"version", "action", "text", "polygon", "order", "user", "at"}


def test_it_marks_a_page_verified_and_back(alice_api, item) -> None:
    url = f"/api/v1/inputs/{item.pk}/pages/0/verified/"
    response = alice_api.put(url, {"verified": True}, format="json")
    assert response.status_code == 200
    assert response.json()["verified"] is True
    assert len(response.json()["regions"]) == 4
    result = alice_api.get(f"/api/v1/inputs/{item.pk}/result/").json()
    assert result["pages"][0]["verified"] is True
    assert alice_api.get(f"/api/v1/inputs/{item.pk}/").json()["pages"] == {
        "total": 1,
        "verified": 1,
    }
    assert alice_api.put(url, {"verified": False}, format="json").json()["verified"] is False
    assert alice_api.put(url, {"verified": "perhaps"}, format="json").status_code == 400


def test_it_lists_runs_and_shows_an_earlier_runs_own_reading(alice_api, item) -> None:
    region = regions(alice_api, item)[0]
    alice_api.patch(f"/api/v1/regions/{region['id']}/", {"version": 1, "text": "fixed"}, "json")
    runs = alice_api.get(f"/api/v1/inputs/{item.pk}/runs/").json()
    assert runs["count"] == 1
    [run] = runs["results"]
    assert run["status"] == "succeeded"
    as_read = alice_api.get(f"/api/v1/inputs/{item.pk}/result/?run={run['id']}").json()
    assert as_read["run"]["id"] == run["id"]
    [page] = as_read["pages"]
    assert [r["text"] for r in page["regions"]] == list(LINES)  # the edit is not history
    assert page["regions"][0]["id"] is None
    assert texts(alice_api, item)[0] == "fixed"
    assert alice_api.get(f"/api/v1/inputs/{item.pk}/").json()["corrections"] == 1


def test_it_refuses_another_inputs_run(alice_api, alice_app, item) -> None:
    other = input_with_result(alice_app)
    run = other.runs.get()
    response = alice_api.get(f"/api/v1/inputs/{item.pk}/result/?run={run.pk}")
    assert response.status_code == 404


def test_the_review_queue_serves_unchecked_lines_least_confident_first(alice_api, item) -> None:
    scores = [0.95, 0.4, 0.7, 0.55]
    for region, score in zip(
        Region.objects.filter(page__input=item).order_by("order"), scores, strict=True
    ):
        Region.objects.filter(pk=region.pk).update(score=score)
    url = f"/api/v1/apps/{item.app_id}/review/"
    body = alice_api.get(url).json()
    assert [line["text"] for line in body["results"]] == [
        "second line",
        "fourth line",
        "third line",
        "first line",
    ]
    assert body["progress"] == {"reviewed": 0, "total": 4}
    line = body["results"][0]
    assert set(line) == {"region", "input", "page", "text", "score", "version", "polygon", "crop"}
    crop = alice_api.get(line["crop"])
    assert crop.status_code == 200
    assert crop["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(crop.content)).size == (290, 30)
    # Confirming a line (its text unchanged) takes it out of the queue.
    alice_api.patch(
        f"/api/v1/regions/{line['region']}/", {"version": 1, "text": line["text"]}, format="json"
    )
    body = alice_api.get(url).json()
    assert [line["text"] for line in body["results"]][0] == "fourth line"
    assert body["progress"] == {"reviewed": 1, "total": 4}
    # A verified page's lines are checked.
    alice_api.put(f"/api/v1/inputs/{item.pk}/pages/0/verified/", {"verified": True}, "json")
    body = alice_api.get(url).json()
    assert body["count"] == 0
    assert body["progress"] == {"reviewed": 4, "total": 4}


def test_another_user_gets_404_from_every_correction_endpoint(bob_api, item) -> None:
    region = Region.objects.filter(page__input=item).first()
    r = f"/api/v1/regions/{region.pk}/"
    calls = [
        ("post", draw_url(item), {"polygon": box(0, 0, 9, 9), "text": "x"}),
        ("patch", r, {"version": 1, "text": "x"}),
        ("delete", f"{r}?version=1", None),
        ("get", f"{r}history/", None),
        ("get", f"{r}crop/", None),
        ("post", f"{r}split/", {"version": 1, "at": 2}),
        ("post", f"{r}merge/", {"version": 1, "with": region.pk, "with_version": 1}),
        ("put", f"/api/v1/inputs/{item.pk}/pages/0/verified/", {"verified": True}),
        ("get", f"/api/v1/inputs/{item.pk}/runs/", None),
        ("get", f"/api/v1/inputs/{item.pk}/result/?run={item.runs.get().pk}", None),
        ("get", f"/api/v1/apps/{item.app_id}/review/", None),
    ]
    for method, url, payload in calls:
        response = getattr(bob_api, method)(url, payload, format="json")
        assert response.status_code == 404, (method, url, response.content)
    region.refresh_from_db()
    assert (region.text, region.version) == ("first line", 1)
    assert Region.objects.filter(page__input=item).count() == 4
