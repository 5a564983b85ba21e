"""Executing runs, the worker side: claim a run, read its pages, save each page, and take back
the runs whose worker died. Every write here is guarded by the run's claim."""

from __future__ import annotations

import io
import logging
import os
import socket
import threading
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from PIL import Image

from ocr.engine.errors import EngineError
from ocr.engine.pipeline import get_pipeline
from ocr.engine.tracks import merge_tracks
from ocr.engine.types import PageImage, PageResult
from ocr.ingest import IngestedPage, IngestError, inspect, iter_pages

from .models import Input, Page, Region, Run, RunPage
from .services.inputs import enqueue_run, ingest_limits, reading_options
from .services.regions import lay_reading

log = logging.getLogger(__name__)


class RunLost(Exception):
    """This worker's claim on the run was taken over (it was reaped as stale): stop writing."""


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

    Idempotent: each page's reading replaces that run's earlier reading of the page, and the
    page's regions are laid again from it, so running a run twice (a redelivered message, a
    reaped run) leaves one set of regions; corrections stay as they are.
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
    limits, reading = ingest_limits(), reading_options(run.input.options)
    path = Path(run.input.file.path)
    _update_claimed(run.pk, token, progress_total=inspect(path, limits, reading).pages)
    pipeline = None  # loaded on first need: a PDF read from its text layer needs no model
    done = 0
    for page in iter_pages(path, limits, reading):
        if page.text_layer is not None:
            result, source = page.text_layer, Region.Source.TEXT_LAYER
        else:
            pipeline = pipeline or get_pipeline(run.workflow_nodes)
            result, source = pipeline.read_page(page.image), Region.Source.OCR
        save_page_result(run.pk, token, page, result, source)
        done += 1
    # A video's page count was an estimate until its frames were read.
    _update_claimed(run.pk, token, progress_total=done, progress_done=done)
    if run.input.kind == Input.Kind.VIDEO:
        link_video_tracks(run)


def _update_claimed(run_id: int, token: str, **fields: object) -> None:
    if not Run.objects.filter(pk=run_id, claim=token).update(**fields):
        raise RunLost(run_id)


def save_page_result(
    run_id: int,
    token: str,
    page: IngestedPage,
    result: PageResult,
    source: str = Region.Source.OCR,
) -> None:
    """One transaction per page: page image, the run's reading, the page's regions and progress
    appear together or not at all. The reading goes under the page's corrections, never over
    them (services.regions.lay_reading); a page a newer run has already read keeps that one's."""
    with transaction.atomic():
        run = Run.objects.select_for_update().select_related("input").get(pk=run_id)
        if run.claim != token:
            raise RunLost(run_id)
        row = Page.objects.filter(input=run.input, index=result.index).first()
        if row is None:
            row = Page(
                input=run.input,
                index=result.index,
                width=result.width,
                height=result.height,
                timecode_ms=page.timecode_ms,
            )
            row.image.save(f"{result.index:05d}.png", ContentFile(_png(page.image)), save=False)
            row.save()
        row = Page.objects.select_for_update().get(pk=row.pk)  # people's edits wait for this
        RunPage.objects.update_or_create(
            run=run,
            page=row,
            defaults={"regions": [{**r.to_dict(), "source": source} for r in result.regions]},
        )
        if row.run_id is None or row.run_id <= run.pk:
            lay_reading(row, run, result.regions, source)
            Page.objects.filter(pk=row.pk).update(run=run)
        Run.objects.filter(pk=run_id).update(
            progress_done=result.index + 1, heartbeat=timezone.now()
        )


@transaction.atomic
def link_video_tracks(run: Run) -> None:
    """The same caption on consecutive frames becomes one track: its first region carries the
    time span, the others point to it."""
    rows = (
        Region.objects.filter(page__input_id=run.input_id)
        .select_related("page")
        .order_by("page__index", "order", "pk")
    )
    rows.update(repeat_of=None, first_ms=None, last_ms=None)  # idempotent when run again
    pages: dict[int, list[Region]] = {}
    for region in rows:
        pages.setdefault(region.page.index, []).append(region)
    ordered = [pages[index] for index in sorted(pages)]
    tracks = merge_tracks(
        [(page[0].page.timecode_ms, [r.as_result() for r in page]) for page in ordered]
    )
    for track in tracks:
        head = ordered[track.page_position][track.region_position]
        Region.objects.filter(pk=head.pk).update(first_ms=track.first_ms, last_ms=track.last_ms)
        repeats = [ordered[p][r].pk for p, r in track.members if ordered[p][r].pk != head.pk]
        Region.objects.filter(pk__in=repeats).update(repeat_of=head)


def _png(page_image: PageImage) -> bytes:
    buffer = io.BytesIO()
    # compress_level 3: a fifth of the time of the default for files a tenth larger.
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
