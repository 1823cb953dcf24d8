"""Keeping the index in step with the database: drain the queue, rebuild, and a background loop.

Any server process (or the CLI) may drain; Whoosh allows one writer, so a process that finds the
index locked leaves the queue to the holder and tries again on its next round.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import func

from app.auth import rights
from app.background import Loop
from app.db import Database
from app.pages.models import Page
from app.search import documents, queue
from app.search.index import INDEX_NAME, IndexBusy, PageIndex

log = logging.getLogger(__name__)

DRAIN_BATCH = 200
POLL_SECONDS = 0.5

Progress = Callable[[int, int], None]  # (done, total)


class Indexer:
    """Moves committed changes from the queue into the index of one service."""

    def __init__(self, database: Database, index: PageIndex) -> None:
        self.database = database
        self.index = index
        self._loop = Loop("search-indexer", self.step, POLL_SECONDS, first=self.ensure_ready)
        self._rebuild_pending = False  # this process reset the index and owes it a rebuild
        self.rebuilding = False  # a full rebuild is running in this process (reported by /health)

    def step(self) -> None:
        """One round of the background loop: repair a deleted or damaged index, then drain the queue."""
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
        """Index every queued page; returns how many entries were processed (0 if another holds the lock)."""
        processed = 0
        while True:
            with self.database.transaction(write=False) as session:
                entries = queue.pending(session, batch)
                if not entries:
                    return processed
                docs, removed = documents.documents_for(session, sorted({page_id for _, page_id in entries}))
            try:
                self.index.apply(docs, removed)
            except IndexBusy:
                return processed
            with self.database.transaction(write=True) as session:
                queue.forget(session, [entry_id for entry_id, _ in entries])
            processed += len(entries)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Re-index every live page from the database, replacing the whole index in one commit."""
        self.rebuilding = True
        try:
            return self._rebuild(progress)
        finally:
            self.rebuilding = False

    def _rebuild(self, progress: Progress | None) -> int:
        with self.database.transaction(write=False) as session:
            covered = queue.all_entry_ids(session)  # what this rebuild makes redundant
            total = session.scalar(rights.all_live_pages(func.count())) or 0

            def batches():
                done = 0
                for batch in documents.all_documents(session):
                    yield from batch
                    done += len(batch)
                    if progress:
                        progress(done, total)

            count = self.index.rebuild(batches())
        with self.database.transaction(write=True) as session:
            queue.forget(session, covered)
        return count

    def ensure_ready(self) -> None:
        """At start-up: build a missing index from the database, then drain what crashes left queued."""
        if not self.index.intact():  # a full read, so damaged files are found before anyone searches
            try:
                self.repair(first_start=True)
            except IndexBusy:
                return  # another process is building it
        elif self.index.is_empty():
            with self.database.transaction(write=False) as session:
                has_pages = session.scalar(rights.all_live_pages(Page.id).limit(1)) is not None
            if has_pages:
                try:
                    log.info("search index is empty: rebuilding it from the database")
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
        """Drain now (after a commit that queued pages) instead of at the next poll."""
        self._loop.wake()

    def stop(self, timeout: float = 10.0) -> None:
        self._loop.stop(timeout)
