"""Correcting a page in the explorer, in Debian's Chromium against a live server: draw, reshape,
split, merge, reorder, delete, undo and redo, the line editor, verified pages and an earlier
run's reading. Each test reloads the page and checks that the change persisted and is what the
API answers. Pages come from the factory (no model), except where a drawn region is read."""

from __future__ import annotations

import re

import pytest

from ocr.models import Region
from tests.browser import (
    explorer_ready,
    open_explorer,
    page_point,
    result_regions,
    screenshots,
    signed_in,
)
from tests.factories import input_with_result

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINES = ("first line", "second line", "third line", "fourth line")


@pytest.fixture
def item(alice_app):
    return input_with_result(alice_app, LINES)


@pytest.fixture
def explorer(browser_page, live_server, alice, item):
    """The explorer on the item's first page, signed in as alice."""
    signed_in(browser_page, live_server, alice)
    open_explorer(browser_page, f"{live_server.url}/inputs/{item.pk}/pages/0/")
    return browser_page


def list_texts(page) -> list[str]:
    return page.locator("#regions li[data-region-id] .text").all_inner_texts()


def api_texts(page, live_server, item) -> list[str]:
    return [r["text"] for r in result_regions(page, live_server, item)]


def reload(page) -> None:
    page.wait_for_selector("#explorer:not([data-busy])")  # every change answered
    page.reload()
    explorer_ready(page)


def fresh(page) -> None:
    """The page again with nothing selected (a reload keeps the selected line)."""
    page.wait_for_selector("#explorer:not([data-busy])")
    open_explorer(page, page.url.split("?")[0])


@pytest.mark.model
def test_it_draws_a_rectangle_and_shows_the_text_read_at_once(
    browser_page, live_server, alice, alice_app
) -> None:
    from playwright.sync_api import expect

    # The factory's page is phototest.png; its first printed line is at y 86-124.
    item = input_with_result(alice_app, ("elsewhere",))
    page = browser_page
    signed_in(page, live_server, alice)
    open_explorer(page, f"{live_server.url}/inputs/{item.pk}/pages/0/")
    page.keyboard.press("r")
    expect(page.get_by_role("button", name="Rectangle")).to_have_attribute("aria-pressed", "true")
    start, end = page_point(page, 30, 84), page_point(page, 590, 126)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=5)
    page.mouse.up()

    read = "This is a lot of 12 point text to test the"
    field = page.get_by_label("Text of region 2")
    expect(field).to_have_value(read, timeout=60_000)
    expect(field).to_be_focused()
    expect(page.locator("#regions li[data-region-id]")).to_have_count(2)
    expect(page.locator("svg polygon.region[data-region-id]")).to_have_count(2)

    # A polygon: click its corners around the second printed line (y 124-162), double-click
    # the last one to close it.
    page.keyboard.press("Escape")  # out of the line editor
    expect(page.locator("#line-editor")).to_be_hidden()
    page.keyboard.press("p")
    expect(page.get_by_role("button", name="Polygon")).to_have_attribute("aria-pressed", "true")
    # The page view grows back as the editor closes: click once it has settled.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    corners = [(30, 126), (300, 122), (630, 126), (630, 162), (300, 166), (30, 162)]
    for x, y in corners[:-1]:
        page.mouse.click(*page_point(page, x, y))
    page.mouse.dblclick(*page_point(page, *corners[-1]))
    second = "ocr code and see if it works on all types"
    expect(page.get_by_label("Text of region 3")).to_have_value(second, timeout=60_000)

    reload(page)
    assert list_texts(page) == ["elsewhere", read, second]
    regions = result_regions(page, live_server, item)
    drawn = regions[1]
    assert (drawn["text"], drawn["source"], drawn["corrected_by"]) == (read, "person", "alice")
    assert sorted({round(x) for x, _ in drawn["polygon"]}) == [30, 590]
    assert len(regions[2]["polygon"]) == 6


def test_it_drags_a_corner_of_the_selected_region(explorer, live_server, item) -> None:
    from playwright.sync_api import expect

    page = explorer
    page.keyboard.press("j")
    handles = page.locator("svg circle.handle")
    expect(handles).to_have_count(4)
    # The first line is the rectangle (10,10)-(300,40): its bottom-right corner goes to (360,44).
    box = handles.nth(2).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(*page_point(page, 360, 44), steps=5)
    page.mouse.up()
    expect(page.locator("#edit-status")).to_have_text("Shape saved.")

    reload(page)
    first = result_regions(page, live_server, item)[0]
    corner = first["polygon"][2]
    assert abs(corner[0] - 360) <= 2 and abs(corner[1] - 44) <= 2, first["polygon"]
    assert first["polygon"][0] == [10.0, 10.0]
    points = page.locator("svg polygon.region").first.get_attribute("points")
    assert re.search(r"\b3(5[89]|6[012])(\.\d)?,4[2-6]", points), points


