"""A real Celery worker against the real Redis: upload to result, bad input, and a worker killed
in the middle of a run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from ocr.engine.metrics import cer
from ocr.models import Region, Run
from tests.conftest import PHOTOTEST_TEXT, TEST_BROKER_URL
from tests.images import multipage_tiff, truncated_jpeg

pytestmark = [pytest.mark.worker, pytest.mark.model, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[1]
STALE_SECONDS = 3


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, log: Path) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": TEST_BROKER_URL,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "SECRET_KEY": "worker-test",
            "OCR_RUN_STALE_SECONDS": str(STALE_SECONDS),
        }
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "project", "worker", "--loglevel=INFO",
             "--concurrency=1", "--queues=ocr", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill takes the pool child too
        )  # fmt: skip
        self.wait_for(lambda: "ready." in log.read_text(errors="replace"), 60, "worker ready")

    def wait_for(self, check: Callable[[], bool], seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if check():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        tail = self.log.read_text(errors="replace")[-3000:]
        raise AssertionError(f"timed out waiting for {what}; worker log:\n{tail}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[[], Worker]]:
    redis.Redis.from_url(TEST_BROKER_URL).flushdb()  # nothing left over from other tests
    workers: list[Worker] = []

    def start() -> Worker:
        workers.append(Worker(tmp_path / f"worker-{len(workers)}.log"))
        return workers[-1]

    yield start
    for worker in workers:
        worker.stop()


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
    start_worker, alice_api, alice_app, phototest_png
) -> None:
    worker = start_worker()
    bad = _upload(alice_api, alice_app, truncated_jpeg(), "cut.jpg")
    good = _upload(alice_api, alice_app, phototest_png, "after.png")
    worker.wait_for(
        lambda: _status(alice_api, good["run"]["id"])["status"] == "succeeded", 60, "run"
    )
    failed = _status(alice_api, bad["run"]["id"])
    assert failed["status"] == "failed"
    assert "damaged or truncated" in failed["error"]
    assert worker.alive()


def test_a_run_survives_its_worker_being_killed(start_worker, alice_api, alice_app) -> None:
    pages = 6
    worker = start_worker()
    item = _upload(alice_api, alice_app, multipage_tiff(pages), "six.tif")
    run_id = item["run"]["id"]

    def mid_run() -> bool:
        status = _status(alice_api, run_id)
        return status["status"] == "running" and 1 <= status["progress"]["done"] < pages

    worker.wait_for(mid_run, 90, "the run to be half done")
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
