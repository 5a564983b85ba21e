"""Executing runs, the worker side: split a run into chunks of pages, read each chunk in any
worker, save each page, finish the run with its last chunk, and take back the chunks whose
worker died. Every page write is guarded by its chunk's claim."""

from __future__ import annotations

import io
import logging
import os
import queue
import socket
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from PIL import Image

from ocr.engine.errors import EngineError
from ocr.engine.pipeline import Pipeline, get_pipeline
from ocr.engine.tracks import merge_tracks
from ocr.engine.types import PageImage, PageResult
from ocr.ingest import IngestedPage, IngestError, inspect, iter_pages
from ocr.ingest.previews import needs_preview, preview_png, thumbnail_jpeg

from .files import local_copy
from .heartbeat import Heartbeat
from .models import Input, Page, Region, Run, RunChunk, RunPage
from .selectors import trained_specs
from .services.inputs import enqueue_run, ingest_limits, reading_options
from .services.regions import lay_reading

log = logging.getLogger(__name__)


class RunLost(Exception):
    """This worker's claim on its chunk was taken over (reaped as stale) or the run ended
    (failed, deleted): stop writing."""


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


# Planning: a run becomes chunks -----------------------------------------------------------------


def chunk_queue(pages: int) -> str:
    """Short inputs are interactive (a person is waiting); longer ones are bulk work."""
    if pages <= settings.OCR_INTERACTIVE_PAGES:
        return str(settings.OCR_RUN_QUEUE)
    return str(settings.OCR_BULK_QUEUE)


def plan_run(run_id: int, send: bool = True) -> list[int]:
    """Split a queued run into chunks of OCR_CHUNK_PAGES pages, mark it running and send one
    message per chunk (once the plan is committed); returns the chunks still to read.

    Safe to call twice: only a queued run is planned, and a run planned before (queued again
    by the reaper) keeps its chunks; those not done are sent again.
    """
    run = Run.objects.select_related("input").filter(pk=run_id).first()
    if run is None or run.status != Run.Status.QUEUED:
        log.info("run %s is not queued (finished, gone, or planned already)", run_id)
        return []
    try:
        storage, name = run.input.file.storage, run.input.file.name
        with local_copy(storage, name) as path:
            info = inspect(path, ingest_limits(), reading_options(run.input.options))
    except IngestError as exc:
        _fail_run(run_id, str(exc))
        return []
    except Exception:
        if _run_has_ended(run_id):  # deleted with its file while being planned
            log.info("run %s was deleted while being planned", run_id)
            return []
        raise
    now = timezone.now()
    with transaction.atomic():
        locked = Run.objects.select_for_update().filter(pk=run_id).first()
        if locked is None or locked.status != Run.Status.QUEUED:
            return []
        if not locked.chunks.exists():
            _make_chunks(locked, info.pages, run.input.kind == Input.Kind.VIDEO, now)
        todo = list(locked.chunks.exclude(status=RunChunk.Status.DONE).values_list("pk", "queue"))
        locked.chunks.filter(pk__in=[pk for pk, _ in todo]).update(
            status=RunChunk.Status.QUEUED, claim="", heartbeat=now
        )
        Run.objects.filter(pk=run_id).update(
            status=Run.Status.RUNNING,
            started=now,
            heartbeat=now,
            progress_total=info.pages,
            error="",
            claim="",
        )
        if send:
            transaction.on_commit(lambda: [send_chunk(pk, q) for pk, q in todo])
    if not todo:  # every chunk was read before the run was queued again
        _finish_run_if_done(run_id)
    return [pk for pk, _ in todo]


def _make_chunks(run: Run, pages: int, whole: bool, now: Any) -> None:
    size = settings.OCR_CHUNK_PAGES
    target = chunk_queue(pages)
    # A video is one chunk: which frame is kept depends on the frame kept before it.
    bounds = [(0, None)] if whole else [(i, min(i + size, pages)) for i in range(0, pages, size)]
    RunChunk.objects.bulk_create(
        RunChunk(run=run, index=n, first_page=first, stop_page=stop, queue=target, heartbeat=now)
        for n, (first, stop) in enumerate(bounds)
    )


def send_chunk(chunk_id: int, queue_name: str) -> None:
    from ocr.tasks import read_chunk

    read_chunk.apply_async((chunk_id,), queue=queue_name)


