"""How fast the review queue's first screen answers on PostgreSQL: an app of N lines (pages of
50, some verified, some lines already checked), then p50/p95 of the review page
(`/apps/{app}/review/`: its first 25 lines and the app's progress, rendered) and of the API's
first page (`GET /api/v1/apps/{app}/review/`: 20 lines, their count and the progress), each
through Django's full request path.

    DATABASE_URL=postgres://... python manage.py bench_review --lines 10000

Everything made is deleted at the end, even on failure.
"""

from __future__ import annotations

import os
import random
import statistics
import time
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.utils import timezone

from ocr.bench.report import cpu_model
from ocr.models import App, Input, Page, Region, Run
from ocr.search import corpus

LINES_PER_PAGE = 50
PAGES_PER_INPUT = 10


class Command(BaseCommand):
    help = "Benchmark the review queue's first screen on PostgreSQL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lines", type=int, default=10_000)
        parser.add_argument("--requests", type=int, default=100)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_review measures PostgreSQL: set DATABASE_URL to one.")
        user = get_user_model().objects.create_user(f"bench-review-{uuid.uuid4().hex[:12]}")
        try:
            app = App.objects.create(owner=user, name="review benchmark")
            self._load(app, options["lines"], options["seed"])
            self._time(user, app, options["requests"])
        finally:
            self.stdout.write("cleaning up ...")
            with connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM ocr_region WHERE page_id IN "
                    "(SELECT p.id FROM ocr_page p JOIN ocr_input i ON i.id = p.input_id "
                    "WHERE i.app_id IN (SELECT id FROM ocr_app WHERE owner_id = %s))",
                    [user.pk],
                )
            user.delete()

    def _load(self, app: App, count: int, seed: int) -> None:
        rng = random.Random(seed)
        texts = corpus.regions(count, seed=seed)
        pages_needed = (count + LINES_PER_PAGE - 1) // LINES_PER_PAGE
        pages: list[Page] = []
        for first in range(0, pages_needed, PAGES_PER_INPUT):
            item = Input.objects.create(app=app, name=f"batch {first}", file="bench/page.png")
            run = Run.objects.create(
                input=item, workflow_name="bench", workflow_nodes=[], status=Run.Status.SUCCEEDED
            )
            pages += Page.objects.bulk_create(
                Page(
                    input=item,
                    index=i,
                    width=2000,
                    height=3000,
                    image="",
                    run=run,
                    verified=rng.random() < 0.1,
                )
                for i in range(min(PAGES_PER_INPUT, pages_needed - first))
            )
        now = timezone.now()
        rows = []
        for n, text in enumerate(texts):
            order = n % LINES_PER_PAGE
            top = 40 + 55 * order
            page = pages[n // LINES_PER_PAGE]
            rows.append(
                Region(
                    run_id=page.run_id,
                    page=page,
                    order=order,
                    polygon=[[60, top], [1900, top], [1900, top + 45], [60, top + 45]],
                    text=text,
                    score=rng.betavariate(8, 1.5),  # mostly confident, a tail of doubtful lines
                    detection_score=0.9,
                    edited=rng.random() < 0.05,
                    updated=now,
                )
            )
        Region.objects.bulk_create(rows, batch_size=2000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE ocr_region")
            cursor.execute("ANALYZE ocr_page")
        self.stdout.write(f"loaded {count:,} lines on {len(pages)} pages")

    def _time(self, user: Any, app: App, requests: int) -> None:
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        api, api_p50, api_p95 = _measure(client, f"/api/v1/apps/{app.pk}/review/", requests)
        body = api.json()
        _, page_p50, page_p95 = _measure(client, f"/apps/{app.pk}/review/", requests)
        self.stdout.write(
            f"{cpu_model()}, {os.cpu_count()} cores; PostgreSQL {connection.pg_version}: "
            f"review queue first screen ({len(body['results'])} lines of "
            f"{body['count']:,} unchecked; progress {body['progress']}) over {requests} requests "
            f"each: the API p50 {api_p50:.1f} ms, p95 {api_p95:.1f} ms; the page "
            f"(/apps/{{app}}/review/, its first 25 lines rendered) p50 {page_p50:.1f} ms, "
            f"p95 {page_p95:.1f} ms"
        )


def _measure(client: Client, url: str, requests: int) -> tuple[Any, float, float]:
    """The last response, and p50 and p95 in milliseconds over `requests` after 5 warm-ups."""
    for _ in range(5):
        assert client.get(url).status_code == 200
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200
    p50 = statistics.median(seconds) * 1000
    p95 = statistics.quantiles(seconds, n=20)[-1] * 1000
    return response, p50, p95
