"""Word boxes and blocks from the engine, kept with the page's regions, shown by the API and
used by search to box the matched words."""

from __future__ import annotations

import re

import pytest

from ocr import services
from ocr.models import Page, Region
from tests.factories import input_read_by_engine

pytestmark = pytest.mark.django_db


@pytest.fixture
def read(alice_app):
    return input_read_by_engine(alice_app)


def test_it_keeps_the_recognizers_word_boxes_and_the_pages_blocks(read, alice_api) -> None:
    regions = list(Region.objects.filter(page__input=read).order_by("order"))
    assert len(regions) == 8
    for region in regions:
        assert [w["text"] for w in region.words] == region.text.split()
        assert all(len(w["polygon"]) == 4 for w in region.words)
    page = Page.objects.get(input=read)
    assert page.blocks and all(block["kind"] == "text" for block in page.blocks)
    body = alice_api.get(f"/api/v1/inputs/{read.pk}/result/").json()
    [shown] = body["pages"]
    assert shown["blocks"] == page.blocks
    assert shown["regions"][0]["words"][0]["text"] == "This"


def test_an_edited_line_drops_its_word_boxes(read) -> None:
    region = Region.objects.filter(page__input=read).order_by("order").first()
    assert region is not None and region.words
    edited = services.edit_region(region, region.version, text="This was a lot of text")
    assert edited.words is None
    kept = Region.objects.filter(page__input=read).order_by("order")[1]
    same = services.edit_region(kept, kept.version, text=kept.text)  # confirmed as it is
    assert same.words == kept.words


def test_the_search_page_boxes_the_matched_words(client, alice, read) -> None:
    client.force_login(alice)
    response = client.get(f"/apps/{read.app_id}/search/", {"q": "quick"})
    assert response.status_code == 200
    html = response.content.decode()
    lines = Region.objects.filter(page__input=read, text__icontains="quick")
    expected = sum(
        1 for line in lines for word in line.words if word["text"].lower().strip(".") == "quick"
    )
    assert expected >= 3
    assert len(re.findall(r'class="hit-word"', html)) == expected


def test_the_page_view_offers_the_blocks(client, alice, read) -> None:
    client.force_login(alice)
    html = client.get(f"/inputs/{read.pk}/pages/0/").content.decode()
    page = Page.objects.get(input=read)
    assert html.count('class="block"') == len(page.blocks) >= 1
    assert 'id="show-blocks"' in html
