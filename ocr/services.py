"""Every write. Views and tasks parse their input, then call one of these."""

from __future__ import annotations

import io
import logging
import os
import socket
import tempfile
import threading
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from PIL import Image

from ocr.engine.errors import EngineError
from ocr.engine.pipeline import get_pipeline
from ocr.engine.types import PageImage, PageResult
from ocr.ingest import IngestError, InputInfo, Limits, inspect, iter_pages

from . import workflows
from .models import App, Input, Page, Region, Run

log = logging.getLogger(__name__)


class VersionConflict(Exception):
    def __init__(self, region: Region) -> None:
        super().__init__("The region was changed by someone else.")
        self.region = region


class RunLost(Exception):
    """This worker's claim on the run was taken over (it was reaped as stale): stop writing."""


def ingest_limits() -> Limits:
    return Limits(
        max_bytes=settings.OCR_MAX_UPLOAD_MB * 1024 * 1024,
        max_pixels=settings.OCR_MAX_IMAGE_PIXELS,
    )


# Apps ---------------------------------------------------------------------------------------


def create_app(owner: AbstractBaseUser, name: str, workflow: str = "default") -> App:
    app = App(owner=owner, name=name.strip(), workflow=workflow or "default")
    workflows.resolve(app, app.workflow)  # refuse an unknown workflow now, not at run time
    app.save()
    return app


def update_app(app: App, *, name: str | None = None, workflow: str | None = None) -> App:
    if name is not None:
        app.name = name.strip()
    if workflow is not None:
        workflows.resolve(app, workflow)
        app.workflow = workflow
    app.save()
    return app


# Inputs and runs ----------------------------------------------------------------------------


@transaction.atomic
def create_input(app: App, upload: UploadedFile, workflow: str | None = None) -> Input:
    """Check the file (type, bytes, pixels) before keeping it, then queue its first run.

    Raises IngestError or UnknownWorkflowError with a message for the user; nothing is kept then.
    """
    resolved = workflows.resolve(app, workflow)
    name = Path(upload.name or "upload").name[:255]
    info = _inspect_upload(upload)
    item = Input(app=app, name=name, kind=info.kind, size=upload.size or 0)
    item.file.save(name, upload, save=False)
    try:
        item.save()
        _queue_run(item, resolved)
    except Exception:
        item.file.delete(save=False)  # no orphan file when the row could not be written
        raise
    return item


def _inspect_upload(upload: UploadedFile) -> InputInfo:
    limits = ingest_limits()
    limits.check_bytes(upload.size or 0)
    path = getattr(upload, "temporary_file_path", None)
    if path is not None:
        return inspect(Path(path()), limits)
    # Small uploads stay in memory; inspect wants a path like the worker has.
    upload.seek(0)
    with tempfile.NamedTemporaryFile(suffix=Path(upload.name or "").suffix) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        info = inspect(Path(tmp.name), limits)
    upload.seek(0)
    return info


def start_run(item: Input, workflow: str | None = None) -> Run:
    resolved = workflows.resolve(item.app, workflow)
    with transaction.atomic():
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
    from .tasks import run_workflow

    run_workflow.delay(run_id)


def delete_input(item: Input) -> None:
    files = [item.file.name, *item.pages.values_list("image", flat=True)]
    item.delete()
    storage = Input._meta.get_field("file").storage  # type: ignore[attr-defined]
    for name in files:
        if name:
            storage.delete(name)


# Executing a run (worker side) ----------------------------------------------------------------


def _new_claim() -> str:
    # Host and pid let a worker restarted on the same host see at once that a claim is dead.
    return f"{socket.gethostname()[:150]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _claim_is_dead_here(claim: str) -> bool:
    host, _, rest = claim.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:150] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def claim_run(run_id: int) -> str | None:
    """Take a queued run, or a running one whose worker stopped reporting; None if not ours."""
    token = _new_claim()
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OCR_RUN_STALE_SECONDS)
    # A redelivered message (acks_late) may find its run still marked running by a dead worker.
    claimable = Q(status=Run.Status.QUEUED) | Q(status=Run.Status.RUNNING, heartbeat__lt=stale)
    taken = Run.objects.filter(claimable, pk=run_id).update(
        status=Run.Status.RUNNING,
        claim=token,
        heartbeat=now,
        started=now,
        attempts=F("attempts") + 1,
        error="",
    )
    return token if taken else None


def execute_run(run_id: int) -> None:
    """Read every page of the run's input and save each page's regions as it finishes.

    Idempotent: each page's regions replace that page's earlier ones, so running a run twice
    (a redelivered message, a reaped run) leaves one set of regions.
    """
    token = claim_run(run_id)
    if token is None:
        log.info("run %s is not claimable (finished, gone, or alive elsewhere)", run_id)
        return
    run = Run.objects.select_related("input").get(pk=run_id)
    if run.attempts > settings.OCR_RUN_MAX_ATTEMPTS:
        _finish(run, token, Run.Status.FAILED, _gave_up_message(run.attempts - 1))
        return
    heartbeat = _Heartbeat(run.pk, token)
    heartbeat.start()
    try:
        _read_all_pages(run, token)
    except RunLost:
        log.warning("run %s was taken over by another worker; stopping", run_id)
    except (IngestError, EngineError) as exc:
        _finish(run, token, Run.Status.FAILED, str(exc))
    except OperationalError:
        # A database hiccup: hand the run back so the task's retry can claim it again.
        Run.objects.filter(pk=run.pk, claim=token).update(status=Run.Status.QUEUED, claim="")
        raise
    except Exception as exc:
        log.exception("run %s failed", run_id)
        _finish(run, token, Run.Status.FAILED, f"Unexpected error: {type(exc).__name__}: {exc}")
    else:
        _finish(run, token, Run.Status.SUCCEEDED, "")
    finally:
        heartbeat.stop()


