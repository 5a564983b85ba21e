"""What the grid and an input's page say about its runs agree (issue 13, item 13), in Debian's
Chromium against a live server; runs are moved on through the ORM, as a worker would."""

from __future__ import annotations

import re

import pytest

from ocr import services
from ocr.models import Run
from tests.browser import signed_in
from tests.factories import input_with_result

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_grid_and_the_page_agree_on_a_failed_run(
    browser_page, live_server, alice, alice_app, monkeypatch
) -> None:
    from playwright.sync_api import expect

    monkeypatch.setattr("ocr.services.inputs.enqueue_run", lambda run_id: None)
    never = input_with_result(alice_app)
    never.pages.all().delete()
    Run.objects.filter(input=never).update(status=Run.Status.FAILED, error="Page 1 is unreadable.")
    reread = input_with_result(alice_app, ("Parish of St Mary",))
    first = reread.runs.get()
    again = services.start_run(reread)
    Run.objects.filter(pk=again.pk).update(status=Run.Status.FAILED, error="Out of memory.")

    page = browser_page
    signed_in(page, live_server, alice)
    page.goto(f"{live_server.url}/apps/{alice_app.pk}/")
    for item in (never, reread):
        expect(page.locator(f'tr[data-input-id="{item.pk}"] .status')).to_have_text("failed")

    page.goto(f"{live_server.url}/inputs/{never.pk}/pages/0/")
    note = page.locator("#run-note")
    expect(note).to_have_text(re.compile(r"This input could not be read: Page 1 is unreadable\."))
    expect(page.get_by_text("has not been read yet")).to_have_count(0)

    page.goto(f"{live_server.url}/inputs/{reread.pk}/pages/0/")
    expect(note).to_contain_text(f"The latest run ({again.pk}) failed: Out of memory.")
    expect(note).to_contain_text(f"Showing the result of run {first.pk} from")
    expect(page.locator("#explorer")).to_contain_text("Parish of St Mary")

    # Read again: the page says so, watches the new run, and refreshes when it has finished.
    third = services.start_run(reread)
    page.reload()
    expect(note).to_contain_text(f"Run {third.pk} is reading this input again (queued)")
    Run.objects.filter(pk=third.pk).update(status=Run.Status.SUCCEEDED)
    expect(page.locator("#run-note")).to_have_count(0, timeout=10_000)
    expect(page.locator(".meta")).to_contain_text(f"Run {third.pk}")
