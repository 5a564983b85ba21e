"""Executing runs in-process through the real engine: results, idempotence, failures, reaping."""

from __future__ import annotations

import io
import socket
import subprocess
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from ocr import runs, services
from ocr.engine.metrics import cer
from ocr.engine.pipeline import get_pipeline
from ocr.engine.types import PageImage, PageResult
from ocr.ingest import IngestedPage, iter_pages
from ocr.models import Page, Region, Run, RunChunk, RunPage
from tests.conftest import PHOTOTEST_TEXT
from tests.images import multipage_tiff, truncated_jpeg

pytestmark = pytest.mark.django_db


def blank_tiff(pages: int, size: int = 64) -> bytes:
    """White pages: the detector finds nothing, so reading them is quick."""
    page = Image.new("L", (size, size), 255)
    buffer = io.BytesIO()
    page.save(buffer, "TIFF", save_all=True, append_images=[page] * (pages - 1))
    return buffer.getvalue()


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


def test_a_tiff_kept_before_its_page_limit_fails_its_run_with_the_reason(
    alice_app, settings
) -> None:
    run = _input(alice_app, blank_tiff(5), "scan.tif").runs.get()
    settings.OCR_MAX_PDF_PAGES = 3  # lowered after the upload, as for inputs from before
    runs.execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == "failed"
    assert "The TIFF has more than 3 pages; the limit is 3 pages" in run.error
    assert not Page.objects.exists()


@pytest.mark.model
def test_a_page_read_twice_leaves_one_set_of_regions(alice_app, phototest_png) -> None:
    run = _input(alice_app, phototest_png, "p.png").runs.get()
    runs.execute_run(run.pk)
    first = _texts(run)
    # As if the chunk were taken over while its first worker was still at it: both save it.
    chunk = run.chunks.get()
    RunChunk.objects.filter(pk=chunk.pk).update(status=RunChunk.Status.QUEUED)
    Run.objects.filter(pk=run.pk).update(status=Run.Status.RUNNING)
    token = runs.claim_chunk(chunk.pk)
    assert token is not None
    page = next(iter_pages(Path(run.input.file.path), services.ingest_limits()))
    result = get_pipeline(run.workflow_nodes).read_page(page.image)
    runs.save_page_result(run.pk, token, page, result)
    assert _texts(run) == first
    assert Page.objects.filter(input=run.input).count() == 1
    reading = RunPage.objects.get(run=run)
    assert reading.reads == 2
    run.refresh_from_db()
    assert (run.progress_done, run.attempts) == (1, 2)


def _texts(run: Run) -> list[str]:
    return list(Region.objects.filter(page__input=run.input).values_list("text", flat=True))


@pytest.mark.model
def test_it_reads_every_page_of_a_tiff_in_chunks(alice_app, settings) -> None:
    settings.OCR_CHUNK_PAGES = 2
    run = _input(alice_app, multipage_tiff(3), "three.tif").runs.get()
    runs.execute_run(run.pk)
    run.refresh_from_db()
    assert (run.status, run.progress_done, run.progress_total) == ("succeeded", 3, 3)
    chunks = list(run.chunks.values_list("first_page", "stop_page", "status", "attempts"))
    assert chunks == [(0, 2, "done", 1), (2, 3, "done", 1)]
    counts = [Region.objects.filter(run=run, page__index=i).count() for i in range(3)]
    assert counts[0] > 5 and counts == [counts[0]] * 3


def test_it_finishes_a_run_with_its_last_chunk_whatever_the_order(alice_app, settings) -> None:
    settings.OCR_CHUNK_PAGES = 2
    settings.OCR_INTERACTIVE_PAGES = 4
    run = _input(alice_app, blank_tiff(5), "five.tif").runs.get()
    chunk_ids = runs.plan_run(run.pk, send=False)
    run.refresh_from_db()
    assert (run.status, run.progress_total) == ("running", 5)
    chunks = list(RunChunk.objects.filter(pk__in=chunk_ids).order_by("index"))
    assert [(c.first_page, c.stop_page) for c in chunks] == [(0, 2), (2, 4), (4, 5)]
    assert {c.queue for c in chunks} == {settings.OCR_BULK_QUEUE}  # 5 pages: bulk work
    for chunk in reversed(chunks[1:]):
        runs.execute_chunk(chunk.pk, background=False)
    run.refresh_from_db()
    assert (run.status, run.progress_done) == ("running", 3)
    assert sorted(Page.objects.filter(input=run.input).values_list("index", flat=True)) == [2, 3, 4]
    runs.execute_chunk(chunks[0].pk, background=False)
    run.refresh_from_db()
    assert (run.status, run.progress_done, run.progress_total) == ("succeeded", 5, 5)
    assert run.finished is not None


def test_it_sends_short_inputs_to_the_interactive_queue(alice_app, settings) -> None:
    settings.OCR_INTERACTIVE_PAGES = 2
    short = _input(alice_app, blank_tiff(2), "two.tif").runs.get()
    long = _input(alice_app, blank_tiff(3), "three.tif").runs.get()
    for run in (short, long):
        runs.plan_run(run.pk, send=False)
    assert set(short.chunks.values_list("queue", flat=True)) == {settings.OCR_RUN_QUEUE}
    assert set(long.chunks.values_list("queue", flat=True)) == {settings.OCR_BULK_QUEUE}


