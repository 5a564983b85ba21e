"""Object storage: uploads and page images in an S3-compatible bucket (a local moto server the
test starts), read and written by a worker that shares no disk with the web side."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import storages

from ocr.engine.metrics import cer
from tests.conftest import PHOTOTEST_TEXT
from tests.test_settings_env import _manage
from tests.test_worker import _status, _upload

BUCKET = "legible-test"
KEYS = {"OCR_S3_ACCESS_KEY_ID": "legible", "OCR_S3_SECRET_ACCESS_KEY": "legible-secret"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def s3_server(tmp_path: Path) -> Iterator[str]:
    """moto's S3 server on a free loopback port, with an empty bucket; its URL."""
    port = _free_port()
    log = (tmp_path / "moto.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError("moto's S3 server did not start") from None
                time.sleep(0.2)
        _client(url).create_bucket(Bucket=BUCKET)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def _client(url: str):  # noqa: ANN202 - boto3's client types are generated at run time
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=KEYS["OCR_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["OCR_S3_SECRET_ACCESS_KEY"],
    )


@pytest.fixture
def s3_storage(s3_server: str, settings) -> str:
    """This process's default storage switched to the bucket, as OCR_STORAGE=s3 sets it."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "access_key": KEYS["OCR_S3_ACCESS_KEY_ID"],
                "secret_key": KEYS["OCR_S3_SECRET_ACCESS_KEY"],
                "file_overwrite": False,
                "default_acl": None,
            },
        },
    }
    return s3_server


@pytest.mark.worker
@pytest.mark.model
@pytest.mark.django_db(transaction=True)
def test_it_keeps_files_in_object_storage_and_a_worker_reads_them_from_there(
    s3_storage: str, start_worker, alice_api, alice_app, phototest_png, media_root, tmp_path
) -> None:
    assert type(storages["default"]).__name__ == "S3Storage"
    # The worker has a media folder of its own, empty: it shares no disk with the web side.
    worker = start_worker(
        OCR_STORAGE="s3",
        OCR_S3_BUCKET=BUCKET,
        OCR_S3_ENDPOINT_URL=s3_storage,
        MEDIA_ROOT=str(tmp_path / "worker-media"),
        **KEYS,
    )
    item = _upload(alice_api, alice_app, phototest_png, "phototest.png")
    run_id = item["run"]["id"]
    worker.wait_for(lambda: _status(alice_api, run_id)["status"] == "succeeded", 120, "run")

    keys = {o["Key"] for o in _client(s3_storage).list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert any(k.startswith(f"inputs/{alice_app.pk}/") for k in keys), keys
    assert any(k.startswith(f"pages/{item['id']}/") for k in keys), keys
    assert not any(media_root.rglob("*.png"))
    assert not any((tmp_path / "worker-media").rglob("*.png"))

    result = alice_api.get(f"/api/v1/inputs/{item['id']}/result/").json()
    [page] = result["pages"]
    text = "\n".join(r["text"] for r in page["regions"])
    assert cer(PHOTOTEST_TEXT, text) < 0.05
    image = alice_api.get(page["image"])
    assert image.status_code == 200
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")
    pdf = alice_api.get(f"/api/v1/inputs/{item['id']}/export/?format=pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    overlay = alice_api.get(f"/api/v1/inputs/{item['id']}/export/?format=overlay")
    assert overlay.status_code == 200

    # Deleting the input removes its files from the bucket too.
    assert alice_api.delete(f"/api/v1/inputs/{item['id']}/").status_code == 204
    left = _client(s3_storage).list_objects_v2(Bucket=BUCKET).get("Contents", [])
    assert left == []


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OCR_STORAGE": "s3"}, "OCR_STORAGE=s3 needs OCR_S3_BUCKET"),
        ({"OCR_STORAGE": "ftp"}, "OCR_STORAGE='ftp' is not one of: local, s3"),
        ({"OCR_BULK_QUEUE": "ocr"}, "OCR_BULK_QUEUE must differ from OCR_RUN_QUEUE"),
        ({"OCR_CHUNK_PAGES": "0"}, "OCR_CHUNK_PAGES=0 is below the minimum of 1"),
    ],
)
def test_it_stops_start_up_on_a_bad_storage_or_queue_setting(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    done = _manage(env, tmp_path)
    assert done.returncode != 0
    assert f"Configuration error: {message}" in done.stderr
