"""Full-text search: the API, the page, and both backends (run on SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.db import connection

from ocr import search
from ocr.models import Region, Run
from ocr.search import query as search_query
from ocr.services.regions import lay_reading
from tests.factories import input_with_result

pytestmark = pytest.mark.django_db

HOSTILE = [
    '"',
    "(",
    ")",
    "AND",
    "OR",
    "NOT",
    "*",
    "-",
    "NEAR(",
    "a NEAR b",
    '"unclosed',
    "🙂",
    "''",
    "a:b",
    "^",
    "col:text",
    "!",
    "&",
    "|",
    "<->",
    "\\",
    "%",
    "_",
    "-*",
    '" OR "',
    "NEAR(a b)",
]


def texts(app, q: str, fuzzy: bool = False) -> list[str]:
    return [hit.text for hit in search.search(app, q, fuzzy)]


def api_search(client, app, q: str, **params: str):
    return client.get(f"/api/v1/apps/{app.pk}/search/", {"q": q, **params})


def test_it_finds_words_by_their_stem(alice_app) -> None:
    input_with_result(alice_app, ("the register of births", "a list of deaths"))
    assert texts(alice_app, "registers") == ["the register of births"]


def test_it_keeps_phrases_in_order(alice_app) -> None:
    input_with_result(alice_app, ("the quick brown fox", "brown quick dogs"))
    assert texts(alice_app, '"quick brown"') == ["the quick brown fox"]
    assert sorted(texts(alice_app, "quick brown")) == ["brown quick dogs", "the quick brown fox"]


def test_it_matches_prefixes_and_excludes_words(alice_app) -> None:
    input_with_result(alice_app, ("the register of births", "the registry office"))
    assert sorted(texts(alice_app, "regis*")) == ["the register of births", "the registry office"]
    assert texts(alice_app, "regis* -office") == ["the register of births"]


def test_fuzzy_search_tolerates_ocr_errors(alice_app) -> None:
    input_with_result(alice_app, ("a rnodern house", "L0ndon bridge", "a modern garden"))
    assert texts(alice_app, "modern") == ["a modern garden"]
    assert texts(alice_app, "London") == []
    modern = search.search(alice_app, "modern", fuzzy=True)
    assert [hit.text for hit in modern] == ["a modern garden", "a rnodern house"]
    assert modern[0].rank >= 1 > modern[1].rank  # the exact match first
    assert "<mark>rnodern</mark>" in modern[1].headline
    assert texts(alice_app, "London", fuzzy=True) == ["L0ndon bridge"]
    assert texts(alice_app, "bridqe", fuzzy=True) == ["L0ndon bridge"]  # one wrong letter


def test_it_searches_the_pages_current_regions_not_earlier_readings(alice_app) -> None:
    item = input_with_result(alice_app, ("an old reading",))
    region = Region.objects.get(page__input=item)
    newer = Run.objects.create(input=item, workflow_name="x", workflow_nodes=[])
    lay_reading(region.page, newer, [replace(region.as_result(), text="a new reading")], "ocr")
    # The old run's reading is history (RunPage), not the page's text.
    assert texts(alice_app, "reading") == ["a new reading"]


def test_it_leaves_out_video_caption_repeats(alice_app) -> None:
    item = input_with_result(alice_app, ("breaking news", "breaking news"))
    head, repeat = Region.objects.filter(page__input=item).order_by("order")
    Region.objects.filter(pk=repeat.pk).update(repeat_of=head)
    assert [hit.region for hit in search.search(alice_app, "news")] == [head.pk]


def test_it_escapes_the_headline_and_marks_the_match(alice_app) -> None:
    input_with_result(alice_app, ("<script>alert(1)</script> register & co",))
    [hit] = search.search(alice_app, "register")
    assert "<script>" not in hit.headline and "&lt;script&gt;" in hit.headline
    assert "<mark>register</mark>" in hit.headline and "&amp; co" in hit.headline


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_never_fail(alice_app, alice_api, q: str) -> None:
    input_with_result(alice_app, ("and or not near the text",))
    search.search(alice_app, q)  # no exception from the backend itself
    for fuzzy in ("0", "1"):
        response = api_search(alice_api, alice_app, q, fuzzy=fuzzy)
        assert response.status_code in (200, 400), (q, response.content)


def test_hostile_input_is_quoted_for_fts5() -> None:
    assert search_query.to_fts5(search_query.parse('NEAR( "a b" c* -d or e')) == (
        '"near" AND "a b" AND ("c" * OR "e") NOT ("d")'
    )
    assert search_query.to_fts5(search_query.parse('" ( * - 🙂')) is None


def test_the_api_answers_hits_with_page_and_polygon(alice_app, alice_api) -> None:
    item = input_with_result(alice_app, ("first line", "the register of births"))
    response = api_search(alice_api, alice_app, "register")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [hit] = body["results"]
    region = Region.objects.get(text="the register of births")
    assert hit["region"] == region.pk and hit["input"] == item.pk and hit["page"] == 0
    assert hit["polygon"] == [[10.0, 50.0], [300.0, 50.0], [300.0, 80.0], [10.0, 80.0]]
    assert hit["headline"] == "the <mark>register</mark> of births"
    assert hit["text"] == "the register of births" and hit["rank"] >= 1


def test_it_paginates(alice_app, alice_api) -> None:
    input_with_result(alice_app, tuple(f"line {i} of the ledger" for i in range(7)))
    body = api_search(alice_api, alice_app, "ledger", page_size="3", page="3").json()
    assert body["count"] == 7 and len(body["results"]) == 1


def test_an_edit_is_searchable_at_once(alice_app, alice_api) -> None:
    item = input_with_result(alice_app, ("the registr of births",))
    region = item.runs.get().regions.get()
    response = alice_api.patch(
        f"/api/v1/regions/{region.pk}/",
        {"text": "the ledger of births", "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert texts(alice_app, "ledger") == ["the ledger of births"]
    assert texts(alice_app, "registr") == []
    assert api_search(alice_api, alice_app, "ledger").json()["count"] == 1


def test_a_deleted_input_leaves_search(alice_app, alice_api) -> None:
    item = input_with_result(alice_app, ("the register of births",))
    assert alice_api.delete(f"/api/v1/inputs/{item.pk}/").status_code == 204
    assert texts(alice_app, "register") == []
    assert texts(alice_app, "register", fuzzy=True) == []


def test_it_hides_another_users_app(alice_app, bob_api) -> None:
    input_with_result(alice_app, ("the register of births",))
    assert api_search(bob_api, alice_app, "register").status_code == 404


def test_it_explains_a_bad_query(alice_app, alice_api) -> None:
    for params in ({}, {"q": ""}, {"q": "   "}, {"q": "x" * 201}):
        response = alice_api.get(f"/api/v1/apps/{alice_app.pk}/search/", params)
        assert response.status_code == 400, params
        body = response.json()
        assert body["detail"].startswith("q: ") and body["errors"]["q"], body
    long = alice_api.get(f"/api/v1/apps/{alice_app.pk}/search/", {"q": "x" * 201}).json()
    assert "200 characters" in long["errors"]["q"][0]
    assert api_search(alice_api, alice_app, "x" * 200).status_code == 200


def test_the_search_page_links_each_hit_to_its_region(client, alice, alice_app) -> None:
    item = input_with_result(alice_app, ("first line", "the register of births"))
    region = Region.objects.get(text="the register of births")
    client.force_login(alice)
    assert 'name="q"' in client.get(f"/apps/{alice_app.pk}/").content.decode()
    html = client.get(f"/apps/{alice_app.pk}/search/", {"q": "registers"}).content.decode()
    assert f'href="/inputs/{item.pk}/pages/0/?region={region.pk}"' in html
    assert "the <mark>register</mark> of births" in html
    assert f"/inputs/{item.pk}/pages/0/image/" in html  # the crop
    assert '<label for="id_q">' in html
    empty = client.get(f"/apps/{alice_app.pk}/search/", {"q": "nothing"}).content.decode()
    assert "No region matches" in empty
    for q in ('"', "NEAR(", "🙂", "x" * 300):
        assert client.get(f"/apps/{alice_app.pk}/search/", {"q": q}).status_code == 200


def test_the_search_page_outlines_the_matched_word_not_the_whole_line(
    client, alice, alice_app
) -> None:
    # Each backend marks its own headline (ts_headline, or ours on SQLite); the outline follows it.
    input_with_result(alice_app, ("first line", "the register of births"))
    words = [
        {"polygon": [[x0, 50.0], [x1, 50.0], [x1, 80.0], [x0, 80.0]], "text": text, "score": 0.9}
        for text, x0, x1 in (("the", 10.0, 40.0), ("register", 50.0, 130.0), ("of", 140.0, 160.0))
    ] + [{"polygon": [[170.0, 50.0], [300.0, 50.0], [300.0, 80.0]], "text": "births", "score": 0.9}]
    Region.objects.filter(text="the register of births").update(words=words)
    client.force_login(alice)
    html = client.get(f"/apps/{alice_app.pk}/search/", {"q": "registers"}).content.decode()
    assert html.count('class="hit-word"') == 1
    assert '<polygon points="50,50 130,50 130,80 50,80" class="hit-word"/>' in html


def test_another_users_search_page_is_not_found(client, bob, alice_app) -> None:
    client.force_login(bob)
    assert client.get(f"/apps/{alice_app.pk}/search/", {"q": "x"}).status_code == 404


@pytest.mark.postgres
def test_the_search_predicates_can_use_the_gin_indexes(alice_app) -> None:
    from ocr.search import postgres

    input_with_result(alice_app, ("the register of births",))
    # The whole search query on a few rows prefers other indexes (the benchmark shows its plan
    # on a million rows); here each predicate alone shows the planner matches the index.
    # No ordering: the model's default joins the page table, which only adds noise to the plan.
    vector = Region.objects.order_by().annotate(vector=postgres.RegionVector())
    exact = vector.filter(vector=postgres.tsquery(search_query.parse("register"))).values("pk")
    exact_sql = exact.query.sql_with_params()
    fuzzy_sql = postgres.similar_lexemes_query(("registr",))
    for (sql, params), index in [
        (exact_sql, postgres.FTS_INDEX),
        (fuzzy_sql, postgres.TRIGRAM_INDEX),
    ]:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert index in plan, plan


@pytest.mark.postgres
def test_fuzzy_lexemes_follow_inserts_and_edits(alice_app) -> None:
    from ocr.search import postgres

    item = input_with_result(alice_app, ("the reglster of births",))
    assert "reglster" in dict(postgres.similar_lexemes(("register",))[0])
    region = item.runs.get().regions.get()
    Region.objects.filter(pk=region.pk).update(text="the ledgcr of deaths")
    assert texts(alice_app, "ledger", fuzzy=True) == ["the ledgcr of deaths"]
    assert texts(alice_app, "register", fuzzy=True) == []