def claim_run(run_id: int) -> str | None:
    """Take a whole queued run as one chunk, for a writer that reads every page itself (the
    tests' factories); the token guards save_page_result. None if the run is not queued."""
    now = timezone.now()
    with transaction.atomic():
        run = Run.objects.select_for_update().filter(pk=run_id, status=Run.Status.QUEUED).first()
        if run is None:
            return None
        chunk = RunChunk.objects.create(
            run=run, index=run.chunks.count(), first_page=0, stop_page=None,
            queue=settings.OCR_RUN_QUEUE, heartbeat=now,
        )  # fmt: skip
        Run.objects.filter(pk=run_id).update(status=Run.Status.RUNNING, started=now, heartbeat=now)
    return claim_chunk(chunk.pk)


def execute_run(run_id: int) -> None:
    """Plan a run and read all its chunks in this process, one after the other, saving each
    page on the calling thread (no broker; the tests' in-process runs)."""
    for chunk_id in plan_run(run_id, send=False):
        execute_chunk(chunk_id, background=False)


# Reading a chunk ------------------------------------------------------------------------------


def claim_chunk(chunk_id: int) -> str | None:
    """Take a queued chunk of a running run, or a running one whose worker stopped reporting;
    None if it is not ours to read."""
    token = _new_claim()
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OCR_RUN_STALE_SECONDS)
    # A redelivered message (acks_late) may find its chunk still marked running by a dead worker.
    claimable = Q(status=RunChunk.Status.QUEUED) | Q(
        status=RunChunk.Status.RUNNING, heartbeat__lt=stale
    )
    taken = RunChunk.objects.filter(claimable, pk=chunk_id, run__status=Run.Status.RUNNING).update(
        status=RunChunk.Status.RUNNING,
        claim=token,
        heartbeat=now,
        started=now,
        attempts=F("attempts") + 1,
    )
    if not taken:
        return None
    chunk = RunChunk.objects.get(pk=chunk_id)
    # The run's attempts are its most-tried chunk's: 2 means some pages needed a second worker.
    Run.objects.filter(pk=chunk.run_id).update(attempts=Greatest(F("attempts"), chunk.attempts))
    return token


def execute_chunk(chunk_id: int, background: bool = True) -> None:
    """Read the chunk's pages that this run has not saved yet, saving each as it finishes;
    the last chunk to finish finishes the run.

    Idempotent: a page's reading replaces this run's earlier reading of it and the page's
    regions are laid again from it, so a chunk read twice leaves one set of regions;
    corrections stay as they are.
    """
    token = claim_chunk(chunk_id)
    if token is None:
        log.info("chunk %s is not claimable (finished, gone, or alive elsewhere)", chunk_id)
        return
    chunk = RunChunk.objects.select_related("run__input").filter(pk=chunk_id).first()
    if chunk is None:  # deleted with its input just after the claim
        return
    if chunk.attempts > settings.OCR_RUN_MAX_ATTEMPTS:
        _fail_run(chunk.run_id, _gave_up_message(chunk))
        return
    heartbeat = Heartbeat(RunChunk.objects.filter(pk=chunk.pk, claim=token), f"chunk {chunk.pk}")
    heartbeat.start()
    try:
        _read_chunk(chunk, token, background)
    except RunLost:
        log.warning("chunk %s was taken over or its run ended; stopping", chunk_id)
    except (IngestError, EngineError) as exc:
        _fail_run(chunk.run_id, str(exc))
    except OperationalError:
        # A database hiccup: hand the chunk back so the task's retry can claim it again.
        RunChunk.objects.filter(pk=chunk.pk, claim=token).update(
            status=RunChunk.Status.QUEUED, claim=""
        )
        raise
    except Exception as exc:
        if _run_has_ended(chunk.run_id):  # its input was deleted, file and all, while reading
            log.info("run %s was deleted while chunk %s was read; stopping", chunk.run_id, chunk_id)
            return
        log.exception("chunk %s of run %s failed", chunk_id, chunk.run_id)
        _fail_run(chunk.run_id, f"Unexpected error: {type(exc).__name__}: {exc}")
    else:
        _finish_chunk(chunk, token)
    finally:
        heartbeat.stop()


def _run_has_ended(run_id: int) -> bool:
    """Deleted, or stopped because its input is being deleted (services.inputs.stop_runs)."""
    return not Run.objects.filter(
        pk=run_id, status__in=[Run.Status.QUEUED, Run.Status.RUNNING]
    ).exists()


