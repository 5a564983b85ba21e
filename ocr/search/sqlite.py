"""SQLite (the embedded mode): two external-content FTS5 tables over ocr_region.text, kept
current by triggers (migration 0003): ocr_region_fts (porter stemming) for words, phrases and
prefixes, ranked by bm25(); ocr_region_trigram for OCR-tolerant matches, whose candidates are
then scored in Python with the same trigram similarity as pg_trgm's."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from ocr.models import App

from . import highlight
from .hits import Hit, Hits
from .query import Query, fuzzy_words, to_fts5
from .scope import searchable_regions

# Candidates a fuzzy search scores in Python: the trigram OR-query ranks regions sharing most
# trigrams first, so the best matches are among them.
FUZZY_CANDIDATES = 2000
# Fuzzy results are merged in Python, so exact hits are capped there too.
FUZZY_EXACT_LIMIT = 1000


def _scope_sql(app: App) -> tuple[str, list[Any]]:
    queryset = searchable_regions(app).values("pk")
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


_EXACT = """
    SELECT r.id, p.input_id, p."index", r.text,
           highlight(ocr_region_fts, 0, char(2), char(3)), r.polygon, bm25(ocr_region_fts)
    FROM ocr_region_fts
    JOIN ocr_region r ON r.id = ocr_region_fts.rowid
    JOIN ocr_page p ON p.id = r.page_id
    WHERE ocr_region_fts MATCH %s AND r.id IN ({scope})
    ORDER BY bm25(ocr_region_fts), r.id
"""
_COUNT = """
    SELECT count(*) FROM ocr_region_fts
    WHERE ocr_region_fts MATCH %s AND rowid IN ({scope})
"""


def _exact_hit(row: tuple[Any, ...]) -> Hit:
    score = -row[6]  # bm25 is lower-is-better and negative for matches
    return Hit(
        region=row[0],
        input=row[1],
        page=row[2],
        text=row[3],
        headline=highlight.to_html(row[4]),
        polygon=json.loads(row[5]) if isinstance(row[5], str) else row[5],
        rank=1.0 + max(score, 0.0) / (1.0 + max(score, 0.0)),
    )


def _exact(app: App, match: str, start: int, limit: int | None) -> list[Hit]:
    scope, params = _scope_sql(app)
    sql = _EXACT.format(scope=scope) + " LIMIT %s OFFSET %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, *params, -1 if limit is None else limit, start])
        return [_exact_hit(row) for row in cursor.fetchall()]


def _count(app: App, match: str) -> int:
    scope, params = _scope_sql(app)
    with connection.cursor() as cursor:
        cursor.execute(_COUNT.format(scope=scope), [match, *params])
        return int(cursor.fetchone()[0])


def _trigram_match(words: tuple[str, ...]) -> str:
    grams = {w[i : i + 3] for w in words for i in range(len(w) - 2)}
    return " OR ".join('"' + g.replace('"', '""') + '"' for g in sorted(grams))


def _fuzzy(app: App, words: tuple[str, ...], exclude: set[int]) -> list[Hit]:

    scope, params = _scope_sql(app)
    sql = f"""
        SELECT r.id, p.input_id, p."index", r.text, r.polygon
        FROM ocr_region_trigram
        JOIN ocr_region r ON r.id = ocr_region_trigram.rowid
        JOIN ocr_page p ON p.id = r.page_id
        WHERE ocr_region_trigram MATCH %s AND r.id IN ({scope})
        ORDER BY bm25(ocr_region_trigram) LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [_trigram_match(words), *params, FUZZY_CANDIDATES])
        rows = cursor.fetchall()
    hits = []
    for region, input_id, index, text, polygon in rows:
        score = highlight.fuzzy_score(text, words)
        if region in exclude or score <= 0:
            continue
        hits.append(
            Hit(
                region=region,
                input=input_id,
                page=index,
                text=text,
                headline=highlight.mark_similar(text, words),
                polygon=json.loads(polygon) if isinstance(polygon, str) else polygon,
                # Below 1, so every exact hit ranks above every fuzzy one.
                rank=min(score, 0.999),
            )
        )
    hits.sort(key=lambda hit: (-hit.rank, hit.region))
    return hits


def search(app: App, query: Query, fuzzy: bool) -> Hits:
    match = to_fts5(query)
    if match is None:
        return Hits.of([])
    words = fuzzy_words(query) if fuzzy else ()
    if not words:
        return Hits(
            lambda: _count(app, match),
            lambda start, limit: _exact(app, match, start, limit),
        )
    exact = _exact(app, match, 0, FUZZY_EXACT_LIMIT)
    return Hits.of(exact + _fuzzy(app, words, {hit.region for hit in exact}))
