"""Real workers on Redis reading runs in chunks: a worker killed in the middle of a chunk, and a
person's one-page upload made while a 200-page run goes on."""

from __future__ import annotations

import re

import pytest
import redis

from ocr import runs
from ocr.models import Region, Run, RunChunk, RunPage
from ocr.services.inputs import enqueue_run
from tests.conftest import TEST_BROKER_URL
from tests.images import multipage_tiff
from tests.test_runs import blank_tiff
from tests.test_worker import _status, _upload

pytestmark = [pytest.mark.worker, pytest.mark.model, pytest.mark.django_db(transaction=True)]


def _saved_in(chunk: RunChunk) -> set[int]:
    indices = RunPage.objects.filter(run_id=chunk.run_id).values_list("page__index", flat=True)
    return {i for i in indices if chunk.first_page <= i < (chunk.stop_page or 1 << 30)}


def test_a_killed_worker_loses_only_the_pages_it_had_not_saved(
    start_worker, alice_api, alice_app
) -> None:
    pages, size = 6, 3
    worker = start_worker(OCR_CHUNK_PAGES=str(size))
    item = _upload(alice_api, alice_app, multipage_tiff(pages, "phototest.png"), "six.tif")
    run_id = item["run"]["id"]

    def mid_chunk() -> RunChunk | None:
        for chunk in RunChunk.objects.filter(run_id=run_id, status=RunChunk.Status.RUNNING):
            if 1 <= len(_saved_in(chunk)) < size:
                return chunk
        return None

    worker.wait_for(lambda: mid_chunk() is not None, 120, "a chunk to be part read")
    chunk = mid_chunk()
    assert chunk is not None
    worker.kill()
    saved = {
        r.page.index: (r.pk, r.reads)
        for r in RunPage.objects.filter(run_id=run_id).select_related("page")
    }
    in_chunk = _saved_in(chunk)
    assert 1 <= len(in_chunk) < size
    assert _status(alice_api, run_id)["status"] == "running"

    replacement = start_worker(OCR_CHUNK_PAGES=str(size))
    replacement.wait_for(lambda: _status(alice_api, run_id)["status"] == "succeeded", 180, "run")
    run = Run.objects.get(pk=run_id)
    assert run.progress_done == run.progress_total == pages
    assert run.attempts == 2
    chunks = {c.pk: c for c in RunChunk.objects.filter(run=run)}
    assert len(chunks) == pages // size
    assert all(c.status == RunChunk.Status.DONE for c in chunks.values())
    assert chunks[chunk.pk].attempts == 2
    assert all(c.attempts == 1 for pk, c in chunks.items() if pk != chunk.pk)
    # No page was read twice: the pages saved before the kill are the same rows, read once.
    readings = {r.page.index: r for r in RunPage.objects.filter(run=run).select_related("page")}
    assert sorted(readings) == list(range(pages))
    assert all(r.reads == 1 for r in readings.values())
    assert all(readings[i].pk == pk for i, (pk, _) in saved.items())
    # The replacement read the dead worker's chunk from the first page it had not saved.
    log = replacement.log.read_text(errors="replace")
    told = re.search(rf"chunk {chunk.pk} of run {run_id}: (\d+) pages read, (\d+) saved", log)
    assert told is not None, log[-2000:]
    assert int(told.group(1)) == size - len(in_chunk)
    # One set of regions per page: every page shows the same image.
    per_page = [
        list(Region.objects.filter(page__input_id=item["id"], page__index=i).values_list("text"))
        for i in range(pages)
    ]
    assert per_page[0] and all(texts == per_page[0] for texts in per_page)


def test_a_message_goes_to_its_own_queue_only(start_worker) -> None:
    """Bound to one exchange under one key, a bulk chunk's message reached both queues."""
    client = redis.Redis.from_url(TEST_BROKER_URL)
    client.flushdb()
    runs.send_chunk(987654, "ocr-bulk")
    enqueue_run(987654)
    assert (client.llen("ocr"), client.llen("ocr-bulk")) == (1, 1)
    runs.send_chunk(987655, "ocr-bulk")
    assert (client.llen("ocr"), client.llen("ocr-bulk")) == (1, 2)
    client.flushdb()


def test_a_one_page_upload_overtakes_a_200_page_run(start_worker, alice_api, alice_app) -> None:
    worker = start_worker()
    bulk = _upload(alice_api, alice_app, blank_tiff(200), "blank-200.tif")
    bulk_run = bulk["run"]["id"]
    worker.wait_for(
        lambda: _status(alice_api, bulk_run)["progress"]["done"] >= 1, 120, "the bulk run to start"
    )
    one = _upload(alice_api, alice_app, blank_tiff(1), "one.tif")
    one_run = one["run"]["id"]
    worker.wait_for(lambda: _status(alice_api, one_run)["status"] == "succeeded", 120, "one page")
    behind = _status(alice_api, bulk_run)
    assert behind["status"] == "running"
    assert behind["progress"]["done"] < 200
    worker.wait_for(lambda: _status(alice_api, bulk_run)["status"] == "succeeded", 300, "bulk")
    small, big = Run.objects.get(pk=one_run), Run.objects.get(pk=bulk_run)
    assert small.finished < big.finished
    assert set(big.chunks.values_list("queue", flat=True)) == {"ocr-bulk"}
    assert set(small.chunks.values_list("queue", flat=True)) == {"ocr"}
