"""The explorer in Debian's Chromium against a live server: the upload-to-edit path with a real
worker, an edit conflict between two tabs, and a 4000x5000 scan with 400 regions drawn in time."""

from __future__ import annotations

import json
import os
import platform
import re
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from ocr import runs, services
from ocr.engine.types import PageImage, PageResult
from ocr.engine.types import Region as EngineRegion
from ocr.ingest import IngestedPage
from ocr.models import App, Input, Region, Run
from tests.browser import explorer_ready, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FIXTURES = Path(__file__).parent / "fixtures"
SCREENSHOTS = Path(os.environ.get("LEGIBLE_SCREENSHOTS") or Path(settings.VAR_DIR) / "screenshots")
FIRST_DRAW_BOUND_MS = 5_000  # asserted; the target is 1.5 s, reported in explorer-timing.json


def _record_requests(page) -> list[str]:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    return requested


def _assert_local(requested: list[str], live_server) -> None:
    assert requested and all(url.startswith(live_server.url) for url in requested), requested


def _first_draw_ms(page) -> float:
    # A function, not a string: the page's CSP forbids evaluating strings.
    page.wait_for_function("() => window.legibleFirstDraw !== undefined", timeout=30_000)
    return float(page.evaluate("window.legibleFirstDraw"))


@pytest.mark.worker
@pytest.mark.model
def test_it_uploads_two_scans_then_edits_a_region_and_shows_a_conflict(
    chromium, live_server, start_worker, alice
) -> None:
    from playwright.sync_api import expect

    start_worker()
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    requested = _record_requests(page)
    sign_in(page, live_server.url)
    page.get_by_label("Name").fill("Parish scans")
    page.get_by_role("button", name="Create app").click()
    page.get_by_label("Files to read").set_input_files(
        [FIXTURES / "phototest.png", FIXTURES / "eurotext.png"]
    )
    page.get_by_role("button", name="Upload").click()
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    expect(page.locator('#inputs .status[data-status="succeeded"]')).to_have_count(
        2, timeout=90_000
    )
    assert navigations == []  # the statuses changed by polling, without a reload

    page.get_by_role("link", name="phototest.png").first.click()
    expect(page.get_by_role("heading", name="phototest.png")).to_be_visible()
    input_id = int(re.search(r"/inputs/(\d+)/pages/0/", page.url).group(1))
    result = page.request.get(f"{live_server.url}/api/v1/inputs/{input_id}/result/").json()
    regions = result["pages"][0]["regions"]
    assert regions
    expect(page.locator("svg polygon[data-region-id]")).to_have_count(len(regions))
    expect(page.locator("#regions li[data-region-id]")).to_have_count(len(regions))
    _first_draw_ms(page)
    explorer_ready(page)

    # A second tab opens the page now, so its versions are stale after the first tab's edit.
    other = context.browser.new_context(viewport={"width": 1280, "height": 800})
    other_page = other.new_page()
    other_requested = _record_requests(other_page)
    sign_in(other_page, live_server.url)
    other_page.goto(page.url)
    explorer_ready(other_page)

    first = regions[0]
    page.keyboard.press("j")
    item = page.locator(f'#regions li[data-region-id="{first["id"]}"]')
    expect(item).to_have_class("selected")
    expect(item).to_be_focused()
    expect(page.locator(f'svg polygon[data-region-id="{first["id"]}"]')).to_have_class(
        "region selected"
    )
    # Hovering a polygon shows its text; this is the README's screenshot of the explorer.
    page.locator("svg polygon[data-region-id]").nth(3).hover()
    expect(page.locator("#region-tip")).to_have_text(regions[3]["text"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "explorer.png")
    page.keyboard.press("Enter")
    field = page.get_by_label("Text of region 1")
    expect(field).to_be_focused()
    # The line editor open on a real reading: the README's picture of correcting a page.
    page.mouse.move(2, 2)
    expect(page.locator("#region-tip")).to_be_hidden()
    page.screenshot(path=SCREENSHOTS / "explorer-editing.png")
    page.keyboard.press("Control+A")
    page.keyboard.type("Edited with the keyboard")
    page.keyboard.press("Enter")
    expect(page.locator("#edit-status")).to_have_text("Saved.")
    page.reload()
    expect(item.locator(".text")).to_have_text("Edited with the keyboard")
    assert Region.objects.get(pk=first["id"]).version == first["version"] + 1

    other_item = other_page.locator(f'#regions li[data-region-id="{first["id"]}"]')
    other_item.click()
    other_page.get_by_label("Text of region 1").fill("Edited in another tab")
    other_page.keyboard.press("Enter")
    conflict = other_item.locator(".conflict")
    expect(conflict).to_contain_text("Your text")
    expect(conflict).to_contain_text("Edited in another tab")
    expect(conflict).to_contain_text("Current text")
    expect(conflict).to_contain_text("Edited with the keyboard")
    other_page.get_by_role("button", name="Keep mine").click()
    expect(other_page.locator("#edit-status")).to_have_text("Saved.")
    expect(other_item.locator(".text")).to_have_text("Edited in another tab")
    saved = Region.objects.get(pk=first["id"])
    assert (saved.text, saved.version) == ("Edited in another tab", first["version"] + 2)

    _assert_local(requested, live_server)
    _assert_local(other_requested, live_server)
    other.close()
    context.close()


def _large_scan(app: App, width: int = 4000, height: int = 5000, count: int = 400) -> Input:
    """A scan-sized page with `count` regions in four columns, scores across all three bands."""
    [item] = services.create_inputs(
        app, SimpleUploadedFile("large-scan.png", (FIXTURES / "phototest.png").read_bytes())
    )
    run = item.runs.get()
    token = runs.claim_run(run.pk)
    assert token is not None
    pixels = np.full((height, width, 3), 246, dtype=np.uint8)
    rows = count // 4
    pitch = (height - 200) // rows
    regions = []
    for i in range(count):
        column, row = divmod(i, rows)
        x, y = 100 + column * 960, 100 + row * pitch
        # Dark dashes standing in for words, so the image compresses like a real page.
        for word in range(x, x + 860, 70):
            pixels[y + 4 : y + pitch - 8, word : word + 52] = 40
        box = ((x, y), (x + 880, y), (x + 880, y + pitch - 4), (x, y + pitch - 4))
        score = (0.97, 0.93, 0.81, 0.55)[i % 4]
        regions.append(
            EngineRegion(
                polygon=tuple((float(a), float(b)) for a, b in box),
                text=f"line {i + 1}",
                score=score,
                detection_score=0.9,
            )
        )
    result = PageResult(index=0, width=width, height=height, regions=tuple(regions))
    page = IngestedPage(image=PageImage(pixels=pixels, index=0), timecode_ms=None, text_layer=None)
    runs.save_page_result(run.pk, token, page, result)
    Run.objects.filter(pk=run.pk).update(status=Run.Status.SUCCEEDED, claim="")
    return item


def test_it_draws_a_4000_by_5000_scan_with_400_regions_in_time(
    chromium, live_server, alice, alice_app
) -> None:
    from playwright.sync_api import expect

    item = _large_scan(alice_app)
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    requested = _record_requests(page)
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/inputs/{item.pk}/pages/0/")
    first_draw = _first_draw_ms(page)
    explorer_ready(page)
    loaded = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    expect(page.locator("svg polygon[data-region-id]")).to_have_count(400)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "explorer-large.png")
    timing = {
        "first_draw_ms": round(first_draw),
        "dom_content_loaded_ms": round(loaded),
        "target_ms": 1_500,
        "page": "4000x5000 PNG, 400 regions",
        "viewport": "1280x800",
        "browser": "Debian Chromium (headless, --disable-gpu) on this machine",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "runs": 1,
    }
    print(f"explorer first draw: {timing}")
    (SCREENSHOTS / "explorer-timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    assert first_draw < FIRST_DRAW_BOUND_MS, timing

    # Still responsive: zoom is a viewBox change, j/k walk the list, the filter hides the rest.
    shown_width = "document.querySelector('#explorer svg').viewBox.baseVal.width"
    fit_width = page.evaluate(shown_width)
    page.get_by_role("button", name="Zoom in").click()
    page.wait_for_function(f"() => {shown_width} < {fit_width} / 1.4")
    page.keyboard.press("0")
    expect(page.locator("#explorer")).to_have_attribute("data-zoom", "1.00")
    page.keyboard.press("j")
    page.keyboard.press("j")
    second = alice_app.inputs.get().runs.get().regions.get(order=1)
    expect(page.locator("#regions li.selected")).to_have_attribute("data-region-id", str(second.pk))
    page.get_by_label("Only low confidence").check()
    expect(page.locator("#regions li[data-region-id]:visible")).to_have_count(200)
    expect(page.locator("#regions-count")).to_have_text("200 of 400 regions")
    page.keyboard.press("o")
    expect(page.locator("#explorer .overlays")).to_be_hidden()

    # At phone width nothing runs off the side and the controls stay reachable.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_role("button", name="Zoom out")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=SCREENSHOTS / "explorer-phone.png")
    _assert_local(requested, live_server)
    context.close()
