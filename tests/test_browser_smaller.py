"""Smaller things a new user meets (issue 13, item 17), in Debian's Chromium: the inputs grid
holds still while runs progress, the error page leads home, the tab has an icon, and a line
chosen before a reload is still in view with its real number."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ocr import services
from ocr.models import Region, Run
from tests.browser import open_explorer, signed_in
from tests.factories import FIXTURES, finish_run, input_with_result

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Where each cell of a grid row is: x, width and height, rounded to CSS pixels.
CELLS = """row => [...row.querySelectorAll('td')].map((td) => {
    const box = td.getBoundingClientRect();
    return [Math.round(box.x), Math.round(box.width), Math.round(box.height)];
})"""
PREVIEW = (
    "Dear Sir, I write to say that the parish of St Mary has long been in want of a new roof, "
    "and that the vestry has at last agreed to pay for one out of the rates."
)


def test_the_grid_holds_still_while_a_run_goes_from_queued_to_read(
    browser_page, live_server, alice, alice_app, monkeypatch
) -> None:
    from playwright.sync_api import expect

    monkeypatch.setattr("ocr.services.inputs.enqueue_run", lambda run_id: None)
    page = browser_page
    signed_in(page, live_server, alice)
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        data = SimpleUploadedFile("phototest.png", (FIXTURES / "phototest.png").read_bytes())
        [item] = services.create_inputs(alice_app, data)
        page.goto(f"{live_server.url}/apps/{alice_app.pk}/")
        row = page.locator(f'tr[data-input-id="{item.pk}"]')
        queued = row.evaluate(CELLS)
        Run.objects.filter(input=item).update(
            status=Run.Status.RUNNING, progress_done=1, progress_total=3
        )
        expect(row.locator(".pages-done")).to_have_text("1 of 3 pages")
        assert row.evaluate(CELLS) == queued, f"running, at {width} px"
        Run.objects.filter(input=item).update(status=Run.Status.QUEUED)
        finish_run(item, (PREVIEW,))  # the preview and the thumbnail arrive
        expect(row.locator(".status")).to_have_text("succeeded")
        expect(row.locator("img.thumb")).to_have_js_property("complete", True)
        assert row.evaluate(CELLS) == queued, f"read, at {width} px"


def test_the_error_page_the_icon_and_the_chosen_line_after_a_reload(
    browser_page, live_server, alice, alice_app
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    signed_in(page, live_server, alice)
    response = page.goto(f"{live_server.url}/no/such/page/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    answer = page.request.get(f"{live_server.url}{icon}")
    assert answer.ok and answer.headers["content-type"].startswith("image/svg+xml")
    page.get_by_role("link", name="Back to your apps").click()
    expect(page.get_by_role("heading", name="Your apps")).to_be_visible()

    item = input_with_result(alice_app, tuple(f"line {i}" for i in range(1, 61)))
    Region.objects.filter(text__in=["line 3", "line 50"]).update(score=0.4)
    open_explorer(page, f"{live_server.url}/inputs/{item.pk}/pages/0/")
    for _ in range(50):
        page.keyboard.press("j")
    selected = page.locator("#regions li.selected")
    expect(selected).to_have_text("line 50")
    page.reload()
    page.wait_for_selector("#explorer[data-drawn]")
    expect(selected).to_have_text("line 50")
    expect(selected).to_be_in_viewport()
    page.get_by_label("Only low confidence").check()
    shown = page.locator("#regions li[data-region-id]:visible")
    expect(shown).to_have_count(2)
    assert shown.evaluate_all("items => items.map((li) => li.value)") == [3, 50]
