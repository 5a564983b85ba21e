"""Thin Celery tasks: take an id, call one service."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import OperationalError, close_old_connections

from . import runs
from .services import training

log = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),  # a locked or restarting database; the run was handed back
    retry_backoff=2,
    retry_jitter=True,
    max_retries=5,
)
def run_workflow(run_id: int) -> None:
    """Plan the run: its chunks of pages, each sent as a read_chunk message.

    Safe to deliver twice: only a queued run is planned. Returns quietly when the run is gone
    (its input was deleted) or already planned or finished.
    """
    runs.plan_run(run_id)


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),  # a locked or restarting database; the chunk was handed back
    retry_backoff=2,
    retry_jitter=True,
    max_retries=5,
)
def read_chunk(chunk_id: int) -> None:
    """Read one chunk of a run's pages; the last chunk to finish finishes the run.

    Safe to deliver twice: only one claim on a chunk wins, pages the run saved already are
    skipped, and each page replaces this run's earlier reading of it. Returns quietly when the
    chunk is gone, done, or being read elsewhere.
    """
    runs.execute_chunk(chunk_id)


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),  # the training was handed back; claim it again
    retry_backoff=2,
    retry_jitter=True,
    max_retries=5,
)
def train_model(training_id: int) -> None:
    """Safe to deliver twice: only one claim on a training wins. A training whose worker died
    is claimed again and starts over; its model file appears only when it succeeds.

    Returns quietly when the training is gone, finished or cancelled.
    """
    training.execute_training(training_id)


@worker_ready.connect
def start_reaper(**_: Any) -> None:
    """Every worker sweeps for runs whose worker died: once at start, then periodically.

    A thread in the worker's main process rather than a beat schedule, so no single process
    has to stay alive for dead runs to be picked up again.
    """
    interval = max(settings.OCR_RUN_STALE_SECONDS / 2, 1.0)

    def loop() -> None:
        while True:
            close_old_connections()  # a long-lived thread must not keep a dead connection
            try:
                runs.reap_stale_runs()
                training.reap_stale_trainings()
            except Exception:
                log.exception("reaping stale runs failed; will try again")
            time.sleep(interval)

    threading.Thread(target=loop, name="legible-reaper", daemon=True).start()
