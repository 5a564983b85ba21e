"""The Train page in Debian's Chromium with a real worker on the train queue: verified pages,
a training started and watched to the end, its metrics, promoted, an input read with the
promoted workflow, and rolled back."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ocr import services
from ocr.models import App, Run, Training
from tests.browser import screenshots, signed_in
from tests.test_api_training import verified_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.model,
    pytest.mark.django_db(transaction=True),
]
FIXTURES = Path(__file__).parent / "fixtures"


def test_it_trains_watches_promotes_and_rolls_back(
    browser_page, live_server, start_worker, alice, alice_app
) -> None:
    from playwright.sync_api import expect

    # Two pages of the same lines: what it learns on one, it reads better on the other.
    verified_page(alice_app)
    verified_page(alice_app)
    worker = start_worker()
    page = browser_page
    signed_in(page, live_server, alice)
    page.goto(f"{live_server.url}/apps/{alice_app.pk}/")
    page.get_by_role("link", name="Train").click()
    expect(page.get_by_role("heading", name="Train Alice's archive")).to_be_visible()
    expect(page.locator("#train-data [data-pages]")).to_have_text("2")
    expect(page.locator("#train-data [data-lines]")).to_have_text("8")

    # Each kind offers its own default steps.
    expect(page.get_by_label("Steps")).to_have_value("300")
    page.get_by_label("What to train").select_option("detector")
    expect(page.get_by_label("Steps")).to_have_value("520")
    page.get_by_label("What to train").select_option("recognizer")
    expect(page.get_by_label("Steps")).to_have_value("300")
    page.get_by_label("Start from").select_option("ppocrv6-tiny-rec")
    page.get_by_label("Steps").fill("12")
    page.get_by_role("button", name="Start training").click()
    expect(page.locator("#train-message")).to_contain_text("queued")
    card = page.locator("#training")
    progress = card.get_by_label("Training progress")
    expect(card.locator("[data-status]")).to_have_text("succeeded", timeout=300_000)
    expect(progress).to_have_attribute("value", "12")
    assert card.locator("[data-loss]").get_attribute("points").count(",") >= 5
    table = card.locator("[data-metrics]")
    expect(table).to_be_visible()
    expect(table.locator('[data-row="base"] td').first).not_to_be_empty()
    page.screenshot(path=screenshots() / "train.png", full_page=True)

    training = Training.objects.get(app=alice_app)
    assert training.improved, training.metrics
    card.get_by_role("button", name="Promote").click()
    expect(card.locator("[data-verdict]")).to_contain_text("reads with trained-")
    alice_app.refresh_from_db()
    assert alice_app.workflow != "default"

    # An input now reads with the promoted workflow, on the worker.
    data = (FIXTURES / "phototest.png").read_bytes()
    [item] = services.create_inputs(alice_app, SimpleUploadedFile("page.png", data))
    run = item.runs.get()
    assert f"trained-{training.model.pk}" in [n["model"] for n in run.workflow_nodes]
    worker.wait_for(
        lambda: Run.objects.get(pk=run.pk).status in ("succeeded", "failed"), 180, "the run"
    )
    assert Run.objects.get(pk=run.pk).status == "succeeded"

    card.get_by_role("button", name="Roll back").click()
    expect(card.get_by_role("button", name="Promote")).to_be_visible()
    assert App.objects.get(pk=alice_app.pk).workflow == "default"
