"""`manage.py bench_throughput` on real workers (Redis, the test database): its JSON shape."""

from __future__ import annotations

import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command

from ocr.management.commands.bench_throughput import scanned_pdf
from ocr.models import App
from tests.conftest import FIXTURES, TEST_BROKER_URL
from tests.workers import _database_url

pytestmark = [pytest.mark.worker, pytest.mark.model, pytest.mark.django_db(transaction=True)]


def test_it_measures_real_workers_and_prints_the_json_shape(
    monkeypatch: pytest.MonkeyPatch, start_worker
) -> None:
    # The workers it starts inherit this environment: the test database and broker.
    monkeypatch.setenv("DATABASE_URL", _database_url())
    monkeypatch.setenv("CELERY_BROKER_URL", TEST_BROKER_URL)
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    monkeypatch.setenv("SECRET_KEY", "bench-test")
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "bench_throughput", "--pages", "3", "--workers", "1", "--workflow", "fast",
        "--no-warmup", "--chunk-pages", "2", "--json", stdout=out, stderr=err,
    )  # fmt: skip
    result = json.loads(out.getvalue())
    [run] = result["runs"]
    assert set(result) == {"runs"}
    assert set(run) == {
        "workers", "threads", "pages", "seconds", "pages_per_s", "first_page_s", "peak_rss_mb",
    }  # fmt: skip
    assert (run["workers"], run["threads"], run["pages"]) == (1, 1, 3)
    assert 0 < run["first_page_s"] <= run["seconds"]
    assert run["pages_per_s"] == pytest.approx(3 / run["seconds"], rel=0.01)
    assert run["peak_rss_mb"] > 100  # a worker with its models loaded
    assert not App.objects.exists()  # its throwaway app is gone


def test_the_pdf_is_made_of_the_scans_at_their_own_size() -> None:
    import pypdfium2 as pdfium

    data = scanned_pdf([FIXTURES / "eurotext.png", FIXTURES / "phototest.png"], 3, 200)
    document = pdfium.PdfDocument(data)
    assert len(document) == 3
    sizes = [tuple(round(v * 200 / 72) for v in document.get_page_size(i)) for i in range(3)]
    assert sizes == [(1024, 800), (640, 480), (1024, 800)]