def test_a_chunk_taken_back_reads_only_the_pages_not_saved(alice_app, settings) -> None:
    settings.OCR_CHUNK_PAGES = 3
    run = _input(alice_app, blank_tiff(3), "three.tif").runs.get()
    [chunk_id] = runs.plan_run(run.pk, send=False)
    # A worker saved page 0 and died while reading page 1.
    token = runs.claim_chunk(chunk_id)
    assert token is not None
    path = Path(run.input.file.path)
    first = next(iter_pages(path, services.ingest_limits()))
    result = get_pipeline(run.workflow_nodes).read_page(first.image)
    runs.save_page_result(run.pk, token, first, result)
    saved = RunPage.objects.get(run=run)
    quiet = timezone.now() - timedelta(seconds=settings.OCR_RUN_STALE_SECONDS + 1)
    RunChunk.objects.filter(pk=chunk_id).update(heartbeat=quiet)

    runs.execute_chunk(chunk_id, background=False)
    run.refresh_from_db()
    assert (run.status, run.progress_done, run.attempts) == ("succeeded", 3, 2)
    readings = RunPage.objects.filter(run=run).order_by("page__index")
    assert [r.reads for r in readings] == [1, 1, 1]
    assert readings[0].pk == saved.pk


def test_a_failing_chunk_fails_the_run_and_stops_the_others(alice_app, settings) -> None:
    settings.OCR_CHUNK_PAGES = 1
    run = _input(alice_app, blank_tiff(2), "two.tif").runs.get()
    first, second = runs.plan_run(run.pk, send=False)
    token = runs.claim_chunk(second)
    assert token is not None
    runs._fail_run(run.pk, "The image is damaged or truncated (test).")
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "The image is damaged or truncated (test).")
    assert set(run.chunks.values_list("status", flat=True)) == {"failed"}
    assert runs.claim_chunk(first) is None
    page = IngestedPage(image=PageImage(pixels=np.zeros((8, 8, 3), np.uint8), index=1))
    with pytest.raises(runs.RunLost):
        runs.save_page_result(run.pk, token, page, PageResult(index=1, width=8, height=8))


def test_it_fails_a_truncated_image_with_a_readable_reason(alice_app, monkeypatch) -> None:
    # Uploads refuse damaged images now; one kept before that (or damaged since) fails its run.
    with monkeypatch.context() as before:
        before.setattr("ocr.ingest.inputs.verify_image", lambda path, limits: None)
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


def test_it_claims_a_chunk_once_unless_its_worker_went_quiet(
    alice_app, phototest_png, settings
) -> None:
    run = _input(alice_app, phototest_png, "p.png").runs.get()
    [chunk_id] = runs.plan_run(run.pk, send=False)
    first = runs.claim_chunk(chunk_id)
    assert first is not None
    assert runs.claim_chunk(chunk_id) is None  # alive elsewhere
    quiet = timezone.now() - timedelta(seconds=settings.OCR_RUN_STALE_SECONDS + 1)
    RunChunk.objects.filter(pk=chunk_id).update(heartbeat=quiet)
    second = runs.claim_chunk(chunk_id)
    assert second not in (None, first)
    assert RunChunk.objects.get(pk=chunk_id).attempts == 2
    assert Run.objects.get(pk=run.pk).attempts == 2


def test_it_stops_writing_once_its_claim_was_taken(alice_app, phototest_png) -> None:
    run = _input(alice_app, phototest_png, "p.png").runs.get()
    token = runs.claim_run(run.pk)
    assert token is not None
    RunChunk.objects.filter(run=run).update(claim="someone-else")
    page = IngestedPage(image=PageImage(pixels=np.zeros((8, 8, 3), np.uint8), index=0))
    with pytest.raises(runs.RunLost):
        runs.save_page_result(run.pk, token, page, PageResult(index=0, width=8, height=8))
    assert not Page.objects.filter(input=run.input).exists()


def test_the_reaper_sends_again_the_chunks_whose_worker_is_gone(
    alice_app, phototest_png, settings
) -> None:
    stale = timezone.now() - timedelta(seconds=settings.OCR_RUN_STALE_SECONDS + 5)
    planned = {}
    for name in ("dead", "alive", "gone-here"):
        run = _input(alice_app, phototest_png, f"{name}.png").runs.get()
        [planned[name]] = runs.plan_run(run.pk, send=False)
        planned[f"{name}-run"] = run.pk
    waiting = _input(alice_app, phototest_png, "waiting.png").runs.get()
    RunChunk.objects.filter(pk=planned["dead"]).update(status="running", heartbeat=stale, claim="x")
    RunChunk.objects.filter(pk=planned["alive"]).update(
        status="running", heartbeat=timezone.now(), claim="y"
    )
    # A process of this host that no longer exists: taken back without waiting for its heartbeat.
    dead_pid = _a_pid_that_is_gone()
    RunChunk.objects.filter(pk=planned["gone-here"]).update(
        status="running", heartbeat=timezone.now(), claim=f"{socket.gethostname()}:{dead_pid}:z"
    )

    assert runs.reap_stale_runs() == sorted([planned["dead-run"], planned["gone-here-run"]])
    dead = RunChunk.objects.get(pk=planned["dead"])
    assert (dead.status, dead.claim) == ("queued", "")
    assert RunChunk.objects.get(pk=planned["gone-here"]).status == "queued"
    assert RunChunk.objects.get(pk=planned["alive"]).status == "running"
    assert Run.objects.get(pk=waiting.pk).status == "queued"


def _a_pid_that_is_gone() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_it_gives_up_on_a_chunk_that_keeps_killing_its_worker(
    alice_app, phototest_png, settings
) -> None:
    run = _input(alice_app, phototest_png, "p.png").runs.get()
    [chunk_id] = runs.plan_run(run.pk, send=False)
    RunChunk.objects.filter(pk=chunk_id).update(attempts=settings.OCR_RUN_MAX_ATTEMPTS)
    runs.execute_chunk(chunk_id, background=False)
    run.refresh_from_db()
    assert run.status == "failed"
    assert f"Gave up after {settings.OCR_RUN_MAX_ATTEMPTS} attempts" in run.error
