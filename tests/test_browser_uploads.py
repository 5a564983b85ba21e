"""Uploading in Debian's Chromium: the reading choices reach the server whichever way the files
come, and a file the server refuses says why (issue 13, items 11 and 12). No worker: runs are
created but never sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr.models import Input
from tests.browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def no_queue(monkeypatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr("ocr.services.inputs.enqueue_run", sent.append)
    return sent


def test_it_reads_chosen_pdfs_by_their_text_layer_and_offers_it_again_on_rerun(
    browser_page, live_server, alice, alice_app, no_queue
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    signed_in(page, live_server, alice)
    page.goto(f"{live_server.url}/apps/{alice_app.pk}/")
    page.get_by_label("Use a PDF's own text").check()
    page.get_by_label("Files to read").set_input_files(
        [FIXTURES / "multicolumn.pdf", FIXTURES / "pdflatex-4-pages.pdf"]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator('#upload-progress li[data-state="done"]')).to_have_count(2)
    assert sorted(Input.objects.values_list("options__text_layer", flat=True)) == [True, True]
    expect(page.get_by_label("Use a PDF's own text")).to_be_checked()  # kept for the next batch

    item = Input.objects.get(name="multicolumn.pdf")
    page.goto(f"{live_server.url}/inputs/{item.pk}/runs/")
    choice = page.get_by_label("Use the PDF's own text")
    expect(choice).to_be_checked()  # as it was read last time
    choice.uncheck()
    page.get_by_role("button", name="Start the run").click()
    expect(page.get_by_role("heading", name=alice_app.name)).to_be_visible()
    item.refresh_from_db()
    assert item.options["text_layer"] is False and item.runs.count() == 2


def test_it_says_why_files_are_refused_and_when_none_was_chosen(
    browser_page, live_server, alice, alice_app, no_queue
) -> None:
    from playwright.sync_api import expect

    from tests.images import truncated_jpeg, zip_of

    page = browser_page
    signed_in(page, live_server, alice)
    page.goto(f"{live_server.url}/apps/{alice_app.pk}/")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Choose one or more files first, or drop them on the box."
    )

    docx = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    page.get_by_label("Files to read").set_input_files(
        [
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"Dear diary\n" * 20},
            {"name": "letter.docx", "mimeType": "application/zip", "buffer": docx},
            {"name": "cut.jpg", "mimeType": "image/jpeg", "buffer": truncated_jpeg()},
        ]
    )
    expect(page.get_by_role("alert")).to_be_hidden()
    page.get_by_role("button", name="Upload").click()
    failed = page.locator('#upload-progress li[data-state="failed"]')
    expect(failed).to_have_count(3)
    expect(page.locator('li[data-file="notes.txt"]')).to_contain_text("PDFs, videos")
    expect(page.locator('li[data-file="letter.docx"]')).to_contain_text(
        "This is a Word document (.docx), which Legible does not read"
    )
    expect(page.locator('li[data-file="cut.jpg"]')).to_contain_text("damaged or truncated")
    expect(failed.locator("progress")).to_have_count(0)  # no full bar beside a refusal
    assert not Input.objects.exists() and not no_queue
