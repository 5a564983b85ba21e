"""Executing runs in-process through the real engine: results, idempotence, failures, reaping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ocr import runs, services
from ocr.engine.metrics import cer
from ocr.models import Page, Region, Run
from tests.conftest import PHOTOTEST_TEXT
from tests.images import multipage_tiff, truncated_jpeg

pytestmark = pytest.mark.django_db


def _input(app, data: bytes, name: str):
    [item] = services.create_inputs(app, SimpleUploadedFile(name, data))
    return item


@pytest.mark.model
def test_it_reads_a_clean_page_through_the_api(alice_api, alice_app, phototest_png) -> None:
    item = _input(alice_app, phototest_png, "phototest.png")
    run = item.runs.get()
    runs.execute_run(run.pk)

    status = alice_api.get(f"/api/v1/runs/{run.pk}/").json()
    assert status["status"] == "succeeded"
    assert status["progress"] == {"done": 1, "total": 1}
    assert status["started"] and status["finished"]
    result = alice_api.get(f"/api/v1/inputs/{item.pk}/result/").json()
    assert result["run"]["id"] == run.pk
    [page] = result["pages"]
    assert (page["width"], page["height"]) == (640, 480)
    text = "\n".join(r["text"] for r in page["regions"])
    assert cer(PHOTOTEST_TEXT, text) < 0.05, text
    tops = [min(y for _, y in r["polygon"]) for r in page["regions"]]
    assert tops == sorted(tops)  # one column: reading order is top to bottom
    image = alice_api.get(page["image"])
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"


@pytest.mark.model
def test_it_replaces_a_pages_regions_when_a_run_is_read_again(alice_app, phototest_png) -> None:
    run = _input(alice_app, phototest_png, "p.png").runs.get()
    runs.execute_run(run.pk)
    first = list(Region.objects.filter(run=run).values_list("text", flat=True))
    # As if the message were delivered again after the run was reaped.
    Run.objects.filter(pk=run.pk).update(status=Run.Status.QUEUED)
    runs.execute_run(run.pk)
    assert list(Region.objects.filter(run=run).values_list("text", flat=True)) == first
    assert Page.objects.filter(input=run.input).count() == 1
    assert Run.objects.get(pk=run.pk).attempts == 2


@pytest.mark.model
def test_it_reads_every_page_of_a_tiff(alice_app) -> None:
    run = _input(alice_app, multipage_tiff(3), "three.tif").runs.get()
    runs.execute_run(run.pk)
    run.refresh_from_db()
    assert (run.status, run.progress_done, run.progress_total) == ("succeeded", 3, 3)
    counts = [Region.objects.filter(run=run, page__index=i).count() for i in range(3)]
    assert counts[0] > 5 and counts == [counts[0]] * 3


def test_it_fails_a_truncated_image_with_a_readable_reason(alice_app) -> None:
    run = _input(alice_app, truncated_jpeg(), "cut.jpg").runs.get()
    runs.execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == "failed"
    assert run.error.startswith("The image is damaged or truncated")
    assert run.finished is not None
    assert not Region.objects.filter(run=run).exists()


def test_it_returns_quietly_for_a_run_that_is_gone_or_finished(alice_app, phototest_png) -> None:
    runs.execute_run(987654)
    run = _input(alice_app, phototest_png, "p.png").runs.get()
    Run.objects.filter(pk=run.pk).update(status=Run.Status.SUCCEEDED)
    runs.execute_run(run.pk)
    assert Run.objects.get(pk=run.pk).attempts == 0


def test_it_claims_a_run_once_unless_its_worker_went_quiet(
    alice_app, phototest_png, settings
) -> None:
    run = _input(alice_app, phototest_png, "p.png").runs.get()
    first = runs.claim_run(run.pk)
    assert first is not None
    assert runs.claim_run(run.pk) is None  # alive elsewhere
    quiet = timezone.now() - timedelta(seconds=settings.OCR_RUN_STALE_SECONDS + 1)
    Run.objects.filter(pk=run.pk).update(heartbeat=quiet)
    second = runs.claim_run(run.pk)
    assert second not in (None, first)
    assert Run.objects.get(pk=run.pk).attempts == 2


def test_it_stops_writing_once_its_claim_was_taken(alice_app, phototest_png) -> None:
    run = _input(alice_app, phototest_png, "p.png").runs.get()
    token = runs.claim_run(run.pk)
    Run.objects.filter(pk=run.pk).update(claim="someone-else")
    with pytest.raises(runs.RunLost):
        runs._update_claimed(run.pk, token, progress_total=1)


def test_the_reaper_queues_runs_whose_worker_is_gone(alice_app, phototest_png, settings) -> None:
    stale = timezone.now() - timedelta(seconds=settings.OCR_RUN_STALE_SECONDS + 5)
    dead = _input(alice_app, phototest_png, "dead.png").runs.get()
    alive = _input(alice_app, phototest_png, "alive.png").runs.get()
    waiting = _input(alice_app, phototest_png, "waiting.png").runs.get()
    Run.objects.filter(pk=dead.pk).update(status="running", heartbeat=stale, claim="x")
    Run.objects.filter(pk=alive.pk).update(status="running", heartbeat=timezone.now(), claim="y")

    assert runs.reap_stale_runs() == [dead.pk]
    dead.refresh_from_db()
    assert (dead.status, dead.claim) == ("queued", "")
    assert Run.objects.get(pk=alive.pk).status == "running"
    assert Run.objects.get(pk=waiting.pk).status == "queued"


def test_it_gives_up_on_a_run_that_keeps_killing_its_worker(
    alice_app, phototest_png, settings
) -> None:
    run = _input(alice_app, phototest_png, "p.png").runs.get()
    Run.objects.filter(pk=run.pk).update(attempts=settings.OCR_RUN_MAX_ATTEMPTS)
    runs.execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == "failed"
    assert f"Gave up after {settings.OCR_RUN_MAX_ATTEMPTS} attempts" in run.error
