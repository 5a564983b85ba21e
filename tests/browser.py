"""Debian's Chromium driven by Playwright (never Playwright's own browser download)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("LEGIBLE_CHROMIUM", "/usr/bin/chromium")
# As root there is no sandbox; the rest keeps Chromium from calling Google's services, which this
# network refuses, so every request the tests see is one the page made.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update",
]  # fmt: skip


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; Django refuses ORM calls from inside one unless
    # told it is safe, and the tests call the ORM between browser steps.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