def _gave_up_message(chunk: RunChunk) -> str:
    pages = f"pages {chunk.first_page + 1}-{chunk.stop_page}" if chunk.stop_page else "this input"
    return (
        f"Gave up after {chunk.attempts - 1} attempts: the worker stopped each time while "
        f"reading {pages} (it may need more memory than the worker has)."
    )


def _read_chunk(chunk: RunChunk, token: str, background: bool) -> None:
    run = chunk.run
    limits, reading = ingest_limits(), reading_options(run.input.options)
    # Resuming after a worker died: the pages it saved stay as they are.
    saved = set(RunPage.objects.filter(run=run).values_list("page__index", flat=True))
    pipeline: list[Pipeline] = []  # loaded on first need: a text-layer page needs no model

    def get() -> Pipeline:
        if not pipeline:
            pipeline.append(get_pipeline(run.workflow_nodes, trained_specs(run.input.app)))
        return pipeline[0]

    storage, name = run.input.file.storage, run.input.file.name
    read = 0
    with local_copy(storage, name) as path, _PageWriter(run.pk, token, background) as writer:
        pages = iter_pages(path, limits, reading, chunk.pages)
        todo = (page for page in pages if page.image.index not in saved)
        # Decoded two batches ahead, so the networks never wait for PDFium or Pillow.
        depth = 2 if reading.text_layer else 2 * get().page_batch
        for page, result, source in read_stream(prefetch(todo, depth=depth), get):
            writer.put(page, result, source)
            read += 1
    log.info(
        "chunk %s of run %s: %d pages read, %d saved before", chunk.pk, run.pk, read, len(saved)
    )


def read_stream(
    pages: Iterable[IngestedPage], pipeline: Callable[[], Pipeline]
) -> Iterator[tuple[IngestedPage, PageResult, str]]:
    """Each page with its result and where the text came from (the PDF's text layer or OCR),
    in order; pages to OCR go through the networks together, the pipeline's page_batch at a
    time (several on a GPU)."""
    group: list[IngestedPage] = []

    def flush() -> Iterator[tuple[IngestedPage, PageResult, str]]:
        results = pipeline().read_batch([page.image for page in group])
        for page, result in zip(group, results, strict=True):
            yield page, result, Region.Source.OCR
        group.clear()

    for page in pages:
        if page.text_layer is not None:
            yield from flush() if group else ()
            yield page, page.text_layer, Region.Source.TEXT_LAYER
            continue
        group.append(page)
        if len(group) >= pipeline().page_batch:
            yield from flush()
    if group:
        yield from flush()


_DONE = object()


def prefetch(items: Iterable[Any], depth: int) -> Iterator[Any]:
    """`items` made in a thread of its own, up to `depth` ahead: page decoding (PDFium, Pillow,
    PyAV release the GIL) overlaps reading the pages before. Errors come out where they
    happened, in order."""
    buffer: queue.Queue[Any] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put((_DONE, None))
        except BaseException as exc:  # handed to the consumer, raised there
            buffer.put((_DONE, exc))

    thread = threading.Thread(target=produce, name="legible-decode", daemon=True)
    thread.start()
    try:
        while True:
            item, error = buffer.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join(timeout=10)


class _PageWriter:
    """Saves pages in order, their PNGs encoded on a small pool, so neither the encoding nor
    the database waits hold up the networks. In the background (a worker), saving runs on a
    thread of its own, and an error there (a lost claim) comes out at the next put or at the
    end; inline (execute_run, whose caller may hold the database in a transaction), each put
    saves at once."""

    def __init__(self, run_id: int, token: str, background: bool, depth: int = 4) -> None:
        self.run_id = run_id
        self.token = token
        self.background = background
        # zlib releases the GIL, so PNGs encode side by side; four keep up with a GPU.
        threads = max(1, min(4, os.cpu_count() or 1)) if background else 1
        self.encoder = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="legible-png")
        self.pending: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._save_all, name="legible-save", daemon=True)

    def __enter__(self) -> _PageWriter:
        if self.background:
            self.thread.start()
        return self

    def put(self, page: IngestedPage, result: PageResult, source: str) -> None:
        encoded = self.encoder.submit(encode_page, page.image)
        if not self.background:
            self._save((page, result, source, encoded))
            return
        self._hand_over((page, result, source, encoded))

    def _hand_over(self, item: Any) -> None:
        while self.error is None and self.thread.is_alive():
            try:
                self.pending.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        if self.error is not None:
            raise self.error

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        try:
            if self.background:
                self._hand_over(None)  # saves what was read, even when reading failed
                self.thread.join()
        finally:
            self.encoder.shutdown(wait=True, cancel_futures=True)
        if exc is None and self.error is not None:
            raise self.error

    def _save(self, item: Any) -> None:
        page, result, source, encoded = item
        save_page_result(self.run_id, self.token, page, result, source, encoded.result())

    def _save_all(self) -> None:
        try:
            while (item := self.pending.get()) is not None:
                self._save(item)
        except BaseException as exc:
            self.error = exc
        finally:
            connection.close()  # this thread's own connection


