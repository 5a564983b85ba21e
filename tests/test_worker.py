"""A real Celery worker against the real Redis: upload to result, bad input, and a worker killed
in the middle of a run."""

from __future__ import annotations

import pytest

from ocr.engine.metrics import cer
from ocr.models import Region, Run
from tests.conftest import PHOTOTEST_TEXT
from tests.images import multipage_tiff, truncated_jpeg

pytestmark = [pytest.mark.worker, pytest.mark.model, pytest.mark.django_db(transaction=True)]


def _upload(api, app, data: bytes, name: str) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api.post(
        f"/api/v1/apps/{app.pk}/inputs/",
        {"file": SimpleUploadedFile(name, data)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()


def _status(api, run_id: int) -> dict:
    return api.get(f"/api/v1/runs/{run_id}/").json()


def test_it_reads_an_upload_end_to_end(start_worker, alice_api, alice_app, phototest_png) -> None:
    worker = start_worker()
    item = _upload(alice_api, alice_app, phototest_png, "phototest.png")
    worker.wait_for(
        lambda: _status(alice_api, item["run"]["id"])["status"] == "succeeded", 60, "run"
    )
    result = alice_api.get(f"/api/v1/inputs/{item['id']}/result/").json()
    text = "\n".join(r["text"] for r in result["pages"][0]["regions"])
    assert cer(PHOTOTEST_TEXT, text) < 0.05


def test_a_bad_file_fails_its_run_and_the_worker_stays_up(
    start_worker, alice_api, alice_app, phototest_png, monkeypatch
) -> None:
    worker = start_worker()
    # Uploads refuse damaged images now: this one is kept as if uploaded before they did (the
    # patch is in this process only; the worker finds the damage).
    with monkeypatch.context() as before:
        before.setattr("ocr.ingest.inputs.verify_image", lambda path, limits: None)
        bad = _upload(alice_api, alice_app, truncated_jpeg(), "cut.jpg")
    good = _upload(alice_api, alice_app, phototest_png, "after.png")
    worker.wait_for(
        lambda: _status(alice_api, good["run"]["id"])["status"] == "succeeded", 60, "run"
    )
    failed = _status(alice_api, bad["run"]["id"])
    assert failed["status"] == "failed"
    assert "damaged or truncated" in failed["error"]
    assert worker.alive()


def test_deleting_an_input_mid_run_stops_its_run_and_the_worker_goes_on(
    start_worker, alice_api, alice_app, phototest_png
) -> None:
    import io

    from PIL import Image

    from ocr.models import Input, Page

    blank = Image.new("L", (64, 64), 255)
    buffer = io.BytesIO()
    blank.save(buffer, "TIFF", save_all=True, append_images=[blank] * 499)
    worker = start_worker()
    item = _upload(alice_api, alice_app, buffer.getvalue(), "blank.tif")
    worker.wait_for(
        lambda: _status(alice_api, item["run"]["id"])["progress"]["done"] >= 5, 90, "pages"
    )
    assert alice_api.delete(f"/api/v1/inputs/{item['id']}/").status_code == 204
    assert not Input.objects.filter(pk=item["id"]).exists()
    after = _upload(alice_api, alice_app, phototest_png, "after.png")
    worker.wait_for(
        lambda: _status(alice_api, after["run"]["id"])["status"] == "succeeded", 90, "next run"
    )
    assert not Page.objects.filter(input_id=item["id"]).exists()
    log = worker.log.read_text(errors="replace")
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]


def test_a_run_survives_its_worker_being_killed(start_worker, alice_api, alice_app) -> None:
    pages = 6
    worker = start_worker()
    item = _upload(alice_api, alice_app, multipage_tiff(pages), "six.tif")
    run_id = item["run"]["id"]

    def mid_run() -> bool:
        status = _status(alice_api, run_id)
        return status["status"] == "running" and 1 <= status["progress"]["done"] < pages

    worker.wait_for(mid_run, 90, "the run to be half done")
    # Finished pages are in the result while the rest are still being read.
    done = _status(alice_api, run_id)["progress"]["done"]
    partial = alice_api.get(f"/api/v1/inputs/{item['id']}/result/").json()
    assert done <= len(partial["pages"]) < pages
    assert all(page["regions"] for page in partial["pages"])
    worker.kill()
    assert _status(alice_api, run_id)["status"] == "running"

    replacement = start_worker()
    replacement.wait_for(lambda: _status(alice_api, run_id)["status"] == "succeeded", 120, "run")
    run = Run.objects.get(pk=run_id)
    assert run.attempts == 2
    assert run.progress_done == run.progress_total == pages
    # Every page shows the same image, so one clean set of regions has equal pages.
    per_page = [
        list(Region.objects.filter(run=run, page__index=i).values_list("text", flat=True))
        for i in range(pages)
    ]
    assert per_page[0] and all(texts == per_page[0] for texts in per_page)
    assert Region.objects.filter(run__input_id=item["id"]).count() == pages * len(per_page[0])