def _gave_up_message(attempts: int) -> str:
    return (
        f"Gave up after {attempts} attempts: the worker stopped each time while reading this "
        "input (it may need more memory than the worker has)."
    )


def _read_all_pages(run: Run, token: str) -> None:
    limits = ingest_limits()
    path = Path(run.input.file.path)
    total = inspect(path, limits).pages
    _update_claimed(run.pk, token, progress_total=total, progress_done=0)
    pipeline = get_pipeline(run.workflow_nodes)
    for page_image in iter_pages(path, limits):
        result = pipeline.read_page(page_image)
        save_page_result(run.pk, token, page_image, result)


def _update_claimed(run_id: int, token: str, **fields: object) -> None:
    if not Run.objects.filter(pk=run_id, claim=token).update(**fields):
        raise RunLost(run_id)


def save_page_result(run_id: int, token: str, page_image: PageImage, result: PageResult) -> None:
    """One transaction per page: page image, regions and progress appear together or not at all."""
    with transaction.atomic():
        run = Run.objects.select_for_update().select_related("input").get(pk=run_id)
        if run.claim != token:
            raise RunLost(run_id)
        page = Page.objects.filter(input=run.input, index=result.index).first()
        if page is None:
            page = Page(
                input=run.input, index=result.index, width=result.width, height=result.height
            )
            page.image.save(f"{result.index:05d}.png", ContentFile(_png(page_image)), save=False)
            page.save()
        Region.objects.filter(run=run, page=page).delete()
        Region.objects.bulk_create(
            Region(
                run=run,
                page=page,
                order=order,
                polygon=region.to_dict()["polygon"],
                text=region.text,
                score=region.score,
                detection_score=region.detection_score,
            )
            for order, region in enumerate(result.regions)
        )
        Run.objects.filter(pk=run_id).update(
            progress_done=result.index + 1, heartbeat=timezone.now()
        )


def _png(page_image: PageImage) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(page_image.pixels).save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def _finish(run: Run, token: str, status: str, error: str) -> None:
    Run.objects.filter(pk=run.pk, claim=token).update(
        status=status, error=error[:2000], finished=timezone.now(), claim=""
    )


class _Heartbeat:
    """Tells the reaper this run is alive while a long page is being read."""

    def __init__(self, run_id: int, token: str) -> None:
        self.run_id = run_id
        self.token = token
        self.interval = max(settings.OCR_RUN_STALE_SECONDS / 4, 0.5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{run_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    Run.objects.filter(pk=self.run_id, claim=self.token).update(
                        heartbeat=timezone.now()
                    )
                except OperationalError:
                    log.warning("heartbeat for run %s failed; will try again", self.run_id)
        finally:
            connection.close()  # this thread's own connection


def reap_stale_runs() -> list[int]:
    """Queue again the runs whose worker is gone; returns their ids.

    A running run whose heartbeat is stale, or whose claim names a process of this host that
    no longer exists, lost its worker. A queued run not sent for a long
    time may have lost its message (the embedded broker forgets a message its consumer took).
    Sending a message twice is safe: only one claim on a run can win.
    """
    now = timezone.now()
    stale_running = Q(
        status=Run.Status.RUNNING,
        heartbeat__lt=now - timedelta(seconds=settings.OCR_RUN_STALE_SECONDS),
    )
    # For a queued run, heartbeat is when its message was last sent.
    forgotten_queued = Q(
        status=Run.Status.QUEUED,
        heartbeat__lt=now - timedelta(seconds=10 * settings.OCR_RUN_STALE_SECONDS),
    )
    # Claims of processes on this host that are gone need no waiting for their heartbeat.
    dead_here = [
        claim
        for claim in Run.objects.filter(status=Run.Status.RUNNING).values_list("claim", flat=True)
        if _claim_is_dead_here(claim)
    ]
    lost = stale_running | forgotten_queued | Q(status=Run.Status.RUNNING, claim__in=dead_here)
    reaped = []
    for run_id in Run.objects.filter(lost).values_list("pk", flat=True):
        # Conditional, so two reapers (two workers) never both take the same run.
        if Run.objects.filter(lost, pk=run_id).update(
            status=Run.Status.QUEUED, claim="", heartbeat=now
        ):
            log.warning("queueing run %s again: its worker is gone", run_id)
            enqueue_run(run_id)
            reaped.append(run_id)
    return reaped


# Regions --------------------------------------------------------------------------------------


def edit_region(region: Region, text: str, version: int) -> Region:
    """Compare-and-set on the version, so two people editing one region never overwrite silently."""
    updated = Region.objects.filter(pk=region.pk, version=version).update(
        text=text, version=F("version") + 1, edited=True, updated=timezone.now()
    )
    region.refresh_from_db()
    if not updated:
        raise VersionConflict(region)
    return region