def test_it_splits_a_line_at_the_text_cursor(explorer, live_server, item) -> None:
    from playwright.sync_api import expect

    page = explorer
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    field = page.get_by_label("Text of region 1")
    expect(field).to_be_focused()
    page.keyboard.press("Home")
    for _ in range(len("first")):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Alt+Enter")
    second = page.get_by_label("Text of region 2")
    expect(second).to_have_value("line")
    expect(second).to_be_focused()
    expect(page.locator("#edit-status")).to_have_text("Split in two.")

    reload(page)
    assert list_texts(page) == ["first", "line", *LINES[1:]]
    assert api_texts(page, live_server, item) == ["first", "line", *LINES[1:]]

    # Undone, the line is one again, with its text and shape as they were.
    fresh(page)
    page.keyboard.press("j")
    page.keyboard.press("Alt+Enter")  # not in a text field: nothing happens
    page.keyboard.press("Enter")
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Alt+Enter")  # "firs" | "t"
    expect(page.get_by_label("Text of region 2")).to_have_value("t")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+z")
    rows = page.locator("#regions li[data-region-id] .text")
    expect(rows).to_have_text(["first", "line", *LINES[1:]])
    reload(page)
    assert api_texts(page, live_server, item) == ["first", "line", *LINES[1:]]
    assert result_regions(page, live_server, item)[0]["polygon"][1][0] < 300


def test_it_merges_a_line_with_the_next_and_the_previous(explorer, live_server, item) -> None:
    from playwright.sync_api import expect

    page = explorer
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("m")  # the second line with the third
    expect(page.locator("#regions li[data-region-id]")).to_have_count(3)
    expect(page.locator("#regions li.selected .text")).to_have_text("second line third line")
    page.get_by_role("button", name="Merge with previous").click()
    expect(page.locator("#regions li[data-region-id]")).to_have_count(2)

    reload(page)
    expected = ["first line second line third line", "fourth line"]
    assert list_texts(page) == expected
    assert api_texts(page, live_server, item) == expected

    # A merge undone brings the later line back after the earlier one, each with its text.
    fresh(page)
    page.keyboard.press("j")
    page.keyboard.press("m")
    rows = page.locator("#regions li[data-region-id] .text")
    expect(rows).to_have_text(["first line second line third line fourth line"])
    page.keyboard.press("Control+z")
    expect(rows).to_have_text(expected)
    expect(page.locator("#edit-status")).to_have_text("Undone: merge.")
    reload(page)
    assert api_texts(page, live_server, item) == expected