def _finish_chunk(chunk: RunChunk, token: str) -> None:
    done = RunChunk.objects.filter(pk=chunk.pk, claim=token).update(
        status=RunChunk.Status.DONE, claim="", finished=timezone.now()
    )
    # Checked after this chunk's own commit, so of two chunks ending at once at least the
    # later one sees both done; the run's lock lets only one of them finish it.
    if done:
        _finish_run_if_done(chunk.run_id)


def _finish_run_if_done(run_id: int) -> None:
    """The last chunk finishes the run: a video's captions become tracks, then it succeeds."""
    with transaction.atomic():
        run = Run.objects.select_for_update().select_related("input").filter(pk=run_id).first()
        if run is None or run.status != Run.Status.RUNNING:
            return
        if run.chunks.exclude(status=RunChunk.Status.DONE).exists():
            return
        pages = RunPage.objects.filter(run=run).count()
        if run.input.kind == Input.Kind.VIDEO:
            link_video_tracks(run)
        # A video's page count was an estimate until its frames were read.
        Run.objects.filter(pk=run_id).update(
            status=Run.Status.SUCCEEDED,
            progress_done=pages,
            progress_total=pages,
            finished=timezone.now(),
            claim="",
        )


def _fail_run(run_id: int, error: str) -> None:
    """The run fails with a reason; its other chunks stop at their next page."""
    with transaction.atomic():
        Run.objects.filter(pk=run_id, status__in=[Run.Status.QUEUED, Run.Status.RUNNING]).update(
            status=Run.Status.FAILED, error=error[:2000], finished=timezone.now(), claim=""
        )
        RunChunk.objects.filter(
            run_id=run_id, status__in=[RunChunk.Status.QUEUED, RunChunk.Status.RUNNING]
        ).update(status=RunChunk.Status.FAILED, claim="")


def save_page_result(
    run_id: int,
    token: str,
    page: IngestedPage,
    result: PageResult,
    source: str = Region.Source.OCR,
    encoded: EncodedPage | None = None,
) -> None:
    """One transaction per page: page image, the run's reading, the page's regions and progress
    appear together or not at all. The reading goes under the page's corrections, never over
    them (services.regions.lay_reading); a page a newer run has already read keeps that one's.
    `token` is the claim of the chunk the page belongs to; `encoded` the page's files made
    beforehand (made here when not given)."""
    files = encoded if encoded is not None else encode_page(page.image)
    try:
        _save_page(run_id, token, page, result, source, files)
    except IntegrityError:
        # The run's input was deleted under this transaction: the page's row pointed at it.
        if _run_has_ended(run_id):
            raise RunLost(run_id) from None
        raise


def _save_page(
    run_id: int, token: str, page: IngestedPage, result: PageResult, source: str, files: EncodedPage
) -> None:
    with transaction.atomic():
        # The chunk's lock, not the run's: the chunks of one run save side by side.
        chunk = (
            RunChunk.objects.select_for_update()
            .filter(run_id=run_id, claim=token, status=RunChunk.Status.RUNNING)
            .first()
        )
        if chunk is None:
            raise RunLost(run_id)
        run = Run.objects.select_related("input").get(pk=run_id)
        row = Page.objects.filter(input=run.input, index=result.index).first()
        if row is None:
            row = Page(
                input=run.input,
                index=result.index,
                width=result.width,
                height=result.height,
                timecode_ms=page.timecode_ms,
            )
            row.image.save(f"{result.index:05d}.png", ContentFile(files.png), save=False)
            # Made here, from pixels already decoded, so the web process never decodes the
            # page to show it (ocr/services/previews.py).
            row.thumbnail.save(
                f"{result.index:05d}-thumb.jpg", ContentFile(files.thumbnail), save=False
            )
            if files.preview is not None:
                row.preview.save(
                    f"{result.index:05d}-preview.png", ContentFile(files.preview), save=False
                )
            row.save()
        row = Page.objects.select_for_update().get(pk=row.pk)  # people's edits wait for this
        regions = [{**r.to_dict(), "source": source} for r in result.regions]
        reading, created = RunPage.objects.get_or_create(
            run=run, page=row, defaults={"regions": regions}
        )
        if not created:
            RunPage.objects.filter(pk=reading.pk).update(regions=regions, reads=F("reads") + 1)
        if row.run_id is None or row.run_id <= run.pk:
            lay_reading(row, run, result.regions, source)
            blocks = [{"polygon": b.to_dict()["polygon"], "kind": b.kind} for b in result.blocks]
            Page.objects.filter(pk=row.pk).update(run=run, blocks=blocks or None)
        now = timezone.now()
        RunChunk.objects.filter(pk=chunk.pk).update(heartbeat=now)
        if created:  # last: the run's row is what every chunk's page updates
            Run.objects.filter(pk=run_id).update(progress_done=F("progress_done") + 1)


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


