"""The issue's browser path in a real Chromium against a live server and a real worker:
sign in, create an app, upload two scans, watch both runs finish without a reload, read the text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from ocr.models import Region

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.model,
    pytest.mark.django_db(transaction=True),
]
FIXTURES = Path(__file__).parent / "fixtures"
SCREENSHOTS = Path(os.environ.get("LEGIBLE_SCREENSHOTS") or Path(settings.VAR_DIR) / "screenshots")


def test_it_signs_in_uploads_two_scans_and_shows_their_text(
    chromium, live_server, start_worker, alice
) -> None:
    from playwright.sync_api import expect

    start_worker()
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("alice-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("No apps yet")).to_be_visible()

    page.get_by_label("Name").fill("Test scans")
    page.get_by_role("button", name="Create app").click()
    expect(page.get_by_role("heading", name="Test scans")).to_be_visible()
    expect(page.get_by_text("Nothing here yet")).to_be_visible()

    page.get_by_label("Files to read").set_input_files(
        [FIXTURES / "phototest.png", FIXTURES / "eurotext.png"]
    )
    page.get_by_role("button", name="Upload").click()
    rows = page.locator("#inputs tbody tr")
    # Each file is checked at upload while the worker already reads the first: give the
    # second a while on a busy 2-core machine.
    expect(rows).to_have_count(2, timeout=30_000)
    # Statuses turn to succeeded by polling; the page is never reloaded.
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    expect(page.locator('#inputs .status[data-status="succeeded"]')).to_have_count(
        2, timeout=90_000
    )
    assert navigations == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "app.png")

    page.get_by_role("link", name="phototest.png", exact=True).click()
    expect(page.get_by_role("heading", name="phototest.png")).to_be_visible()
    regions = Region.objects.filter(run__input__name="phototest.png")
    expect(page.locator("svg polygon[data-region-id]")).to_have_count(regions.count())
    expect(page.locator("#regions")).to_contain_text("The quick brown dog jumped over the")
    page.screenshot(path=SCREENSHOTS / "page.png", full_page=True)

    assert requested and all(url.startswith(live_server.url) for url in requested), requested
    context.close()


def test_a_search_hit_opens_its_page_with_the_region_highlighted(
    chromium, live_server, alice, alice_app
) -> None:
    from playwright.sync_api import expect

    from tests.factories import input_with_result

    item = input_with_result(alice_app, ("the parish register of births", "another line"))
    hit = item.runs.get().regions.get(text__startswith="the parish")
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("alice-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/apps/{alice_app.pk}/")

    page.get_by_label("Search this app's text").fill("registers")  # stemmed: finds "register"
    page.keyboard.press("Enter")
    result = page.locator(f'li.hit[data-region-id="{hit.pk}"]')
    expect(result.locator("mark")).to_have_text("register")
    result.locator("a.headline").click()

    expect(page).to_have_url(f"{live_server.url}/inputs/{item.pk}/pages/0/?region={hit.pk}")
    expect(page.locator(f'svg polygon[data-region-id="{hit.pk}"]')).to_have_class("region selected")
    expect(page.locator(f'#regions li[data-region-id="{hit.pk}"]')).to_have_class("selected")
    context.close()


def test_a_search_hit_boxes_the_matched_words_not_the_whole_line(
    chromium, live_server, alice, alice_app
) -> None:
    from playwright.sync_api import expect

    from tests.factories import input_read_by_engine

    item = input_read_by_engine(alice_app)  # read by the real default workflow
    line = Region.objects.get(page__input=item, text__startswith="This is a lot")
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("alice-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/apps/{alice_app.pk}/search/?q=point")

    hit = page.locator(f'li.hit[data-region-id="{line.pk}"]')
    expect(hit.locator("mark")).to_have_text("point")
    word = hit.locator("svg polygon.hit-word")
    expect(word).to_have_count(1)
    whole = hit.locator("svg polygon.region").bounding_box()
    box = word.bounding_box()
    assert whole is not None and box is not None
    # The word "point" of "This is a lot of 12 point text to test the": a seventh of the line,
    # where the recognizer put it (its 7th word), drawn inside the line.
    assert 0.05 < box["width"] / whole["width"] < 0.25
    assert whole["x"] + 0.4 * whole["width"] < box["x"] < whole["x"] + 0.7 * whole["width"]
    page.screenshot(path=SCREENSHOTS / "search-words.png")

    # On the page view the reading's blocks show while "Blocks" is ticked.
    page.goto(f"{live_server.url}/inputs/{item.pk}/pages/0/")
    blocks = page.locator("svg polygon.block")
    expect(blocks.first).to_be_hidden()
    page.get_by_label("Blocks").check()
    expect(blocks.first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "page-blocks.png")
    context.close()
