"""Search speed on PostgreSQL: load N synthetic regions with COPY into a throwaway app, time the
indexing, then p50/p95 of exact, phrase, prefix and fuzzy searches, and show their plans.

    DATABASE_URL=postgres://... python manage.py bench_search --regions 1000000

Each timed search is what the API does for one request: count the hits and fetch the first page.
Everything made is deleted at the end, even on failure.
"""

from __future__ import annotations

import json
import random
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from ocr import search
from ocr.models import App, Input, Page, Run
from ocr.search import corpus, postgres
from ocr.search.query import fuzzy_words, parse

REGIONS_PER_PAGE = 500
FIRST_PAGE = 50  # the API's page size


class Command(BaseCommand):
    help = "Benchmark full-text search on PostgreSQL with a synthetic OCR corpus."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--regions", type=int, default=200_000)
        parser.add_argument("--queries", type=int, default=200, help="per kind")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_search measures PostgreSQL: set DATABASE_URL to one.")
        user = get_user_model().objects.create_user(f"bench-search-{uuid.uuid4().hex[:12]}")
        try:
            app = App.objects.create(owner=user, name="search benchmark")
            self._load(app, options["regions"], options["seed"])
            self._query(app, options["queries"], options["seed"])
        finally:
            self.stdout.write("cleaning up ...")
            with connection.cursor() as cursor:
                # Straight SQL: the ORM's cascade would load a million regions to delete them.
                cursor.execute(
                    "DELETE FROM ocr_region WHERE page_id IN "
                    "(SELECT p.id FROM ocr_page p JOIN ocr_input i ON i.id = p.input_id "
                    "WHERE i.app_id IN (SELECT id FROM ocr_app WHERE owner_id = %s))",
                    [user.pk],
                )
            user.delete()

    def _load(self, app: App, count: int, seed: int) -> None:
        item = Input.objects.create(app=app, name="corpus", file="bench/corpus.png")
        run = Run.objects.create(
            input=item, workflow_name="bench", workflow_nodes=[], status=Run.Status.SUCCEEDED
        )
        pages = Page.objects.bulk_create(
            Page(input=item, index=i, width=2000, height=3000, image="")
            for i in range((count + REGIONS_PER_PAGE - 1) // REGIONS_PER_PAGE)
        )
        texts = corpus.regions(count, seed=seed)
        now = timezone.now()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            columns = (
                'run_id, page_id, "order", polygon, text, score, detection_score, source, '
                "version, edited, updated"
            )
            with cursor.connection.cursor().copy(f"COPY ocr_region ({columns}) FROM STDIN") as copy:
                for n, text in enumerate(texts):
                    order = n % REGIONS_PER_PAGE
                    top = 20 + 5 * order
                    polygon = json.dumps([[40, top], [900, top], [900, top + 4], [40, top + 4]])
                    copy.write_row(
                        (
                            run.pk,
                            pages[n // REGIONS_PER_PAGE].pk,
                            order,
                            polygon,
                            text,
                            0.9,
                            0.9,
                            "ocr",
                            1,
                            False,
                            now,
                        )
                    )
            copied = time.perf_counter() - started
            # Both GIN indexes buffer new entries in a pending list; merging it is part of the cost.
            for index in (postgres.FTS_INDEX, postgres.TRIGRAM_INDEX):
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        indexed = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE ocr_region")
        self.stdout.write(
            f"loaded {count:,} regions: COPY with live indexes {copied:.1f} s, with pending "
            f"lists merged {indexed:.1f} s = {count / indexed:,.0f} rows/s"
        )

    def _queries(self, kind: str, n: int, rng: random.Random) -> list[tuple[str, bool]]:
        vocab = corpus.vocabulary()
        weights = corpus.zipf_weights(len(vocab))
        # Searches are for content words: skip the 100 most frequent, sample the rest by frequency.
        content = vocab[100:]
        cw = weights[100:]
        out: list[tuple[str, bool]] = []
        while len(out) < n:
            a, b = rng.choices(content, cum_weights=cw, k=2)
            if kind == "exact":
                out.append((a, False))
            elif kind == "phrase":
                line = next(corpus.regions(1, seed=rng.randrange(10**9)))
                words = line.lower().split()
                i = rng.randrange(len(words) - 1)
                out.append((f'"{words[i]} {words[i + 1]}"', False))
            elif kind == "prefix" and len(a) >= 5:
                out.append((a[:4] + "*", False))
            elif kind == "fuzzy" and len(a) >= 6:
                out.append((corpus.misread(a, rng), True))
        return out

    def _time(self, app: App, queries: list[tuple[str, bool]]) -> tuple[list[float], int]:
        times, total = [], 0
        for q, fuzzy in queries:
            started = time.perf_counter()
            hits = search.search(app, q, fuzzy)
            total += hits.count()
            hits[:FIRST_PAGE]
            times.append((time.perf_counter() - started) * 1000)
        return times, total

    def _query(self, app: App, n: int, seed: int) -> None:
        rng = random.Random(seed)
        kinds: dict[str, Callable[[], list[tuple[str, bool]]]] = {
            kind: (lambda kind=kind: self._queries(kind, n, rng))
            for kind in ("exact", "phrase", "prefix", "fuzzy")
        }
        for kind, make in kinds.items():
            queries = make()
            self._time(app, queries[:5])  # warm the cache a little, as a running server would be
            times, total = self._time(app, queries)
            cut = statistics.quantiles(times, n=100)
            self.stdout.write(
                f"{kind:7} {len(times)} queries: p50 {cut[49]:.1f} ms, p95 {cut[94]:.1f} ms, "
                f"max {max(times):.1f} ms, mean hits {total / len(times):,.0f} "
                f"(e.g. {queries[0][0]})"
            )
            self._explain(app, *queries[0])

    def _explain(self, app: App, q: str, fuzzy: bool) -> None:
        queryset = postgres.counted_queryset(app, parse(q), fuzzy)[:FIRST_PAGE]
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
        self.stdout.write(f"  EXPLAIN ANALYZE of {q!r} (fuzzy={fuzzy}):\n{plan}")
        if fuzzy and (words := fuzzy_words(parse(q))):
            # The look-alike lexemes, found first, as search() does (same settings, same SQL).
            sql, params = postgres.similar_lexemes_query(words)
            with postgres.lexeme_lookup_cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + sql, params)
                plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
            self.stdout.write(f"  EXPLAIN ANALYZE of its vocabulary lookup:\n{plan}")