def test_it_moves_lines_in_the_reading_order_by_keys_and_by_dragging(
    explorer, live_server, item
) -> None:
    from playwright.sync_api import expect

    page = explorer
    page.keyboard.press("j")
    page.keyboard.press("Alt+ArrowDown")  # the first line after the second
    expect(page.locator("#regions li[data-region-id] .text").nth(1)).to_have_text("first line")
    # Drag the fourth line by its grip (its left edge) above the second entry of the list.
    rows = page.locator("#regions li[data-region-id]")
    rows.nth(3).hover()
    grip = rows.nth(3).bounding_box()  # its left edge
    target = rows.nth(1).bounding_box()
    page.mouse.move(grip["x"] + 8, grip["y"] + grip["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + 40, target["y"] + 3, steps=8)
    page.mouse.up()
    expected = ["second line", "fourth line", "first line", "third line"]
    expect(page.locator("#regions li[data-region-id] .text")).to_have_text(expected)
    # Numbers follow the new order.
    numbers = rows.evaluate_all("els => els.map(e => e.value)")
    assert numbers == [1, 2, 3, 4]

    reload(page)
    assert list_texts(page) == expected
    regions = result_regions(page, live_server, item)
    assert [r["text"] for r in regions] == expected
    assert [r["order"] for r in regions] == [0, 1, 2, 3]


def test_it_deletes_the_selected_region(explorer, live_server, item) -> None:
    from playwright.sync_api import expect

    page = explorer
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("Delete")
    expect(page.locator("#regions li[data-region-id]")).to_have_count(3)
    expect(page.locator("svg polygon.region")).to_have_count(3)
    expect(page.locator("#regions li.selected .text")).to_have_text("third line")
    page.get_by_role("button", name="Delete").click()
    expect(page.locator("#regions li[data-region-id]")).to_have_count(2)

    reload(page)
    expected = ["first line", "fourth line"]
    assert list_texts(page) == expected
    assert api_texts(page, live_server, item) == expected


def test_it_undoes_and_redoes_changes_within_the_page(explorer, live_server, item) -> None:
    from playwright.sync_api import expect

    page = explorer
    rows = page.locator("#regions li[data-region-id] .text")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("Delete")  # the second line
    expect(rows).to_have_text(["first line", "third line", "fourth line"])
    page.keyboard.press("Alt+ArrowUp")  # the third line, now selected, first
    expect(rows).to_have_text(["third line", "first line", "fourth line"])
    page.keyboard.press("Enter")
    page.keyboard.press("Control+A")
    page.keyboard.type("third line, corrected")
    page.keyboard.press("Escape")  # Esc cancels: nothing to undo from the editor
    expect(rows).to_have_text(["third line", "first line", "fourth line"])

    page.keyboard.press("Control+z")  # the move
    expect(rows).to_have_text(["first line", "third line", "fourth line"])
    page.keyboard.press("Control+z")  # the delete: the line is back in its place
    expect(rows).to_have_text(list(LINES))
    expect(page.locator("#edit-status")).to_have_text("Undone: delete.")
    page.keyboard.press("Control+Shift+z")  # deleted again
    expect(rows).to_have_text(["first line", "third line", "fourth line"])
    page.keyboard.press("Control+Shift+z")  # moved again
    expect(rows).to_have_text(["third line", "first line", "fourth line"])
    page.get_by_role("button", name="Undo").click()
    expect(rows).to_have_text(["first line", "third line", "fourth line"])
    expect(page.locator("#edit-status")).to_have_text("Undone: move.")

    reload(page)
    expected = ["first line", "third line", "fourth line"]
    assert list_texts(page) == expected
    assert api_texts(page, live_server, item) == expected
    assert not Region.objects.filter(text="second line").exists()


def test_it_moves_through_lines_with_enter_in_the_line_editor(explorer, live_server, item) -> None:
    from playwright.sync_api import expect

    page = explorer
    page.keyboard.press("Enter")
    field = page.get_by_label("Text of region 1")
    expect(field).to_be_focused()
    expect(field).to_have_value("first line")
    # The line's image spans the editor, and the field is as wide as the line.
    image = page.locator("#line-image").bounding_box()
    box = field.bounding_box()
    assert image["width"] > 600, image
    assert abs(box["width"] - image["width"]) <= 2, (box, image)
    page.screenshot(path=screenshots() / "explorer-line-editor.png")

    page.keyboard.press("Control+A")
    page.keyboard.type("First line, corrected")
    page.keyboard.press("Enter")
    field = page.get_by_label("Text of region 2")
    expect(field).to_be_focused()
    expect(field).to_have_value("second line")
    page.keyboard.press("End")
    page.keyboard.type(" too")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Text of region 3")).to_have_value("third line")
    page.keyboard.press("Shift+Enter")
    expect(page.get_by_label("Text of region 2")).to_have_value("second line too")
    page.keyboard.press("Shift+Enter")
    expect(page.get_by_label("Text of region 1")).to_have_value("First line, corrected")
    page.keyboard.type(" not kept")
    page.keyboard.press("Escape")
    expect(page.locator("#line-editor")).to_be_hidden()
    expect(page.locator("#regions li.selected")).to_be_focused()

    reload(page)
    expected = ["First line, corrected", "second line too", "third line", "fourth line"]
    assert list_texts(page) == expected
    assert api_texts(page, live_server, item) == expected


def test_it_marks_a_page_verified(explorer, live_server, item) -> None:
    from playwright.sync_api import expect

    page = explorer
    box = page.get_by_label("Page verified")
    expect(box).not_to_be_checked()
    box.check()
    expect(page.locator("#edit-status")).to_contain_text("Page marked verified")

    reload(page)
    expect(page.get_by_label("Page verified")).to_be_checked()
    result = page.request.get(f"{live_server.url}/api/v1/inputs/{item.pk}/result/").json()
    assert result["pages"][0]["verified"] is True
    detail = page.request.get(f"{live_server.url}/api/v1/inputs/{item.pk}/").json()
    assert detail["pages"] == {"total": 1, "verified": 1}


def test_it_keeps_line_numbers_and_scrolls_to_the_selected_line(
    browser_page, live_server, alice, alice_app
) -> None:
    from playwright.sync_api import expect

    item = input_with_result(alice_app, tuple(f"line {i}" for i in range(1, 61)))
    Region.objects.filter(text__in=["line 3", "line 58"]).update(score=0.4)
    target = Region.objects.get(text="line 58")
    page = browser_page
    signed_in(page, live_server, alice)
    open_explorer(page, f"{live_server.url}/inputs/{item.pk}/pages/0/?region={target.pk}")
    selected = page.locator("#regions li.selected")
    expect(selected).to_have_text("line 58")
    expect(selected).to_be_in_viewport()
    page.get_by_label("Only low confidence").check()
    shown = page.locator("#regions li[data-region-id]:visible")
    expect(shown).to_have_count(2)
    assert shown.evaluate_all("els => els.map(e => e.value)") == [3, 58]


def test_it_shows_a_conflict_between_two_tabs_and_keeps_both_texts(
    explorer, chromium, live_server, alice, item
) -> None:
    from playwright.sync_api import expect

    page = explorer
    other_context = chromium.new_context(viewport={"width": 1280, "height": 800})
    other = other_context.new_page()
    signed_in(other, live_server, alice)
    open_explorer(other, page.url)

    page.keyboard.press("Enter")
    page.keyboard.press("Control+A")
    page.keyboard.type("Mine, saved first")
    page.keyboard.press("Enter")
    expect(page.locator("#edit-status")).to_have_text("Saved.")

    # The other tab still has version 1: its save is refused, and both texts are shown.
    first = other.locator("#regions li[data-region-id]").first
    first.click()
    other.get_by_label("Text of region 1").fill("Theirs, saved second")
    other.keyboard.press("Enter")
    expect(other.get_by_label("Text of region 2")).to_be_focused()  # typing goes on meanwhile
    conflict = first.locator(".conflict")
    expect(conflict).to_contain_text("Theirs, saved second")
    expect(conflict).to_contain_text("Mine, saved first")
    other.get_by_role("button", name="Keep mine").click()
    expect(other.locator("#edit-status")).to_have_text("Saved.")
    expect(conflict).to_have_count(0)
    other_context.close()

    reload(page)
    assert list_texts(page)[0] == "Theirs, saved second"
    assert api_texts(page, live_server, item)[0] == "Theirs, saved second"
    assert Region.objects.get(text="Theirs, saved second").version == 3


def test_it_shows_an_earlier_runs_own_reading_read_only(explorer, live_server, item) -> None:
    from playwright.sync_api import expect

    page = explorer
    page.keyboard.press("Enter")
    page.keyboard.press("Control+A")
    page.keyboard.type("first line, corrected")
    page.keyboard.press("Enter")
    expect(page.locator("#edit-status")).to_have_text("Saved.")
    run = item.runs.get()

    page.get_by_text("Runs (1)").click()
    expect(page.locator(f'#runs tr[data-run-id="{run.pk}"]')).to_contain_text("succeeded")
    page.get_by_role("link", name=f"Show run {run.pk}'s reading").click()
    explorer_ready(page)
    expect(page.locator(".history-note")).to_contain_text("read-only")
    assert list_texts(page) == list(LINES)  # as the run read it, without the correction
    expect(page.get_by_role("button", name="Rectangle")).to_have_count(0)
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page.locator("#regions li.selected .text")).to_have_text("first line")
    expect(page.locator("#line-editor")).to_have_count(0)

    page.get_by_role("link", name="Back to the current result").first.click()
    explorer_ready(page)
    assert list_texts(page)[0] == "first line, corrected"


def test_it_keeps_the_text_of_a_save_that_failed_until_it_is_saved(
    explorer, live_server, item
) -> None:
    from playwright.sync_api import expect

    page = explorer
    # The server cannot be reached for region changes: the save fails, the typing goes on.
    page.route("**/api/v1/regions/**", lambda route: route.abort())
    page.keyboard.press("Enter")
    page.keyboard.press("Control+A")
    page.keyboard.type("typed while offline")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Text of region 2")).to_be_focused()
    failed = page.locator("#regions li[data-region-id]").first.locator(".conflict")
    expect(failed).to_contain_text("typed while offline")
    expect(page.locator("#edit-status")).to_contain_text("Your text is kept beside the line")
    page.keyboard.press("Shift+Enter")  # back on the line: the text is in the box again
    expect(page.get_by_label("Text of region 1")).to_have_value("typed while offline")
    page.keyboard.press("Escape")

    page.unroute("**/api/v1/regions/**")
    failed.get_by_role("button", name="Try again").click()
    expect(page.locator("#edit-status")).to_have_text("Saved.")
    expect(failed).to_have_count(0)
    # The second line, saved again with Enter after the same failure.
    page.route("**/api/v1/regions/**", lambda route: route.abort())
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.keyboard.type(", also offline")
    page.keyboard.press("Enter")
    expect(page.locator("#regions li[data-region-id]").nth(1).locator(".conflict")).to_be_visible()
    page.unroute("**/api/v1/regions/**")
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Enter")
    expect(page.locator("#edit-status")).to_have_text("Saved.")
    reload(page)
    expected = ["typed while offline", "second line, also offline"]
    assert list_texts(page)[:2] == expected
    assert api_texts(page, live_server, item)[:2] == expected
