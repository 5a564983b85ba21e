"""The review queue page as the server renders it: lines of unverified pages no one checked,
least confident first, in batches by keyset; the progress; nothing of it for another user."""

from __future__ import annotations

import re

import pytest

from ocr.models import Region
from ocr.services import regions as corrections
from ocr.web import review as review_view
from tests.factories import input_with_result

pytestmark = pytest.mark.django_db


def _queue(html: str) -> list[str]:
    return re.findall(r'class="line-text" value="([^"]*)"', html)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def _scored(app, scores: dict[str, float]):
    item = input_with_result(app, tuple(scores))
    for text, score in scores.items():
        Region.objects.filter(page__input=item, text=text).update(score=score)
    return item


def test_it_lists_unchecked_lines_least_confident_first(client, alice, alice_app) -> None:
    item = _scored(alice_app, {"b": 0.5, "a": 0.2, "c": 0.8, "done": 0.1})
    done = Region.objects.get(text="done")
    corrections.edit_region(done, done.version, user=alice, text="done")  # confirmed
    verified = _scored(alice_app, {"on a verified page": 0.05})
    corrections.set_verified(verified.pages.get(), True, user=alice)
    client.force_login(alice)
    html = client.get(f"/apps/{alice_app.pk}/review/").content.decode()
    assert _queue(html) == ["a", "b", "c"]
    assert "2 of 5 lines reviewed" in _text(html)  # the confirmed line and the verified page's
    a = Region.objects.get(text="a")
    assert f'src="/api/v1/regions/{a.pk}/crop/?v={a.version}"' in html
    assert f'href="/inputs/{item.pk}/pages/0/?region={a.pk}"' in html


def test_it_pages_through_the_queue_by_keyset(client, alice, alice_app, monkeypatch) -> None:
    monkeypatch.setattr(review_view, "BATCH", 2)
    _scored(alice_app, {"one": 0.1, "two": 0.2, "three": 0.2, "four": 0.4, "five": 0.5})
    client.force_login(alice)
    html = client.get(f"/apps/{alice_app.pk}/review/").content.decode()
    assert _queue(html) == ["one", "two"]
    more = re.search(r'data-more-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    # Lines checked meanwhile leave the queue; the next batch still starts after the last shown.
    one = Region.objects.get(text="one")
    corrections.edit_region(one, one.version, user=alice, text="one")
    batch = client.get(more, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in batch
    assert _queue(batch) == ["three", "four"]
    assert '<li class="review-line" value="3"' in batch
    last = re.search(r'data-more-url="([^"]+)"', batch).group(1).replace("&amp;", "&")
    assert _queue(client.get(last, HTTP_HX_REQUEST="true").content.decode()) == ["five"]


def test_it_says_when_there_is_nothing_to_review(client, alice, alice_app) -> None:
    client.force_login(alice)
    assert "Nothing to review yet." in client.get(f"/apps/{alice_app.pk}/review/").content.decode()
    item = input_with_result(alice_app, ("only line",))
    corrections.set_verified(item.pages.get(), True, user=alice)
    html = client.get(f"/apps/{alice_app.pk}/review/").content.decode()
    assert "Nothing left to review." in html
    assert "1 of 1 lines reviewed (100%)" in _text(html)


def test_it_is_linked_from_the_app_page(client, alice, alice_app) -> None:
    client.force_login(alice)
    html = client.get(f"/apps/{alice_app.pk}/").content.decode()
    assert f'href="/apps/{alice_app.pk}/review/"' in html


def test_it_answers_404_to_another_user_and_to_a_bad_cursor(client, alice, bob, alice_app) -> None:
    input_with_result(alice_app)
    client.force_login(bob)
    assert client.get(f"/apps/{alice_app.pk}/review/").status_code == 404
    client.force_login(alice)
    assert client.get(f"/apps/{alice_app.pk}/review/?after=x").status_code == 404
