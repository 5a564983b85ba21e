"""PostgreSQL: tsvector/tsquery on the generated column search_vector with its GIN index
region_text_fts. OCR-tolerant matches go through the vocabulary ocr_search_lexeme (migration
0004): pg_trgm's word similarity, on its GIN trigram index search_lexeme_trgm, finds the lexemes
that look like each query word once both are folded for OCR confusions; the regions holding them
come from region_text_fts like an exact search. The column and the vocabulary are written in the
same transaction as the text, so an edit or a deletion is searchable the moment it commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchQueryField,
    SearchRank,
    SearchVectorField,
)
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
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
TRIGRAM_INDEX = "search_lexeme_trgm"
# Lexemes taken per query word, most similar first: a misread word has a handful of look-alikes,
# and each one costs a tsvector test per candidate region in the ranking.
MAX_LEXEMES_PER_WORD = 32


class RegionVector(Func):
    """The stored to_tsvector('english', text) column that migration 0003 adds and indexes
    (the model does not declare it: SQLite has no tsvector)."""

    template = '"ocr_region"."search_vector"'
    output_field = SearchVectorField()


class LexemeQuery(SearchQuery):
    """A tsquery of lexemes as they are stored (already stemmed): cast, not parsed again.
    A SearchQuery, so that `vector=` takes it as it is rather than wrapping plainto_tsquery."""

    def __init__(self, text: str) -> None:
        Func.__init__(self, Value(text), output_field=SearchQueryField())
        self.invert = False

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql})::tsquery", list(params)


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _lexeme_query(lexemes: list[str]) -> LexemeQuery:
    return LexemeQuery(" | ".join(_quote(lexeme) for lexeme in lexemes))


# Each query word folded as the vocabulary's `folded` column is, but not stemmed: a lexeme is
# mostly a prefix of its word, so "register" is as close to "regist" (the stem of a right
# reading) as to "reglster" (a misreading the stemmer leaves whole), while the stem "regist"
# would miss the misreading. One subquery per word with the word as a constant: fed from a
# join, the planner scanned the whole vocabulary instead of its trigram index.
SIMILAR_LEXEMES = f"""(
    SELECT %s AS position, lexeme, word_similarity(%s, folded) AS similarity
    FROM ocr_search_lexeme
    WHERE folded %%> %s
    ORDER BY similarity DESC, lexeme
    LIMIT {MAX_LEXEMES_PER_WORD}
)"""


def similar_lexemes_query(words: tuple[str, ...]) -> tuple[str, list[Any]]:
    """The vocabulary lookup's SQL and parameters for the words (one subquery each)."""
    params: list[Any] = []
    for position, word in enumerate(words):
        folded = highlight.fold(word)
        params += [position, folded, folded]
    return " UNION ALL ".join([SIMILAR_LEXEMES] * len(words)), params


@contextmanager
def lexeme_lookup_cursor() -> Iterator[Any]:
    """A cursor in its own transaction, set up for the vocabulary lookup.

    Both settings last only for that transaction. The %> operator (the form the trigram index
    serves) reads its threshold from the first. The planner prices word_similarity like a cheap
    operator and so prefers scanning the whole vocabulary, which on a million regions' 15,000
    lexemes took 2-3x as long as the index (EXPLAIN ANALYZE, both ways).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true), "
            "set_config('enable_seqscan', 'off', true)",
            [str(highlight.FUZZY_THRESHOLD)],
        )
        yield cursor


def similar_lexemes(words: tuple[str, ...]) -> list[list[tuple[str, float]]]:
    """For each word, the stored lexemes that look like it, with their similarity."""
    found: list[list[tuple[str, float]]] = [[] for _ in words]
    if not words:
        return found
    with lexeme_lookup_cursor() as cursor:
        cursor.execute(*similar_lexemes_query(words))
        for position, lexeme, similarity in cursor.fetchall():
            found[position].append((lexeme, float(similarity)))
    return found


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
    per_word = similar_lexemes(words)
    if not all(per_word):  # a word with no look-alike: only exact hits can match
        return regions.filter(exact), exact_rank
    # Every word must be matched by one of its look-alikes; a region scores the similarity of
    # the closest look-alike it holds, averaged over the words.
    similar = Q(*(Q(vector=_lexeme_query([lexeme for lexeme, _ in found])) for found in per_word))
    scores = [
        Case(
            *(When(vector=_lexeme_query([lexeme]), then=Value(sim)) for lexeme, sim in found),
            default=Value(0.0),
            output_field=FloatField(),
        )
        for found in per_word
    ]
    similarity = sum(scores[1:], start=scores[0]) * Value(0.999 / len(scores))  # exact ranks first
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
