"""A worker's sign of life on the row it is working on (a run's chunk, a training), so the
reaper can tell a slow piece of work from one whose worker died."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import OperationalError, connection
from django.db.models import QuerySet
from django.utils import timezone

log = logging.getLogger(__name__)


class Heartbeat:
    """Stamps `heartbeat` on `rows` (the claimed row, filtered by its claim token) every quarter
    of OCR_RUN_STALE_SECONDS, on a thread of its own, until stopped."""

    def __init__(self, rows: QuerySet, name: str) -> None:
        self.rows, self.name = rows, name
        self.interval = max(settings.OCR_RUN_STALE_SECONDS / 4, 0.5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def __enter__(self) -> Heartbeat:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    self.rows.update(heartbeat=timezone.now())
                except OperationalError:
                    log.warning("heartbeat of %s failed; will try again", self.name)
        finally:
            connection.close()  # this thread's own connection
