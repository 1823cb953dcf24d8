"""The one background-thread pattern of a server process: run a step when woken or on a timer.

The search indexer, the webhook worker and the page-view counter all work from durable state in the
database, so a failed round is simply tried again on a later one. While the database is down every
round fails the same way, so a failure streak is logged once when it starts, reminded of once a
minute, and closed with one line when a round succeeds again, instead of a traceback every 0.5 s.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import traceback
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 5.0  # a failing loop waits up to this long between rounds (never less than its interval)
REMIND_SECONDS = 60.0  # while a streak lasts, one reminder line this often
REASON_CHARS = 300
_URL_CREDENTIALS = re.compile(r"(\b[a-z][\w+.-]*://[^:/@\s]*):[^@\s]*@", re.IGNORECASE)
_PASSWORD_OPTION = re.compile(r"\b(password|passwd|pwd)(\s*[=:]\s*)('[^']*'|\"[^\"]*\"|\S+)", re.IGNORECASE)


def describe(error: BaseException) -> str:
    """One line naming a failure, safe to log: the driver's first message line without the SQL statement or its
    parameters (SQLAlchemy appends both to str(error)), and with any URL or DSN password masked."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = str(cause).strip().splitlines()
    text = f"{type(cause).__name__}: {lines[0].strip()}" if lines else type(cause).__name__
    text = _URL_CREDENTIALS.sub(r"\1:***@", text)
    return _PASSWORD_OPTION.sub(r"\1\2***", text)[:REASON_CHARS]


def expected(error: BaseException) -> bool:
    """Database and disk/network failures are the weather (an outage, a restart, a full disk); anything else is
    a bug in a step."""
    return isinstance(error, SQLAlchemyError | OSError)


def _stack(error: BaseException) -> str:
    """Where it failed, without the exception's own message (which `describe` has already made safe)."""
    return "".join(traceback.format_tb(error.__traceback__)).rstrip()


class Loop:
    """A daemon thread: `first` once at start, then `step` after each wake-up or every `interval` seconds.

    Logging of failures, per streak of failed rounds:
    - its first failure: one WARNING with a one-line reason (`describe`: no SQL, parameters or passwords). A
      database or OS error is the weather, its stack only goes to DEBUG; any other error is a bug in the step,
      so the WARNING carries its stack (frames only, never the raw message) once, where it can be found;
    - while it lasts: quiet, but for one WARNING reminder every REMIND_SECONDS with the count of failed rounds;
    - the first round that succeeds: one INFO "recovered after N failed rounds / X s".
    During a streak the wait between rounds doubles up to MAX_BACKOFF_SECONDS (or the interval if longer), so a
    down database is not hammered; wake() still runs the step at once.
    """

    def __init__(self, name: str, step: Callable[[], object], interval: float,
                 first: Callable[[], object] | None = None, max_backoff: float = MAX_BACKOFF_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.step = step
        self.interval = interval
        self.first = first
        self.max_backoff = max(interval, max_backoff)
        self.clock = clock
        self.failures = 0  # rounds failed in a row
        self._failing_since = self._reminded_at = 0.0
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

    def delay(self) -> float:
        """Seconds until the next round: the interval, doubled per failed round up to the cap."""
        if not self.failures:
            return self.interval
        return min(self.max_backoff, self.interval * 2 ** min(self.failures, 32))

    def _run(self) -> None:
        if self.first is not None:
            self._attempt(self.first)
        while not self._stop.is_set():
            self._wake.wait(self.delay())
            self._wake.clear()
            if self._stop.is_set():
                return
            self._attempt(self.step)

    def _attempt(self, work: Callable[[], object]) -> None:
        try:
            work()
        except Exception as error:  # noqa: BLE001 (logged by _failed; the durable state keeps the work)
            self._failed(error)
            return
        if self.failures:
            log.info("%s: recovered after %d failed rounds / %.1f s", self.name, self.failures,
                     self.clock() - self._failing_since)
            self.failures = 0

    def _failed(self, error: Exception) -> None:
        now = self.clock()
        self.failures += 1
        if self.failures == 1:
            self._failing_since = self._reminded_at = now
            if expected(error):
                log.warning("%s: a round failed (%s); retrying quietly until it recovers", self.name, describe(error))
                log.debug("%s: where it failed:\n%s", self.name, _stack(error))
            else:
                log.warning("%s: a round failed (%s); retrying quietly until it recovers. Where it failed:\n%s",
                            self.name, describe(error), _stack(error))
        elif now - self._reminded_at >= REMIND_SECONDS:
            self._reminded_at = now
            log.warning("%s: still failing: %d failed rounds in %.0f s; last: %s", self.name, self.failures,
                        now - self._failing_since, describe(error))
