"""A real worker on Redis: corrections made while a run reads, then a worker killed mid-run, then
a re-run with another workflow. The result, search and exports keep every correction."""

from __future__ import annotations

import pytest

from ocr.models import Run
from tests.images import multipage_tiff
from tests.test_worker import _status, _upload

pytestmark = [pytest.mark.worker, pytest.mark.model, pytest.mark.django_db(transaction=True)]

PAGES = 4


def _page(api, input_id: int, index: int = 0) -> list[dict]:
    result = api.get(f"/api/v1/inputs/{input_id}/result/").json()
    return next(p for p in result["pages"] if p["index"] == index)["regions"]


def _check(api, app_id: int, input_id: int, expected: dict[str, str], deleted: str) -> None:
    texts = [r["text"] for r in _page(api, input_id)]
    for text in expected.values():
        assert text in texts
    assert deleted not in texts
    txt = api.get(f"/api/v1/inputs/{input_id}/export/?format=txt").content.decode()
    alto = api.get(f"/api/v1/inputs/{input_id}/export/?format=alto").content.decode()
    first_page = txt.split("\f")[0]
    for text in expected.values():
        assert text in first_page
        assert f'CONTENT="{text.split()[0]}"' in alto
    assert deleted not in first_page
    for word in ("Zanzibarr", "Quixotic", "Drawnword"):
        hits = api.get(f"/api/v1/apps/{app_id}/search/?q={word}").json()
        assert hits["count"] == 1, word
        assert hits["results"][0]["page"] == 0


def test_corrections_survive_a_killed_worker_and_a_rerun(start_worker, alice_api, alice_app):
    worker = start_worker()
    item = _upload(alice_api, alice_app, multipage_tiff(PAGES), "four.tif")
    run_id = item["run"]["id"]

    def page_zero_read() -> bool:
        status = _status(alice_api, run_id)
        return status["status"] == "running" and 1 <= status["progress"]["done"] < PAGES

    worker.wait_for(page_zero_read, 90, "page 0 to be read")
    # While the run reads the next pages: edit two lines of page 0, draw one, delete one.
    lines = _page(alice_api, item["id"])
    first, second, third = lines[0], lines[1], lines[2]
    expected = {"first": "Zanzibarr first line", "second": "Quixotic second line"}
    for line, text in ((first, expected["first"]), (second, expected["second"])):
        response = alice_api.patch(
            f"/api/v1/regions/{line['id']}/", {"version": line["version"], "text": text}, "json"
        )
        assert response.status_code == 200, response.content
    drawn = alice_api.post(
        f"/api/v1/inputs/{item['id']}/pages/0/regions/",
        {"polygon": [[5, 5], [120, 5], [120, 20], [5, 20]], "text": "Drawnword in the margin"},
        format="json",
    )
    assert drawn.status_code == 201, drawn.content
    expected["drawn"] = "Drawnword in the margin"
    gone = alice_api.delete(f"/api/v1/regions/{third['id']}/?version={third['version']}")
    assert gone.status_code == 204
    deleted = third["text"]

    worker.kill()  # page 0 will be read again by the next worker
    replacement = start_worker()
    replacement.wait_for(lambda: _status(alice_api, run_id)["status"] == "succeeded", 180, "run")
    assert Run.objects.get(pk=run_id).attempts == 2
    _check(alice_api, alice_app.pk, item["id"], expected, deleted)

    # A re-run with another workflow reads every page again.
    rerun = alice_api.post(f"/api/v1/inputs/{item['id']}/runs/", {"workflow": "fast"}, "json")
    assert rerun.status_code == 201
    replacement.wait_for(
        lambda: _status(alice_api, rerun.json()["id"])["status"] == "succeeded", 180, "re-run"
    )
    assert alice_api.get(f"/api/v1/inputs/{item['id']}/result/").json()["run"]["workflow"] == (
        "fast"
    )
    _check(alice_api, alice_app.pk, item["id"], expected, deleted)
    history = alice_api.get(f"/api/v1/inputs/{item['id']}/runs/").json()
    assert [r["workflow"] for r in history["results"]] == ["fast", "default"]
