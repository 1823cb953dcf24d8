"""How many SPARQL queries run at once on a host: in total, and per user, across every server process.

A slot is a kernel file lock (`flock`) on one of a fixed set of files in DATA_DIR/sparql/slots, as
app/write_queue.py does for writers: every worker process of the host sees the same locks, and the
kernel frees a slot by itself when its holder's process dies, so no crash leaves one taken. A user
holds one of `per_user` files of their own *and* one of `total` shared files while a query runs, so
one person's runaway queries fill only their own slots and everybody else's still run.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class UserBusy(Exception):
    """This user already runs as many queries as one user may."""


class HostBusy(Exception):
    """Every query slot of the host stayed taken for the whole wait."""


class QuerySlots:
    """Cross-process counting semaphores made of lock files (a slot per file, taken with LOCK_NB)."""

    POLL_SECONDS = 0.01

    def __init__(self, directory: Path, total: int, per_user: int) -> None:
        self.directory, self.total, self.per_user = directory, total, per_user
        directory.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def hold(self, user_id: int, wait: float) -> Iterator[None]:
        """One slot of the user's and one of the host's for the block; UserBusy at once if the user's are all
        taken, HostBusy if no host slot came free within `wait` seconds."""
        mine = self._take([f"user-{user_id}-{n}" for n in range(self.per_user)])
        if mine is None:
            raise UserBusy(f"user {user_id} already runs {self.per_user} queries")
        try:
            shared, deadline = None, time.monotonic() + wait
            names = [f"host-{n}" for n in range(self.total)]
            while (shared := self._take(names)) is None:
                if time.monotonic() >= deadline:
                    raise HostBusy(f"all {self.total} query slots stayed taken for {wait:g} s")
                time.sleep(self.POLL_SECONDS)
            try:
                yield
            finally:
                _release(shared)
        finally:
            _release(mine)

    def running(self) -> int:
        """Queries running on the host now (host slots taken), for /health."""
        taken = 0
        for n in range(self.total):
            fd = self._take([f"host-{n}"])
            if fd is None:
                taken += 1
            else:
                os.close(fd)
        return taken

    def _take(self, names: list[str]) -> int | None:
        """A descriptor holding the lock of the first free file among `names`, or None."""
        for name in names:
            fd = os.open(self.directory / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                os.close(fd)
        return None


def _release(fd: int) -> None:
    """Unlock explicitly: a child forked meanwhile may briefly hold a copy of the descriptor."""
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
