"""The Content-Security-Policy breaks no page (issue 13, item 9): each page is opened in Chromium
and its menu and forms used, and the `chromium` fixture fails the test on anything the policy
blocked (an inline script or style, an eval) and on any request that leaves localhost."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import sign_in
from tests.factories import input_with_result

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_page_keeps_working_under_the_policy(
    browser_page: Any, live_server: Any, alice: Any, alice_app: Any
) -> None:
    page, base = browser_page, live_server.url
    alice.is_staff = alice.is_superuser = True
    alice.save()
    item = input_with_result(alice_app)
    sign_in(page, base)
    csp = page.request.get(f"{base}/").headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe" not in csp
    for path in (
        f"/apps/{alice_app.pk}/",
        f"/inputs/{item.pk}/pages/0/",
        f"/apps/{alice_app.pk}/search/?q=line",
        f"/apps/{alice_app.pk}/review/",
        f"/apps/{alice_app.pk}/train/",
        "/models/",
        "/account/",
        "/admin/",
        "/api/docs/",
    ):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    # The docs page ran its start-up script from a file: Swagger UI drew the operations.
    expect(page.locator(".opblock").first).to_be_visible()
    # The search page's styles moved to a file and still apply.
    page.goto(f"{base}/apps/{alice_app.pk}/search/?q=line")
    assert page.locator(".hits").evaluate("e => getComputedStyle(e).listStyleType") == "none"

    # The workflow editor shows the chosen model's parameters only, without Alpine.
    page.goto(f"{base}/apps/{alice_app.pk}/workflows/")
    select = page.locator("select[data-stage-model]").first
    options = select.locator("option").all_inner_texts()
    stage = page.locator("fieldset.stage").first
    expect(stage.locator("fieldset.params:visible")).to_have_count(1)
    select.select_option(index=len(options) - 1)
    chosen = select.evaluate("e => e.value")
    expect(stage.locator("fieldset.params:visible")).to_have_attribute("data-model", chosen)

    # The menu opens and closes on a narrow screen.
    page.set_viewport_size({"width": 480, "height": 800})
    page.goto(f"{base}/")
    nav = page.locator("#site-nav")
    expect(nav).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(nav).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
