"""Benchmark: pages per second of real Celery workers reading one scanned PDF in chunks.

    python manage.py bench_throughput --pages 40 --workers 1 2 [--threads 1] [--json]

For each worker count, starts that many `celery worker --concurrency=1` processes on the broker
and database of the settings (CELERY_BROKER_URL, DATABASE_URL), each with --threads threads
(LEGIBLE_OCR_THREADS), on queues of their own; lets them read a short warm-up input (models load
once per process, as in a long-lived worker); then uploads an N-page PDF made of real scanned
pages (tests/fixtures' eurotext and phototest scans by default, --images for others) and times
it to the last page. Prints the machine, then per worker count: pages/s, the time to the first
saved page, and the peak memory (RSS of the process tree) of the largest worker. --json prints
only {"runs": [{"workers", "threads", "pages", "seconds", "pages_per_s", "first_page_s",
"peak_rss_mb"}]} on stdout (the machine goes to stderr).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from ocr import services
from ocr.models import App, Run

from .bench_pdf_memory import default_queue, tree_memory_bytes

FIXTURES = Path(settings.BASE_DIR) / "tests" / "fixtures"
DEFAULT_IMAGES = [FIXTURES / "eurotext.png", FIXTURES / "phototest.png"]


def scanned_pdf(images: Sequence[Path], pages: int, dpi: int) -> bytes:
    """A PDF of `pages` pages cycling through `images`, each page sized so that rendering it at
    `dpi` gives the scan's own pixels back (the images are embedded losslessly, once each)."""
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    for index in range(pages):
        path = images[index % len(images)]
        with Image.open(path) as image:
            width, height = (side * 72 / dpi for side in image.size)
        pdf.add_page(format=(width, height))
        pdf.image(str(path), x=0, y=0, w=width, h=height)
    return bytes(pdf.output())


