"""docker-compose.yml, checked as data: this machine has no Docker engine to run it. Web, a GPU
worker and a CPU worker on PostgreSQL and Redis, each worker consuming its people's queue and
its bulk queue, object storage optional, and every setting it names documented."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _queues(command: str) -> list[str]:
    found = re.search(r"--queues=(\S+?)\"?(\s|$)", command)
    assert found, command
    return found.group(1).split(",")


def test_it_runs_web_and_both_workers_on_postgres_and_redis(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker-gpu", "worker-cpu"} <= services.keys()
    for name in ("web", "worker-gpu", "worker-cpu"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://legible:")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
        assert env["OCR_STORAGE"] == "${OCR_STORAGE:-local}"
        assert env["OCR_RUN_QUEUE"] == "${OCR_RUN_QUEUE:-gpu}"
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
    assert "gunicorn project.wsgi" in services["web"]["command"]


def test_each_worker_takes_its_people_queue_and_its_bulk_queue(
    compose: dict[str, Any], settings
) -> None:
    # The bulk queue's name follows the people's queue unless set (project/settings.py).
    assert f"{settings.OCR_RUN_QUEUE}-bulk" == settings.OCR_BULK_QUEUE
    gpu, cpu = compose["services"]["worker-gpu"], compose["services"]["worker-cpu"]
    # The GPU worker also takes trainings, which want the GPU most.
    assert _queues(gpu["command"]) == ["gpu", "gpu-bulk", "train"]
    assert "--concurrency=1" in gpu["command"]
    assert gpu["environment"]["OCR_DEVICE"] == "cuda"
    # Chunks of several page batches each, so the GPU's batches stay full.
    assert int(gpu["environment"]["OCR_CHUNK_PAGES"]) >= 4 * 8
    [device] = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert device["capabilities"] == ["gpu"]
    assert _queues(cpu["command"]) == ["cpu", "cpu-bulk"]
    assert cpu["environment"]["OCR_DEVICE"] == "cpu"
    # Processes x threads as measured: one thread per process, one process per core.
    assert cpu["environment"]["LEGIBLE_OCR_THREADS"] == "1"
    assert "--concurrency=$${OCR_CPU_WORKER_PROCESSES:-$$(nproc)}" in cpu["command"]


def test_object_storage_is_optional_and_made_ready(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("minio", "minio-bucket"):
        assert services[name]["profiles"] == ["s3"]  # only with --profile s3
    assert "mc mb --ignore-existing" in services["minio-bucket"]["entrypoint"]
    example = (ROOT / ".env.example").read_text()
    for name in ("OCR_STORAGE", "OCR_S3_BUCKET", "OCR_S3_ENDPOINT_URL", "OCR_S3_ACCESS_KEY_ID"):
        assert re.search(rf"^{name}=", example, re.M), name
    assert "objects" in compose["volumes"]


def test_every_setting_it_names_is_documented(compose: dict[str, Any]) -> None:
    text = (ROOT / "docker-compose.yml").read_text() + (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    named = set(re.findall(r"\b((?:OCR|LEGIBLE)_[A-Z0-9_]*[A-Z0-9])\b", text))
    assert {"OCR_STORAGE", "OCR_RUN_QUEUE", "OCR_CPU_WORKER_PROCESSES"} <= named
    missing = sorted(name for name in named if f"`{name}`" not in readme)
    assert missing == []
