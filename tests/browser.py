"""Debian's Chromium driven by Playwright (never Playwright's own browser download).

Every browser test also checks the issue's promise that no request leaves localhost while the
pages are used: each context and page the `chromium` fixture's browser makes is watched, and a
request to any other host fails the test. So does anything the Content-Security-Policy blocked
(an inline script, style or handler, an eval), which Chromium reports on the console.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("LEGIBLE_CHROMIUM", "/usr/bin/chromium")
# As root there is no sandbox; the rest keeps Chromium from calling Google's services, which this
# network refuses, so every request the tests see is one the page made.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update",
]  # fmt: skip
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})  # never leave the browser


class RequestGuard:
    """The URLs the pages asked for; `foreign` lists those for a host other than this one."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.blocked: list[str] = []

    def record(self, request: Any) -> None:
        self.urls.append(request.url)

    def console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            where = message.location
            self.blocked.append(f"{message.text} ({where.get('url')}:{where.get('lineNumber')})")

    @property
    def foreign(self) -> list[str]:
        return [url for url in self.urls if not _is_local(url)]


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; Django refuses ORM calls from inside one unless
    # told it is safe, and the tests call the ORM between browser steps.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def request_guard() -> RequestGuard:
    return RequestGuard()


@pytest.fixture
def chromium(chromium_browser: Any, request_guard: RequestGuard, monkeypatch) -> Iterator[Any]:
    """The shared browser, with every context made during the test watched by request_guard.

    The patch is on the class, so `context.browser.new_context()` is watched too."""
    browser_class = type(chromium_browser)
    new_context, new_page = browser_class.new_context, browser_class.new_page

    def watched_context(self: Any, *args: Any, **kwargs: Any) -> Any:
        context = new_context(self, *args, **kwargs)
        context.on("request", request_guard.record)
        context.on("console", request_guard.console)
        return context

    def watched_page(self: Any, *args: Any, **kwargs: Any) -> Any:
        page = new_page(self, *args, **kwargs)
        page.context.on("request", request_guard.record)
        page.context.on("console", request_guard.console)
        return page

    monkeypatch.setattr(browser_class, "new_context", watched_context)
    monkeypatch.setattr(browser_class, "new_page", watched_page)
    yield chromium_browser
    assert not request_guard.foreign, f"requests left localhost: {request_guard.foreign}"
    assert not request_guard.blocked, f"the page broke its CSP: {request_guard.blocked}"


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A page at 1280x800 in a context of its own."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


def sign_in(page: Any, base_url: str, username: str = "alice") -> None:
    """Through the sign-in form, with the personas' passwords (tests/conftest.py)."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your apps")).to_be_visible()


def signed_in(page: Any, live_server: Any, user: Any) -> None:
    """Signed in without the form: the session cookie of a Django login, in the page's context."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])


def open_explorer(page: Any, url: str) -> None:
    """The explorer at `url`, once its regions are drawn and its keys answer."""
    page.goto(url)
    explorer_ready(page)


def explorer_ready(page: Any) -> None:
    """Drawn, and (unless it shows an earlier run read-only) its editing modules loaded."""
    page.wait_for_selector("#explorer[data-drawn]")
    page.wait_for_selector("#explorer[data-editable], #explorer[data-readonly]")


def page_point(page: Any, x: float, y: float) -> tuple[float, float]:
    """Where a point of the explorer's page image is on the screen, at the current zoom."""
    script = """([x, y]) => {
        const svg = document.querySelector('#explorer .page-view svg');
        const p = new DOMPoint(x, y).matrixTransform(svg.getScreenCTM());
        return [p.x, p.y];
    }"""
    sx, sy = page.evaluate(script, [x, y])
    return float(sx), float(sy)


def result_regions(page: Any, live_server: Any, item: Any, index: int = 0) -> list[dict[str, Any]]:
    """A page's regions as the API answers them to the browser's session."""
    result = page.request.get(f"{live_server.url}/api/v1/inputs/{item.pk}/result/").json()
    return result["pages"][index]["regions"]


def screenshots() -> Path:
    """Where browser tests leave their screenshots (LEGIBLE_SCREENSHOTS, else var/screenshots)."""
    from django.conf import settings

    folder = Path(os.environ.get("LEGIBLE_SCREENSHOTS") or Path(settings.VAR_DIR) / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
