"""PostgreSQL: tsvector/tsquery on the generated column search_vector with its GIN index
region_text_fts, and pg_trgm's word-similarity operator with the GIN trigram index
region_text_trgm (on the folded text) for OCR-tolerant matches. Both are computed by PostgreSQL
in the same write as the text (migration 0003), so an edit or a deletion is searchable the moment
it commits."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.functions import Greatest

from ocr.models import App, Page, Region

from . import highlight
from .hits import Hit, Hits
from .query import Query, fuzzy_words, to_prefix_tsquery, to_websearch
from .scope import searchable_regions

CONFIG = "english"
FTS_INDEX = "region_text_fts"
TRIGRAM_INDEX = "region_text_trgm"


class RegionVector(Func):
    """The stored to_tsvector('english', text) column that migration 0003 adds and indexes
    (the model does not declare it: SQLite has no tsvector)."""

    template = '"ocr_region"."search_vector"'
    output_field = SearchVectorField()


class FoldedText(Func):
    """The text folded as highlight.fold does, spelled exactly as the trigram index expression."""

    template = (
        f"replace(translate(lower(%(expressions)s), '{highlight.OCR_FOLD_FROM}', "
        f"'{highlight.OCR_FOLD_TO}'), 'rn', 'm')"
    )
    output_field = TextField()


def tsquery(query: Query) -> SearchQuery | None:
    parts = []
    if words := to_websearch(query):
        parts.append(SearchQuery(words, search_type="websearch", config=CONFIG))
    if prefixes := to_prefix_tsquery(query):
        parts.append(SearchQuery(prefixes, search_type="raw", config=CONFIG))
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined &= part
    return combined


def _matches(app: App, query: Query, fuzzy: bool) -> tuple[QuerySet[Region], Any]:
    ts = tsquery(query)
    words = fuzzy_words(query) if fuzzy else ()
    regions = searchable_regions(app).annotate(vector=RegionVector())
    exact = Q(vector=ts) if ts is not None else Q(pk__in=[])
    # Normalization 32 maps ts_rank into [0, 1), so 1 + it always ranks above a similarity.
    exact_rank = Value(1.0) + SearchRank(F("vector"), ts, normalization=32) if ts else Value(1.0)
    if not words:
        return regions.filter(exact), exact_rank
    folded = [highlight.fold(w) for w in words]
    similar = Q(*(TrigramWordSimilar(FoldedText(F("text")), Value(w)) for w in folded))
    similarity = sum(
        (TrigramWordSimilarity(Value(w), FoldedText(F("text"))) for w in folded[1:]),
        start=TrigramWordSimilarity(Value(folded[0]), FoldedText(F("text"))),
    ) * Value(0.999 / len(folded))  # below 1: exact hits rank first
    rank = Case(When(exact, then=exact_rank), default=similarity, output_field=FloatField())
    return regions.filter(exact | similar), rank


def hits_queryset(app: App, query: Query, fuzzy: bool) -> QuerySet[Region, dict[str, Any]]:
    """The ranked hits, without their page: joining ocr_page for every match before the sort
    cost more than looking up the pages of the few returned."""
    regions, rank = _matches(app, query, fuzzy)
    ts = tsquery(query)
    headline = (
        SearchHeadline(
            "text",
            ts,
            config=CONFIG,
            start_sel=highlight.START,
            stop_sel=highlight.STOP,
            highlight_all=True,
        )
        if ts is not None
        else F("text")
    )
    return (
        regions.annotate(rank=Greatest(rank, Value(0.0)), headline=headline)
        .order_by("-rank", "pk")
        .values("pk", "page_id", "text", "headline", "polygon", "rank")
    )


def counted_queryset(app: App, query: Query, fuzzy: bool) -> QuerySet[Region, dict[str, Any]]:
    """hits_queryset with the number of all hits on every row."""
    return hits_queryset(app, query, fuzzy).annotate(total=Window(Count("pk")))


def _set_threshold() -> None:
    # The %> operator (the only form the trigram index serves) reads its threshold from this
    # setting; it affects nothing but pg_trgm operators, so it is fine for the session to keep.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
            [str(highlight.FUZZY_THRESHOLD)],
        )


def _hit(row: dict[str, Any], words: tuple[str, ...], page: tuple[int, int]) -> Hit:
    marked = highlight.clean(row["text"]) if row["headline"] is None else row["headline"]
    if highlight.START in marked:
        headline = highlight.to_html(marked)
    else:  # a fuzzy-only hit: ts_headline found no exact word to mark
        headline = highlight.mark_similar(row["text"], words)
    return Hit(
        region=row["pk"],
        input=page[0],
        page=page[1],
        text=row["text"],
        headline=headline,
        polygon=row["polygon"],
        rank=float(row["rank"]),
    )


# The page a count() fetches along with the total (the API's and the search page's page size).
FIRST_PAGE = 50


def search(app: App, query: Query, fuzzy: bool) -> Hits:
    words = fuzzy_words(query) if fuzzy else ()
    if query.empty:
        return Hits.of([])
    # The total comes with the rows (a window count): a separate count ran the index scans a
    # second time, which for fuzzy queries was half their latency.
    queryset = counted_queryset(app, query, fuzzy)
    first: list[Hit] = []
    total: list[int] = []

    def rows(start: int, limit: int | None) -> list[Hit]:
        _set_threshold()
        found = list(queryset[start:] if limit is None else queryset[start : start + limit])
        if found and not total:
            total.append(found[0]["total"])
        pages = Page.objects.filter(pk__in={row["page_id"] for row in found})
        where = {
            pk: (input_id, index)
            for pk, input_id, index in pages.values_list("pk", "input_id", "index")
        }
        # A page deleted since the first query takes its regions with it: leave them out.
        return [_hit(row, words, where[row["page_id"]]) for row in found if row["page_id"] in where]

    def count() -> int:
        if not total:
            first[:] = rows(0, FIRST_PAGE)
            if not total:  # no rows: nothing matched
                total.append(0)
        return total[0]

    def fetch(start: int, limit: int | None) -> list[Hit]:
        if start == 0 and limit is not None and limit <= FIRST_PAGE and first:
            return first[:limit]
        return rows(start, limit)

    return Hits(count, fetch)
