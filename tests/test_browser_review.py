"""The review queue in Debian's Chromium against a live server: three lines corrected or
accepted in a row with the keyboard alone, then the queue and the API as they are after it."""

from __future__ import annotations

import pytest

from ocr.models import Region
from tests.browser import screenshots, signed_in
from tests.factories import input_with_result

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Text and confidence of each line: the queue shows them least confident first.
LINES = {"Dear Sir,": 0.62, "I write to sav": 0.31, "that the parcel": 0.88, "has arrived.": 0.45}


def test_it_reviews_three_lines_in_a_row_with_the_keyboard(
    browser_page, live_server, alice, alice_app
) -> None:
    from playwright.sync_api import expect

    item = input_with_result(alice_app, tuple(LINES))
    for text, score in LINES.items():
        Region.objects.filter(page__input=item, text=text).update(score=score)
    input_with_result(alice_app, ("another page",))  # 0.9: last in the queue
    page = browser_page
    signed_in(page, live_server, alice)
    page.goto(f"{live_server.url}/apps/{alice_app.pk}/")
    page.get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", name="Review Alice's archive")).to_be_visible()
    expect(page.locator("#review-count")).to_have_text("0 of 5 lines reviewed (0%)")

    first = page.get_by_label("Text of line 1")
    expect(first).to_be_focused()
    expect(first).to_have_value("I write to sav")  # the least confident line
    page.keyboard.press("Backspace")
    page.keyboard.type("y")
    page.keyboard.press("Enter")  # corrected, on to the next
    second = page.get_by_label("Text of line 2")
    expect(second).to_be_focused()
    expect(second).to_have_value("has arrived.")
    page.keyboard.press("Control+Enter")  # accepted as read
    third = page.get_by_label("Text of line 3")
    expect(third).to_be_focused()
    expect(third).to_have_value("Dear Sir,")
    page.keyboard.press("Backspace")
    page.keyboard.type(":")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Text of line 4")).to_be_focused()
    expect(page.locator("#review-count")).to_have_text("3 of 5 lines reviewed (60%)")
    expect(page.locator("li.review-line[data-reviewed]")).to_have_count(3)
    # The line image is as wide as its text field.
    image = page.locator("li.review-line img.line-crop").first.bounding_box()
    field = first.bounding_box()
    assert abs(image["width"] - field["width"]) <= 1, (image, field)
    page.screenshot(path=screenshots() / "review.png")

    page.reload()
    expect(page.get_by_label("Text of line 1")).to_have_value("that the parcel")
    expect(page.locator("li.review-line")).to_have_count(2)
    expect(page.locator("#review-count")).to_have_text("3 of 5 lines reviewed (60%)")
    answer = page.request.get(f"{live_server.url}/api/v1/apps/{alice_app.pk}/review/").json()
    assert answer["progress"] == {"reviewed": 3, "total": 5}
    assert [line["text"] for line in answer["results"]] == ["that the parcel", "another page"]
    saved = {r.text: r.edited for r in Region.objects.filter(page__input=item)}
    assert saved == {
        "I write to say": True,
        "has arrived.": True,
        "Dear Sir:": True,
        "that the parcel": False,
    }
