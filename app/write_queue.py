"""SQLite writers of every server process queue on one lock file instead of SQLite's busy handler.

SQLite lets one writer in at a time. A writer that finds the database locked sleeps in SQLite's busy
handler in growing steps (up to 100 ms), so it often sleeps on after the lock is free: queued writers
see second-long tails. Inside one process threads already queue on a lock (app/db.py); across the
worker processes of `mature serve --workers N` they still met in the busy handler (rating p99 up to
5.5 s at full scale, bench/mixed_load.py). Here a waiting writer holds its process's thread lock and
waits on `flock` of a file beside the database, which the kernel hands over as soon as the holder
lets go, and frees by itself if the holder's process dies (so no stale lock survives a crash).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path
from types import TracebackType


class WriterBusy(TimeoutError):
    """Another writer kept the database for longer than the busy timeout."""


class WriteQueue:
    """A context manager: this thread, then this process, hold the database's write turn."""

    POLL_SECONDS = (0.0005, 0.001, 0.002, 0.004)  # then every 4 ms: never a long sleep past the hand-over

    def __init__(self, lock_file: Path | None, timeout: float) -> None:
        self._threads = threading.Lock()
        self._lock_file = lock_file
        self._timeout = timeout
        self._fd: int | None = None

    def __enter__(self) -> WriteQueue:
        if not self._threads.acquire(timeout=self._timeout):
            raise WriterBusy(f"another writer in this process kept the database for over {self._timeout:g} s")
        try:
            self._take_file()
        except BaseException:
            self._threads.release()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _take_file(self) -> None:
        if self._lock_file is None:  # an in-memory database: one process only
            return
        if self._fd is None:
            self._fd = os.open(self._lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self._timeout
        for attempt in range(1_000_000):
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WriterBusy(f"another server process kept the database for over {self._timeout:g} s") \
                        from None
                time.sleep(self.POLL_SECONDS[min(attempt, len(self.POLL_SECONDS) - 1)])
