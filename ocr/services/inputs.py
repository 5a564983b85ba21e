"""Writes of inputs and the runs that read them (the worker's side is ocr/runs.py)."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from ocr import workflows
from ocr.ingest import InputInfo, Limits, extract_zip, inspect
from ocr.ingest import Options as ReadingOptions
from ocr.ingest.names import generated_name, safe_suffix
from ocr.models import App, Input, Run, RunChunk

log = logging.getLogger(__name__)


def ingest_limits() -> Limits:
    return Limits(
        max_bytes=settings.OCR_MAX_UPLOAD_MB * 1024 * 1024,
        max_pixels=settings.OCR_MAX_IMAGE_PIXELS,
        max_pdf_pages=settings.OCR_MAX_PDF_PAGES,
        max_video_seconds=settings.OCR_MAX_VIDEO_SECONDS,
        max_video_frames=settings.OCR_MAX_VIDEO_FRAMES,
        max_zip_members=settings.OCR_MAX_ZIP_MEMBERS,
        max_zip_bytes=settings.OCR_MAX_ZIP_MB * 1024 * 1024,
    )


# Inputs and runs ----------------------------------------------------------------------------


def create_inputs(
    app: App,
    upload: UploadedFile,
    workflow: str | None = None,
    options: dict[str, Any] | None = None,
) -> list[Input]:
    """Check the file before keeping it, then queue a run for each input it makes.

    A ZIP makes one input per member, all or none. Raises IngestError or UnknownWorkflowError
    with a message for the user; nothing is kept then.
    """
    resolved = workflows.resolve(app, workflow, require_ready=True)
    reading = reading_options(options or {})
    limits = ingest_limits()
    limits.check_bytes(upload.size or 0)
    kept: list[Input] = []
    try:
        with _local_path(upload) as path, transaction.atomic():
            info = inspect(path, limits, reading)
            options = asdict(reading)  # kept with the input, so a re-run reads it the same way
            if info.kind != "zip":
                name = Path(upload.name or "upload").name
                kept.append(_create_one(app, name, upload, info, options))
            else:
                with tempfile.TemporaryDirectory(prefix="legible-zip-") as folder:
                    for member in extract_zip(path, limits, Path(folder), reading):
                        with member.path.open("rb") as data:
                            kept.append(
                                _create_one(app, member.name, File(data), member.info, options)
                            )
            for item in kept:
                _queue_run(item, resolved)
    except Exception:
        for item in kept:  # no orphan files when the rows were rolled back
            item.file.delete(save=False)
        raise
    return kept


def _create_one(app: App, name: str, data: File, info: InputInfo, options: dict[str, Any]) -> Input:
    name = name[:200] or "upload"
    item = Input(app=app, name=name, kind=info.kind, size=data.size or 0, options=options)
    # The user's name is the input's name; the file gets a safe one (see ocr/ingest/names.py).
    item.file.save(generated_name(name), data, save=False)
    item.save()
    return item


def reading_options(raw: dict[str, Any]) -> ReadingOptions:
    return ReadingOptions(
        pdf_dpi=int(raw.get("pdf_dpi") or settings.OCR_PDF_DPI),
        text_layer=bool(raw.get("text_layer", False)),
        video_interval_ms=int(raw.get("video_interval_ms") or settings.OCR_VIDEO_INTERVAL_MS),
    )


@contextmanager
def _local_path(upload: UploadedFile) -> Iterator[Path]:
    """The upload as a file on disk: ingest reads paths, as the worker does."""
    path = getattr(upload, "temporary_file_path", None)
    if path is not None:
        yield Path(path())
        return
    upload.seek(0)
    with tempfile.NamedTemporaryFile(suffix=safe_suffix(upload.name or "")) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        yield Path(tmp.name)
    upload.seek(0)


def start_run(item: Input, workflow: str | None = None, text_layer: bool | None = None) -> Run:
    """Queue another run; `text_layer` (None: as before) changes how a PDF is read from now on."""
    resolved = workflows.resolve(item.app, workflow, require_ready=True)
    with transaction.atomic():
        if text_layer is not None and bool(item.options.get("text_layer")) != text_layer:
            item.options = {**item.options, "text_layer": text_layer}
            item.save(update_fields=["options"])
        return _queue_run(item, resolved)


def _queue_run(item: Input, resolved: workflows.ResolvedWorkflow) -> Run:
    run = Run.objects.create(
        input=item,
        workflow_name=resolved.name,
        workflow_nodes=resolved.nodes,
        heartbeat=timezone.now(),
    )
    transaction.on_commit(lambda: enqueue_run(run.pk))
    return run


def enqueue_run(run_id: int) -> None:
    from ocr.tasks import run_workflow

    run_workflow.delay(run_id)


def stop_runs(item: Input, reason: str = "The input was deleted.") -> None:
    """End the input's unfinished runs; call inside the caller's transaction.

    A worker saves each page holding its chunk's lock, so failing the chunks waits for a page
    being saved, and every later save finds its chunk lost and stops (runs.save_page_result).
    On SQLite every transaction takes the write lock up front, which orders them the same way.
    """
    active = [Run.Status.QUEUED, Run.Status.RUNNING]
    RunChunk.objects.filter(
        run__input=item, status__in=[RunChunk.Status.QUEUED, RunChunk.Status.RUNNING]
    ).update(status=RunChunk.Status.FAILED, claim="")
    Run.objects.filter(input=item, status__in=active).update(
        status=Run.Status.FAILED, error=reason, finished=timezone.now(), claim=""
    )


def delete_input(item: Input) -> None:
    """The input, its pages, runs and files, even while a run is writing its pages."""
    with transaction.atomic():
        stop_runs(item)
        # Collected inside the transaction that deletes them: no page can appear in between
        # and be left pointing at a deleted input.
        pages = item.pages.values_list("image", "thumbnail", "preview")
        files = [item.file.name, *(name for names in pages for name in names)]
        item.delete()
    storage = Input._meta.get_field("file").storage  # type: ignore[attr-defined]
    for name in files:
        if name:
            storage.delete(name)
