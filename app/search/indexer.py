"""Keeping the index in step with the database: follow the change log, rebuild, and a background loop.

The index folder remembers the last log position it applied (POSITION_FILE, next to the Whoosh files,
so a thrown-away index forgets it too). Nothing is consumed: every host, with its own index folder,
follows the same log rows from its own position. The processes of one host take turns (a kernel lock
in the folder); Whoosh allows one writer, so a process that finds the index locked tries again on its
next round. A crash between the index commit and the position write applies a few changes twice,
which is harmless (indexing is idempotent).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select

from app import log_reach
from app.pages import access
from app.background import Loop
from app.changelog import Change, LogFollower, Position
from app.db import Database
from app.search import documents
from app.search.index import INDEX_NAME, IndexBusy, PageIndex

log = logging.getLogger(__name__)

DRAIN_BATCH = 200
POLL_SECONDS = 0.5
POSITION_FILE = "log-position.json"
TURN_FILE = ".follow.lock"  # kept by the index's reset, like its creation lock
REBUILD_WAIT_SECONDS = 30.0

Progress = Callable[[int, int], None]  # (done, total)


class Indexer:
    """Applies committed changes from the log to the index of one host."""

    def __init__(self, database: Database, index: PageIndex) -> None:
        self.database = database
        self.index = index
        self._loop = Loop("search-indexer", self.step, POLL_SECONDS, first=self.ensure_ready)
        self._rebuild_pending = False  # this process reset the index and owes it a rebuild
        self.rebuilding = False  # a full rebuild is running in this process (reported by /health)

    # -- the position the index folder remembers -------------------------------------------------

    @property
    def _position_path(self) -> Path:
        return self.index.directory / POSITION_FILE

    def position(self) -> Position | None:
        """The log position the index reflects; None when the folder has none (a new or foreign index)."""
        try:
            return Position.from_json(json.loads(self._position_path.read_text()))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError):
            log.warning("the search index's log position in %s is unreadable: it will be rebuilt",
                        self._position_path)
            return None

    def _save(self, position: Position) -> None:
        """Write the position atomically (a reader never sees half a file)."""
        handle, name = tempfile.mkstemp(prefix=POSITION_FILE + ".", dir=self.index.directory)
        with os.fdopen(handle, "w") as temporary:
            json.dump(position.to_json(), temporary)
        os.replace(name, self._position_path)

    @contextmanager
    def _turn(self, wait: float = 0.0) -> Iterator[bool]:
        """This host's turn to follow the log (True), or False when another process has it for longer than `wait`."""
        self.index.directory.mkdir(parents=True, exist_ok=True)
        with open(self.index.directory / TURN_FILE, "a+b") as handle:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        yield False
                        return
                    time.sleep(0.05)
            try:
                yield True
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    # -- rounds ----------------------------------------------------------------------------------

    def step(self) -> None:
        """One round of the background loop: repair a deleted or damaged index, then follow the log."""
        if self.index.damaged or self._rebuild_pending or not self.index.exists():
            self.repair()
        self.drain()

    def repair(self, first_start: bool = False) -> None:
        """Replace a deleted or damaged index with one rebuilt from the database (searches answer 503 meanwhile)."""
        self.index.damaged = True
        had_files = self.index.directory.is_dir() and any(self.index.directory.glob(f"*{INDEX_NAME}*"))
        if self.index.reset_if_broken():
            if had_files or not first_start:
                log.warning("search index at %s was missing or damaged: rebuilding it from the database",
                            self.index.directory)
            self._rebuild_pending = True
        if self._rebuild_pending:
            count = self.rebuild()  # IndexBusy: tried again on the next round
            self._rebuild_pending = False
            log.warning("search index at %s rebuilt: %d pages", self.index.directory, count)
        self.index.damaged = False

    def drain(self, batch: int = DRAIN_BATCH) -> int:
        """Apply every change logged since the index's position; returns how many log rows were applied
        (0 when another process of the host is following or holds the index)."""
        processed = 0
        with self._turn() as mine:
            if not mine:
                return 0
            follower = LogFollower(position=self.position() or Position())
            while True:
                with self.database.transaction(write=False) as session:
                    ids = follower.pending_ids(session)[:batch]
                    if not ids:
                        return processed
                    changes = list(session.scalars(select(Change).where(Change.id.in_(ids))))
                    page_ids = sorted(log_reach.pages_reached(session, changes))
                    docs, removed = documents.documents_for(session, page_ids)
                try:
                    if page_ids:
                        self.index.apply(docs, removed)
                except IndexBusy:
                    return processed
                follower.applied(ids)
                self._save(follower.position)
                processed += len(ids)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Re-index every live page from the database, replacing the whole index in one commit."""
        self.rebuilding = True
        try:
            with self._turn(wait=REBUILD_WAIT_SECONDS) as mine:
                if not mine:
                    raise IndexBusy(str(self.index.directory))
                return self._rebuild(progress)
        finally:
            self.rebuilding = False

    def _rebuild(self, progress: Progress | None) -> int:
        follower = LogFollower()
        with self.database.transaction(write=False) as session:
            follower.start_here(session)  # first: what commits during the rebuild is applied afterwards
            total = session.scalar(access.all_live_pages(func.count())) or 0

            def batches():
                done = 0
                for batch in documents.all_documents(session):
                    yield from batch
                    done += len(batch)
                    if progress:
                        progress(done, total)

            count = self.index.rebuild(batches())
        self._save(follower.position)
        return count

    def ensure_ready(self) -> None:
        """At start-up: build a missing index (or one that does not know its log position) from the database,
        then apply what was logged since."""
        if not self.index.intact():  # a full read, so damaged files are found before anyone searches
            try:
                self.repair(first_start=True)
            except IndexBusy:
                return  # another process is building it
        elif self.position() is None:
            try:
                log.info("search index at %s has no log position: rebuilding it from the database",
                         self.index.directory)
                self.rebuild()
            except IndexBusy:
                return  # another process is building it
        self.drain()

    # -- the background loop of a server process -------------------------------------------------

    @property
    def running(self) -> bool:
        """The background loop runs in this process, so damage found here is repaired within a round."""
        return self._loop.running

    def start(self) -> None:
        self._loop.start()

    def wake(self) -> None:
        """Follow the log now (after a commit) instead of at the next poll."""
        self._loop.wake()

    def stop(self, timeout: float = 10.0) -> None:
        self._loop.stop(timeout)
