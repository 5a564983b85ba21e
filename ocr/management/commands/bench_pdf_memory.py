"""Benchmark: a long PDF read by a real Celery worker, with the worker's peak memory.

    python manage.py bench_pdf_memory --pages 200 [--source some.pdf] [--dpi 200]

Builds a PDF of --pages pages by repeating the pages of --source, uploads it to a throwaway app,
starts a worker on a queue of its own, samples the memory (PSS and RSS) of the worker's whole
process tree every 0.2 s from /proc, and reports the peaks, the time to the first finished page
and pages per second. Pages are checked to appear in the result while the run goes on.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from ocr import services
from ocr.models import Page, Run

DEFAULT_SOURCE = Path(settings.BASE_DIR) / "tests" / "fixtures" / "pdflatex-4-pages.pdf"


def build_pdf(source: Path, pages: int) -> bytes:
    src = pdfium.PdfDocument(str(source))
    out = pdfium.PdfDocument.new()
    while len(out) < pages:
        take = min(len(src), pages - len(out))
        out.import_pages(src, list(range(take)))
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        out.save(tmp.name)
        return Path(tmp.name).read_bytes()


def tree_memory_bytes(root: int) -> tuple[int, int]:
    """(RSS, PSS) of a process and all its descendants. RSS counts the pages a forked pool
    child shares with its parent twice; PSS splits them, so it is the tree's real footprint."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    rss = pss = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        with contextlib.suppress(OSError):  # the process may have just ended
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith(("Rss:", "Pss:")):
                    kib = int(line.split()[1]) * 1024
                    rss, pss = (rss + kib, pss) if line.startswith("Rss:") else (rss, pss + kib)
        todo.extend(children.get(pid, []))
    return rss, pss


class Command(BaseCommand):
    help = "Read a long PDF in a real worker and report its peak memory and speed."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--pages", type=int, default=200)
        parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
        parser.add_argument("--dpi", type=int, default=settings.OCR_PDF_DPI)
        parser.add_argument("--text-layer", action="store_true")
        parser.add_argument("--timeout", type=int, default=3600)

    def handle(self, *args: Any, **opts: Any) -> None:
        if not opts["source"].exists():
            raise CommandError(f"{opts['source']} does not exist")
        user, _ = get_user_model().objects.get_or_create(username="benchmark")
        app = services.create_app(user, "PDF memory benchmark")
        queue = f"bench-{os.getpid()}"
        worker = None
        try:
            data = build_pdf(opts["source"], opts["pages"])
            upload = SimpleUploadedFile(f"bench-{opts['pages']}.pdf", data)
            options = {"pdf_dpi": opts["dpi"], "text_layer": opts["text_layer"]}
            with default_queue(queue):  # its message goes to the queue only our worker reads
                [item] = services.create_inputs(app, upload, options=options)
            run = item.runs.get()
            # The worker plans the run, so its own OCR_RUN_QUEUE routes the chunks too.
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "project", "worker", "--concurrency=1",
                 f"--queues={queue},{queue}-bulk", "--without-gossip", "--without-mingle",
                 "--loglevel=WARNING"],
                env={**os.environ, "OCR_RUN_QUEUE": queue, "OCR_BULK_QUEUE": f"{queue}-bulk"},
                start_new_session=True,
            )  # fmt: skip
            self._watch(run, worker, opts)
        finally:
            if worker is not None and worker.poll() is None:
                # The main process shuts its pool down itself; its group only if it will not.
                worker.terminate()
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
            app.delete()

    def _watch(self, run: Run, worker: subprocess.Popen[bytes], opts: dict[str, Any]) -> None:
        peak_rss = peak_pss = 0
        started, first_page, streamed = time.monotonic(), None, True
        deadline = started + opts["timeout"]
        while time.monotonic() < deadline:
            rss, pss = tree_memory_bytes(worker.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            run.refresh_from_db()
            pages_visible = Page.objects.filter(input_id=run.input_id).count()
            if run.progress_done and first_page is None:
                first_page = time.monotonic() - started
            # Pages must show while the run is still going, as many as are done.
            if run.status == Run.Status.RUNNING and pages_visible < run.progress_done - 1:
                streamed = False
            if run.status in (Run.Status.SUCCEEDED, Run.Status.FAILED):
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"pages: {run.progress_done}/{run.progress_total}, status: {run.status} {run.error}\n"
            f"dpi: {opts['dpi']}, text layer: {opts['text_layer']}, source: {opts['source'].name}\n"
            f"worker peak memory (process tree): PSS {peak_pss / 2**20:.0f} MiB, "
            f"RSS {peak_rss / 2**20:.0f} MiB\n"
            f"first page after: {first_page or 0:.1f} s, total: {elapsed:.1f} s, "
            f"{run.progress_done / elapsed:.2f} pages/s\n"
            f"pages visible while running: {'yes' if streamed else 'NO'}"
        )


class default_queue:
    """Route the upload's own enqueue to the benchmark queue, not to a running app's worker."""

    def __init__(self, queue: str) -> None:
        self.queue = queue

    def __enter__(self) -> None:
        from project.celery import app

        self.previous = app.conf.task_default_queue
        app.conf.task_default_queue = self.queue

    def __exit__(self, *exc: object) -> None:
        from project.celery import app

        app.conf.task_default_queue = self.previous