def machine() -> str:
    """The machine in words: CPU model and count, memory, GPU, and the load right now."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    gpu = "no GPU"
    try:
        import torch

        if torch.cuda.is_available():
            gpu = ", ".join(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count()))
    except ImportError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.machine()} {model}, {os.cpu_count()} CPUs, {memory:.0f} GiB, {gpu}; "
        f"load average {load}"
    )


def gpu_memory_mb() -> float | None:
    """Memory in use on the GPUs as nvidia-smi reports it (all processes), if there is one."""
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    values = [float(v) for v in out.split() if v.strip()]
    return sum(values) if values else None


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of a process and its live descendants, from /proc."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry))
    ticks, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            ticks += int(stats[pid][11]) + int(stats[pid][12])  # utime, stime
        todo.extend(children.get(pid, []))
    return ticks / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """User + system CPU seconds of this process (the upload and the polling)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Workers:
    """`count` Celery worker processes on a queue pair of their own, started and waited for."""

    def __init__(self, count: int, threads: int, queue: str, folder: Path, env: dict[str, str]):
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []
        worker_env = {
            **os.environ,
            **env,
            "OCR_RUN_QUEUE": queue,
            "OCR_BULK_QUEUE": f"{queue}-bulk",
            "LEGIBLE_OCR_THREADS": str(threads),
        }
        for number in range(count):
            log = folder / f"worker-{number}.log"
            self.logs.append(log)
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "project", "worker",
                     "--concurrency=1", f"--queues={queue},{queue}-bulk", "--loglevel=INFO",
                     "--without-gossip", "--without-mingle", "-n", f"bench{number}-{queue}@%h"],
                    env=worker_env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )  # fmt: skip
        deadline = time.monotonic() + 120
        while not all("ready." in log.read_text(errors="replace") for log in self.logs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                tails = "\n".join(log.read_text(errors="replace")[-1500:] for log in self.logs)
                self.stop()
                raise CommandError(f"the workers did not start:\n{tails}")
            time.sleep(0.2)

    def peak_rss(self) -> list[int]:
        return [tree_memory_bytes(p.pid)[0] for p in self.processes]

    def cpu_seconds(self) -> float:
        """User and system CPU time of every worker's process tree so far."""
        return sum(tree_cpu_seconds(p.pid) for p in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class Command(BaseCommand):
    help = "Pages per second of real workers reading a scanned PDF, for each worker count."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--pages", type=int, default=40)
        parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
        parser.add_argument("--threads", type=int, default=1, help="threads per worker process")
        parser.add_argument("--workflow", default="default")
        parser.add_argument("--images", type=Path, nargs="+", default=DEFAULT_IMAGES)
        parser.add_argument("--dpi", type=int, default=settings.OCR_PDF_DPI)
        parser.add_argument("--chunk-pages", type=int, help="OCR_CHUNK_PAGES of the workers")
        parser.add_argument("--no-warmup", action="store_true")
        parser.add_argument("--timeout", type=int, default=3600)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        for path in opts["images"]:
            if not path.is_file():
                raise CommandError(f"{path} is not a file")
        if opts["pages"] < 1 or min(opts["workers"]) < 1 or opts["threads"] < 1:
            raise CommandError("--pages, --workers and --threads must be at least 1")
        env = {"OCR_CHUNK_PAGES": str(opts["chunk_pages"])} if opts["chunk_pages"] else {}
        pdf = scanned_pdf(opts["images"], opts["pages"], opts["dpi"])
        warmup = scanned_pdf(opts["images"], 2, opts["dpi"])
        where = (
            f"machine: {machine()}\n"
            f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
            f"broker: {settings.CELERY_BROKER_URL.split('://', 1)[0]}, "
            f"workflow: {opts['workflow']}, {opts['pages']} pages of "
            f"{', '.join(p.name for p in opts['images'])} at {opts['dpi']} dpi"
        )
        (sys.stderr if opts["json"] else self.stdout).write(where + "\n")
        user, _ = get_user_model().objects.get_or_create(username="benchmark")
        runs = []
        for count in opts["workers"]:
            runs.append(self._measure(user, count, pdf, warmup, env, opts))
            row = runs[-1]
            gpu = f", GPU memory {row['gpu_mb']:.0f} MB" if row.get("gpu_mb") else ""
            extra = (
                f"{row.pop('cpu_s')} CPU s in the workers, {row.pop('own_cpu_s')} in this "
                f"process (upload, polling){gpu}"
            )
            row.pop("gpu_mb", None)
            if opts["json"]:
                sys.stderr.write(f"{row['workers']} worker(s): {extra}\n")
            else:
                self.stdout.write(
                    f"{row['workers']} worker(s) x {row['threads']} thread(s): {row['pages']} "
                    f"pages in {row['seconds']:.1f} s, {row['pages_per_s']:.3f} pages/s, first "
                    f"page after {row['first_page_s']:.1f} s, peak RSS of the largest worker "
                    f"{row['peak_rss_mb']:.0f} MB; {extra}"
                )
        if opts["json"]:
            self.stdout.write(json.dumps({"runs": runs}))
        sys.stderr.write(f"load average after: {os.getloadavg()[0]:.2f}\n")

    def _measure(
        self,
        user: Any,
        count: int,
        pdf: bytes,
        warmup: bytes,
        env: dict[str, str],
        opts: dict[str, Any],
    ) -> dict[str, Any]:
        queue = f"bench-{os.getpid()}-{count}"
        app = services.create_app(user, f"Throughput benchmark, {count} workers")
        with tempfile.TemporaryDirectory(prefix="legible-bench-") as folder:
            workers = Workers(count, opts["threads"], queue, Path(folder), env)
            try:
                if not opts["no_warmup"]:
                    for _ in range(count):  # one short input each, read side by side
                        self._upload(app, warmup, "warmup.pdf", queue, opts)
                    self._wait_all(app, workers, opts["timeout"])
                return self._timed(app, workers, pdf, queue, count, opts)
            finally:
                workers.stop()
                app.delete()

    def _upload(self, app: App, data: bytes, name: str, queue: str, opts: dict[str, Any]) -> Run:
        with default_queue(queue):
            [item] = services.create_inputs(
                app, SimpleUploadedFile(name, data), workflow=opts["workflow"]
            )
        return item.runs.get()

    def _wait_all(self, app: App, workers: Workers, timeout: int) -> None:
        deadline = time.monotonic() + timeout
        while Run.objects.filter(input__app=app).exclude(status__in=["succeeded", "failed"]):
            if time.monotonic() > deadline:
                raise CommandError("the warm-up did not finish in time")
            time.sleep(0.2)

    def _timed(
        self,
        app: App,
        workers: Workers,
        pdf: bytes,
        queue: str,
        count: int,
        opts: dict[str, Any],
    ) -> dict[str, Any]:
        peaks = [0] * count
        gpu_peak = 0.0
        cpu_before = workers.cpu_seconds()
        own_before = own_cpu_seconds()
        started = time.monotonic()
        run = self._upload(app, pdf, f"bench-{opts['pages']}.pdf", queue, opts)
        first_page: float | None = None
        deadline = started + opts["timeout"]
        sampled = 0.0
        while time.monotonic() < deadline:
            # Memory once a second: walking /proc and the workers' page tables costs a few ms
            # of the CPU the workers are being timed on; the run's state ten times a second.
            if time.monotonic() - sampled >= 1.0:
                peaks = [max(a, b) for a, b in zip(peaks, workers.peak_rss(), strict=True)]
                gpu_peak = max(gpu_peak, gpu_memory_mb() or 0.0)
                sampled = time.monotonic()
            status, done = Run.objects.values_list("status", "progress_done").get(pk=run.pk)
            if first_page is None and done:
                first_page = time.monotonic() - started
            if status in (Run.Status.SUCCEEDED, Run.Status.FAILED):
                break
            time.sleep(0.1)
        seconds = time.monotonic() - started
        cpu = workers.cpu_seconds() - cpu_before
        peaks = [max(a, b) for a, b in zip(peaks, workers.peak_rss(), strict=True)]
        run.refresh_from_db()
        if run.status != Run.Status.SUCCEEDED:
            raise CommandError(f"the run did not succeed: {run.status} {run.error}")
        return {
            "workers": count,
            "threads": opts["threads"],
            "pages": run.progress_done,
            "seconds": round(seconds, 2),
            "pages_per_s": round(run.progress_done / seconds, 3),
            "first_page_s": round(first_page or seconds, 2),
            "peak_rss_mb": round(max(peaks) / 2**20, 1),
            "gpu_mb": round(gpu_peak, 1) if gpu_peak else None,
            "cpu_s": round(cpu, 1),
            "own_cpu_s": round(own_cpu_seconds() - own_before, 1),
        }
