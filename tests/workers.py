"""A real Celery worker process against the real Redis, for the tests that need one."""

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

from tests.conftest import TEST_BROKER_URL

ROOT = Path(__file__).resolve().parents[1]
STALE_SECONDS = 3


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, log: Path, env: dict[str, str] | None = None) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": TEST_BROKER_URL,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "SECRET_KEY": "worker-test",
            "OCR_RUN_STALE_SECONDS": str(STALE_SECONDS),
            **(env or {}),
        }
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "project", "worker", "--loglevel=INFO",
             "--concurrency=1", "--queues=ocr,ocr-bulk,train", "--without-gossip",
             "--without-mingle"],
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
            # Checks often go through the API: five a second stay under its rate limit.
            time.sleep(0.2)
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
def start_worker(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    redis.Redis.from_url(TEST_BROKER_URL).flushdb()  # nothing left over from other tests
    workers: list[Worker] = []

    def start(**env: str) -> Worker:
        workers.append(Worker(tmp_path / f"worker-{len(workers)}.log", env))
        return workers[-1]

    yield start
    for worker in workers:
        worker.stop()
