"""Page images in the web process: thumbnails and previews made once by the worker and served
as files; full-size decoding (overlay and PDF exports, line crops, older pages' previews) held
to a few slots per process, so a handful of requests on a huge page cannot exhaust memory."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ocr import runs, services
from ocr.engine.types import PageImage, PageResult, Region
from ocr.ingest import IngestedPage
from ocr.ingest.previews import PREVIEW_SIDE, THUMB_SIDE
from ocr.models import Input, Page
from ocr.services import previews
from tests.factories import input_with_result

pytestmark = pytest.mark.django_db

LARGE = (5000, 200)  # wider than PREVIEW_SIDE, and quick to make


def _large_input(app) -> Input:
    """A white page of LARGE pixels with one region, saved the way a worker saves it."""
    white = Image.new("L", LARGE, 255)
    buffer = io.BytesIO()
    white.save(buffer, format="PNG")
    [item] = services.create_inputs(app, SimpleUploadedFile("wide.png", buffer.getvalue()))
    run = item.runs.get()
    token = runs.claim_run(run.pk)
    assert token is not None
    pixels = np.full((LARGE[1], LARGE[0], 3), 255, dtype=np.uint8)
    box = ((100.0, 50.0), (900.0, 50.0), (900.0, 120.0), (100.0, 120.0))
    result = PageResult(
        index=0,
        width=LARGE[0],
        height=LARGE[1],
        regions=(Region(polygon=box, text="wide", score=0.9, detection_score=0.9),),
    )
    runs.save_page_result(run.pk, token, IngestedPage(image=PageImage(pixels=pixels)), result)
    return item


def _refuse_decoding(monkeypatch) -> None:
    """From here on, any decoding of pixels in this process fails the test."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("a page image was decoded in the web process")

    monkeypatch.setattr(Image.Image, "load", refuse)


@pytest.fixture
def one_slot(settings, monkeypatch):
    settings.OCR_WEB_DECODE_SLOTS = 1
    settings.OCR_WEB_DECODE_WAIT_SECONDS = 1
    monkeypatch.setattr(previews, "_slots", None)  # made again with the setting above
    monkeypatch.setattr(previews, "FREE_PIXELS", 500_000)  # LARGE is 1 MP: a large page here


def _size(body: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(body)).size


def test_the_worker_saves_a_thumbnail_and_a_preview_of_a_large_page(alice_app) -> None:
    page = Page.objects.get(input=_large_input(alice_app))
    assert _size(page.thumbnail.read()) == (THUMB_SIDE, 13)
    assert _size(page.preview.read()) == (PREVIEW_SIDE, 164)
    small = Page.objects.get(input=input_with_result(alice_app))
    assert small.thumbnail and not small.preview  # shown as it is


def test_it_serves_thumbnails_and_page_images_without_decoding(
    client, alice, alice_app, monkeypatch
) -> None:
    item = _large_input(alice_app)
    _refuse_decoding(monkeypatch)
    client.force_login(alice)
    thumb = client.get(f"/inputs/{item.pk}/thumbnail/")
    image = client.get(f"/inputs/{item.pk}/pages/0/image/")
    assert (thumb.status_code, image.status_code) == (200, 200)
    assert thumb["Content-Type"] == "image/jpeg" and image["Content-Type"] == "image/png"
    page_view = client.get(f"/inputs/{item.pk}/pages/0/").content.decode()
    assert f'href="/inputs/{item.pk}/pages/0/image/"' in page_view
    monkeypatch.undo()
    assert _size(b"".join(image.streaming_content)) == (PREVIEW_SIDE, 164)
    assert _size(b"".join(thumb.streaming_content)) == (THUMB_SIDE, 13)


def test_a_page_saved_before_previews_gets_them_once(client, alice, alice_app, monkeypatch):
    item = _large_input(alice_app)
    Page.objects.update(thumbnail=None, preview=None)  # as pages saved before this change
    client.force_login(alice)
    assert client.get(f"/inputs/{item.pk}/thumbnail/").status_code == 200
    assert client.get(f"/inputs/{item.pk}/pages/0/image/").status_code == 200
    page = Page.objects.get(input=item)
    assert _size(page.thumbnail.read()) == (THUMB_SIDE, 13)
    assert _size(page.preview.read()) == (PREVIEW_SIDE, 164)
    _refuse_decoding(monkeypatch)  # made once: served as files from now on
    assert client.get(f"/inputs/{item.pk}/thumbnail/").status_code == 200
    assert client.get(f"/inputs/{item.pk}/pages/0/image/").status_code == 200
    monkeypatch.undo()
    services.delete_input(item)  # the made files go with the page
    assert not page.thumbnail.storage.exists(page.thumbnail.name)
    assert not page.preview.storage.exists(page.preview.name)


def test_an_overlay_of_a_large_page_is_drawn_on_its_preview(alice_api, alice_app) -> None:
    item = _large_input(alice_app)
    response = alice_api.get(f"/api/v1/inputs/{item.pk}/export/", {"format": "overlay"})
    assert response.status_code == 200
    assert _size(response.content) == (PREVIEW_SIDE, 164)
    # The API's page image stays the page's own, full size.
    own = alice_api.get(f"/api/v1/inputs/{item.pk}/pages/0/image/", HTTP_ACCEPT="image/png")
    assert _size(b"".join(own.streaming_content)) == LARGE


def test_large_decodes_wait_for_a_slot_then_answer_503(alice_api, alice_app, one_slot) -> None:
    item = _large_input(alice_app)
    Page.objects.update(thumbnail=None, preview=None)
    region = item.pages.get().regions.get()
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with previews.decoding():
            taken.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(5)
    try:
        for url, query in [
            (f"/api/v1/inputs/{item.pk}/export/", {"format": "overlay"}),
            (f"/api/v1/inputs/{item.pk}/export/", {"format": "pdf"}),
            (f"/api/v1/regions/{region.pk}/crop/", {}),
        ]:
            busy = alice_api.get(url, query)
            assert busy.status_code == 503, url
            assert busy["Retry-After"] == "30"
            assert "busy" in busy.json()["detail"]
        # Small work needs no slot: the text export, and a small page's crop.
        txt = alice_api.get(f"/api/v1/inputs/{item.pk}/export/", {"format": "txt"})
        assert txt.status_code == 200
        small = input_with_result(alice_app).pages.get().regions.first()
        assert alice_api.get(f"/api/v1/regions/{small.pk}/crop/").status_code == 200
    finally:
        release.set()
        holder.join()
    assert alice_api.get(f"/api/v1/regions/{region.pk}/crop/").status_code == 200
    overlay = alice_api.get(f"/api/v1/inputs/{item.pk}/export/", {"format": "overlay"})
    assert overlay.status_code == 200
