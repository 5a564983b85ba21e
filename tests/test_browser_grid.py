"""The inputs grid in Debian's Chromium against a live server: verified pages counted on each
row, and inputs deleted (one, or several chosen) after a confirmation."""

from __future__ import annotations

import pytest

from ocr.models import Input
from ocr.services import regions as corrections
from tests.browser import screenshots, signed_in
from tests.factories import input_with_result

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_deletes_inputs_chosen_in_the_grid_after_a_confirmation(
    browser_page, live_server, alice, alice_app
) -> None:
    from playwright.sync_api import expect

    items = [input_with_result(alice_app) for _ in range(4)]
    for i, item in enumerate(items):
        Input.objects.filter(pk=item.pk).update(name=f"scan-{i}.png")
    corrections.set_verified(items[0].pages.get(), True, user=alice)
    page = browser_page
    signed_in(page, live_server, alice)
    page.goto(f"{live_server.url}/apps/{alice_app.pk}/")
    row = page.locator(f'tr[data-input-id="{items[0].pk}"]')
    expect(row).to_contain_text("1 of 1 page verified")

    delete = page.get_by_role("button", name="Delete selected…")
    expect(delete).to_be_disabled()
    page.get_by_label("Select scan-1.png").check()
    page.get_by_label("Select scan-2.png").check()
    expect(page.locator("#picked-count")).to_have_text("2 selected")
    page.screenshot(path=screenshots() / "inputs-grid.png", full_page=True)
    delete.click()
    expect(page.get_by_role("heading", name="Delete 2 inputs?")).to_be_visible()
    page.get_by_role("link", name="Keep them").click()  # changing one's mind deletes nothing
    expect(page.locator("tr[data-input-id]")).to_have_count(4)

    page.get_by_label("Select scan-1.png").check()
    page.get_by_label("Select scan-2.png").check()
    page.get_by_role("button", name="Delete selected…").click()
    page.get_by_role("button", name="Delete for good").click()
    expect(page.get_by_text("Deleted 2 inputs.")).to_be_visible()
    expect(page.locator("tr[data-input-id]")).to_have_count(2)

    page.get_by_role("link", name="Delete scan-3.png").click()
    expect(page.get_by_role("heading", name="Delete scan-3.png?")).to_be_visible()
    page.get_by_role("button", name="Delete for good").click()
    expect(page.get_by_text("Deleted scan-3.png.")).to_be_visible()

    page.reload()
    expect(page.locator("tr[data-input-id]")).to_have_count(1)
    answer = page.request.get(f"{live_server.url}/api/v1/apps/{alice_app.pk}/inputs/").json()
    assert [i["name"] for i in answer["results"]] == ["scan-0.png"]
    assert list(Input.objects.values_list("name", flat=True)) == ["scan-0.png"]
