"""The model gallery and the workflow editor in Debian's Chromium (issue 13, items 14 and 15):
which models can run here, and measured tables that fit their cards."""

from __future__ import annotations

import pytest

from tests.browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_gallery_and_the_editor_say_which_models_are_installed(
    browser_page, live_server, alice, alice_app, craft_not_installed
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    signed_in(page, live_server, alice)
    page.goto(f"{live_server.url}/models/")
    craft = page.locator("#model-craft-mlt-25k")
    expect(craft.locator(".badge.not-ready")).to_have_text("not installed")
    expect(craft).to_contain_text("Cannot run on this server")
    expect(page.locator("#model-ppocrv6-small-det .badge.ready")).to_have_text("ready")

    page.goto(f"{live_server.url}/apps/{alice_app.pk}/workflows/")
    page.get_by_label("Workflow name").fill("Scene words")
    page.get_by_label("Detector model").select_option("craft-mlt-25k")
    note = page.locator('fieldset.params[data-model="craft-mlt-25k"] .not-ready')
    expect(note).to_be_visible()
    expect(page.locator('#wf-detector option[value="craft-mlt-25k"]')).to_have_text(
        "craft-mlt-25k (not installed)"
    )
    page.get_by_role("button", name="Save workflow").click()
    expect(page.locator("#errors-detect")).to_contain_text(
        "model 'craft-mlt-25k' cannot run on this server"
    )
    assert not alice_app.workflows.exists()


def test_the_gallery_fits_its_tables_and_shows_each_workflows_figures_once(
    browser_page, live_server, alice
) -> None:
    """With the repository's own figures.json: four workflows measured on five data sets (the
    ready default, fast and tesseract, and the benchmark's cascade for its own recognizer)."""
    from playwright.sync_api import expect

    page = browser_page
    signed_in(page, live_server, alice)
    page.goto(f"{live_server.url}/models/")
    expect(page.locator(".measured-workflow")).to_have_count(4)
    expect(page.get_by_role("cell", name="funsd_train", exact=True)).to_have_count(4)
    cascade = page.locator("#model-ppocrv6-cascade-rec")
    expect(cascade.locator('a[href="#workflow-cascade"]')).to_have_count(1)
    expect(page.locator("#workflow-cascade h3")).to_contain_text("benchmark variant")
    expect(page.locator("#workflow-cascade h3")).to_contain_text("ppocrv6-cascade-rec")
    card = page.locator("#model-ppocrv6-small-rec")
    expect(card).to_contain_text("Measured only as part of a whole workflow")
    expect(card.locator("table")).to_have_count(0)
    overflowing = """() => [...document.querySelectorAll('.card')]
        .filter((card) => card.scrollWidth > card.clientWidth + 1)
        .map((card) => card.id || card.className)"""
    for width in (1280, 800, 390):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate(overflowing) == [], width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
