"""The app pages in a real Chromium against a live server, without a worker: runs stay queued
(their messages are dropped) and the tests move them on through the ORM, as a worker would."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from ocr.models import App, Run
from tests.browser import sign_in
from tests.factories import input_with_result

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FIXTURES = Path(__file__).parent / "fixtures"


def _screenshots() -> Path:
    folder = Path(os.environ.get("LEGIBLE_SCREENSHOTS") or Path(settings.VAR_DIR) / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def no_queue(monkeypatch) -> list[int]:
    """Runs are created but never sent to a worker; the list holds their ids."""
    sent: list[int] = []
    monkeypatch.setattr("ocr.services.inputs.enqueue_run", sent.append)
    return sent


def test_it_creates_renames_and_deletes_an_app(browser_page, live_server, alice) -> None:
    from playwright.sync_api import expect

    page = browser_page
    sign_in(page, live_server.url)
    expect(page.get_by_text("No apps yet")).to_be_visible()
    page.get_by_label("Name").fill("Minutes")
    page.get_by_label("Workflow").select_option("fast")
    page.get_by_role("button", name="Create app").click()
    expect(page.get_by_role("heading", name="Minutes")).to_be_visible()

    page.get_by_role("link", name="Apps", exact=True).click()
    page.get_by_role("link", name="Settings of Minutes").click()
    page.get_by_label("Name").fill("Council minutes")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="Council minutes", exact=True)).to_be_visible()
    page.screenshot(path=_screenshots() / "apps.png")

    page.get_by_role("link", name="Delete Council minutes").click()
    expect(page.get_by_role("heading", name="Delete Council minutes?")).to_be_visible()
    page.get_by_role("button", name="Delete for good").click()
    expect(page.get_by_text("Deleted Council minutes and everything in it.")).to_be_visible()
    expect(page.get_by_text("No apps yet")).to_be_visible()
    assert not App.objects.exists()

    # At phone width the navigation folds behind its button.
    page.set_viewport_size({"width": 390, "height": 800})
    expect(page.get_by_role("link", name="Account")).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Account")).to_be_visible()


def test_it_uploads_two_files_each_with_its_progress(
    chromium, live_server, alice, alice_app, no_queue
) -> None:
    from playwright.sync_api import expect

    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/apps/{alice_app.pk}/")
    # A slow uplink, so the bars are seen part-way (the files are 8 and 20 KB).
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 8_000},
    )
    page.get_by_label("Files to read").set_input_files(
        [FIXTURES / "phototest.png", FIXTURES / "eurotext.png"]
    )
    page.get_by_role("button", name="Upload").click()
    slow = page.locator('#upload-progress li[data-file="eurotext.png"]')
    expect(slow.locator(".upload-state")).to_have_text(re.compile(r"^[1-9]\d?%$"))
    expect(page.locator("#upload-progress progress")).to_have_count(2)
    page.screenshot(path=_screenshots() / "upload.png")

    done = page.locator('#upload-progress li[data-state="done"]')
    expect(done).to_have_count(2, timeout=20_000)
    expect(page.locator("#inputs tbody tr")).to_have_count(2)
    expect(page.locator('#inputs .status[data-status="queued"]')).to_have_count(2)
    assert len(no_queue) == 2

    # The worker's part, by hand: the rows follow without a reload.
    Run.objects.update(status=Run.Status.RUNNING, progress_done=1, progress_total=3)
    expect(page.get_by_text("1 of 3 pages")).to_have_count(2)
    Run.objects.update(status=Run.Status.SUCCEEDED, progress_done=3)
    expect(page.locator('#inputs .status[data-status="succeeded"]')).to_have_count(2)
    context.close()


def test_a_failed_run_shows_its_reason_and_retry_starts_another(
    browser_page, live_server, alice, alice_app, no_queue
) -> None:
    from playwright.sync_api import expect

    item = input_with_result(alice_app, ("Parish of St Mary",))
    Run.objects.filter(input=item).update(status=Run.Status.FAILED, error="Page 2 is unreadable.")
    page = browser_page
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/apps/{alice_app.pk}/")
    row = page.locator(f'#inputs tr[data-input-id="{item.pk}"]')
    expect(row.locator(".status")).to_have_text("failed")
    expect(row).to_contain_text("Page 2 is unreadable.")
    expect(row.locator("img.thumb")).to_have_js_property("complete", True)
    assert row.locator("img.thumb").evaluate("img => img.naturalWidth") > 0

    row.get_by_role("button", name="Retry").click()
    expect(row.locator(".status")).to_have_text("queued")
    assert item.runs.count() == 2 and len(no_queue) == 2  # the first run, and the retry
    item.runs.filter(status=Run.Status.QUEUED).update(status=Run.Status.SUCCEEDED)
    expect(row.locator(".status")).to_have_text("succeeded")
    expect(row).not_to_contain_text("Page 2 is unreadable.")


def test_the_guard_notices_a_request_that_leaves_localhost(chromium, request_guard) -> None:
    context = chromium.new_context()
    page = context.new_page()
    with page.expect_request("http://192.0.2.1/**"):
        page.set_content('<img src="http://192.0.2.1/pixel.png">')
    assert request_guard.foreign == ["http://192.0.2.1/pixel.png"]
    request_guard.urls.clear()  # seen; the test itself should pass
    context.close()
