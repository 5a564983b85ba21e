"""Deleting an input or an app while a worker is saving its pages: the delete stops the run
and answers at once; the worker's next page finds its run gone and stops quietly."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.deletion import Collector
from PIL import Image

from ocr import runs, services
from ocr.engine.types import PageResult
from ocr.ingest import iter_pages
from ocr.models import App, Input, Page, Run, RunChunk

# Transactions really commit here: the race ends in a foreign key checked at commit.
pytestmark = pytest.mark.django_db(transaction=True)


def blank_tiff(pages: int) -> bytes:
    page = Image.new("L", (64, 64), 255)
    buffer = io.BytesIO()
    page.save(buffer, "TIFF", save_all=True, append_images=[page] * (pages - 1))
    return buffer.getvalue()


@pytest.fixture
def running(alice_app, monkeypatch):
    """An input whose run a worker is reading: planned, its chunk claimed, page 0 saved."""
    monkeypatch.setattr(services.inputs, "enqueue_run", lambda run_id: None)
    [item] = services.create_inputs(alice_app, SimpleUploadedFile("blank.tif", blank_tiff(3)))
    run = item.runs.get()
    [chunk_id] = runs.plan_run(run.pk, send=False)
    token = runs.claim_chunk(chunk_id)
    assert token is not None
    pages = list(iter_pages(Path(item.file.path), services.ingest_limits()))

    def save(index: int) -> None:
        result = PageResult(index=index, width=64, height=64)
        runs.save_page_result(run.pk, token, pages[index], result)

    save(0)
    return item, run, save


@pytest.fixture
def page_saved_mid_delete(monkeypatch, running):
    """The worker saves page 1 after the delete has gathered what to delete, before it
    deletes: the moment that answered 500 (FOREIGN KEY constraint failed)."""
    item, run, save = running
    lost: list[bool] = []
    delete = Collector.delete

    def racing(self: Collector) -> object:
        if Input in self.data and not lost:
            try:
                save(1)
            except runs.RunLost:
                lost.append(True)
            else:
                lost.append(False)
        return delete(self)

    monkeypatch.setattr(Collector, "delete", racing)
    return lost


def test_it_deletes_an_input_while_its_run_saves_pages(
    alice_api, running, page_saved_mid_delete
) -> None:
    item, run, _ = running
    assert alice_api.delete(f"/api/v1/inputs/{item.pk}/").status_code == 204
    assert page_saved_mid_delete == [True]  # the worker's save found its run gone
    assert not Input.objects.exists() and not Page.objects.exists()
    assert not Run.objects.exists() and not RunChunk.objects.exists()
    assert not Path(item.file.path).exists()


def test_it_deletes_an_app_while_its_run_saves_pages(
    client, alice, alice_app, running, page_saved_mid_delete
) -> None:
    client.force_login(alice)
    response = client.post(f"/apps/{alice_app.pk}/delete/")
    assert response.status_code == 302
    assert page_saved_mid_delete == [True]
    assert not App.objects.exists() and not Page.objects.exists()


def test_it_deletes_inputs_chosen_in_the_grid_while_their_run_saves_pages(
    client, alice, alice_app, running, page_saved_mid_delete
) -> None:
    item, run, _ = running
    client.force_login(alice)
    response = client.post(f"/apps/{alice_app.pk}/inputs/delete/", {"input": [item.pk]})
    assert response.status_code == 302
    assert page_saved_mid_delete == [True]
    assert not Input.objects.exists() and not Page.objects.exists()


def test_it_deletes_an_app_through_the_api_with_its_files(alice_api, alice_app, running) -> None:
    item, run, _ = running
    files = [item.file.path, *(page.image.path for page in Page.objects.all())]
    assert alice_api.delete(f"/api/v1/apps/{alice_app.pk}/").status_code == 204
    assert not App.objects.exists() and not Run.objects.exists()
    assert not any(Path(path).exists() for path in files)


def test_the_worker_stops_quietly_when_its_input_is_gone(alice_app, running, caplog) -> None:
    item, run, save = running
    services.delete_input(Input.objects.get(pk=item.pk))
    with pytest.raises(runs.RunLost):
        save(1)
    chunk_id = 0  # a message for a chunk deleted with its run
    runs.execute_chunk(chunk_id)
    runs.plan_run(run.pk)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