@dataclass(frozen=True)
class EncodedPage:
    """A page's files, encoded off the saving thread."""

    png: bytes
    thumbnail: bytes  # JPEG
    preview: bytes | None  # PNG, only for a page larger than PREVIEW_SIDE


def encode_page(page_image: PageImage) -> EncodedPage:
    image = Image.fromarray(page_image.pixels)
    buffer = io.BytesIO()
    # compress_level 3: a fifth of the time of the default for files a tenth larger.
    image.save(buffer, format="PNG", compress_level=3)
    large = needs_preview(image.width, image.height)
    return EncodedPage(
        png=buffer.getvalue(),
        thumbnail=thumbnail_jpeg(image),
        preview=preview_png(image) if large else None,
    )


def reap_stale_runs() -> list[int]:
    """Send again the work whose worker is gone; returns the ids of the runs concerned.

    A running chunk whose heartbeat is stale, or whose claim names a process of this host that
    no longer exists, lost its worker. A queued chunk or run not sent for a long time may have
    lost its message (the embedded broker forgets a message its consumer took). Sending a
    message twice is safe: only one claim on a chunk can win, and a run is planned once.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OCR_RUN_STALE_SECONDS)
    forgotten = now - timedelta(seconds=10 * settings.OCR_RUN_STALE_SECONDS)
    # Claims of processes on this host that are gone need no waiting for their heartbeat.
    dead_here = [
        claim
        for claim in RunChunk.objects.filter(status=RunChunk.Status.RUNNING).values_list(
            "claim", flat=True
        )
        if _claim_is_dead_here(claim)
    ]
    # For a queued chunk or run, heartbeat is when its message was last sent.
    lost_chunk = (
        Q(status=RunChunk.Status.RUNNING, heartbeat__lt=stale)
        | Q(status=RunChunk.Status.RUNNING, claim__in=dead_here)
        | Q(status=RunChunk.Status.QUEUED, heartbeat__lt=forgotten)
    )
    reaped: list[int] = []
    lost = RunChunk.objects.filter(lost_chunk, run__status=Run.Status.RUNNING)
    for chunk_id, run_id, queue_name in lost.values_list("pk", "run_id", "queue"):
        # Conditional, so two reapers (two workers) never both take the same chunk.
        if RunChunk.objects.filter(lost_chunk, pk=chunk_id).update(
            status=RunChunk.Status.QUEUED, claim="", heartbeat=now
        ):
            log.warning("sending chunk %s of run %s again: its worker is gone", chunk_id, run_id)
            send_chunk(chunk_id, queue_name)
            reaped.append(run_id)
    # Runs whose planning message was lost, and runs a worker of an older version was reading
    # as a whole (they have no chunks) when it died.
    lost_run = Q(status=Run.Status.QUEUED, heartbeat__lt=forgotten) | Q(
        status=Run.Status.RUNNING, heartbeat__lt=stale, chunks__isnull=True
    )
    for run_id in Run.objects.filter(lost_run).values_list("pk", flat=True).distinct():
        if Run.objects.filter(lost_run, pk=run_id).update(
            status=Run.Status.QUEUED, claim="", heartbeat=now
        ):
            log.warning("queueing run %s again: its worker is gone", run_id)
            enqueue_run(run_id)
            reaped.append(run_id)
    return sorted(set(reaped))
