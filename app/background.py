"""The one background-thread pattern of a server process: run a step when woken or on a timer.

The search indexer, the webhook worker and the page-view counter all work from durable state in the
database, so a failed round is logged and simply tried again on the next one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Loop:
    """A daemon thread: `first` once at start, then `step` after each wake-up or every `interval` seconds."""

    def __init__(self, name: str, step: Callable[[], object], interval: float,
                 first: Callable[[], object] | None = None) -> None:
        self.name = name
        self.step = step
        self.interval = interval
        self.first = first
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Run the step now (e.g. after a commit that queued work) instead of at the next tick."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        if self.first is not None:
            self._attempt(self.first)
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            self._attempt(self.step)

    def _attempt(self, work: Callable[[], object]) -> None:
        try:
            work()
        except Exception:  # the database, disk or network hiccuped: the durable state keeps the work
            log.exception("%s: a round failed; will retry", self.name)
