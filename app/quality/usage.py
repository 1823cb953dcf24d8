"""Usage: how often colleagues open each page, counted in memory and written in batches.

Counting a read must not turn every GET into a write transaction (on SQLite that would queue all
reads behind the write lock), so each process adds views up in memory and a background thread
writes them every `MATURE_USAGE_FLUSH_SECONDS` (and at shutdown) with one upsert per page and day.
A crash loses at most that many seconds of view counts, never content.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.background import Loop
from app.db import Database, upsert, utcnow
from app.pages.models import Page
from app.quality.models import PageView

log = logging.getLogger(__name__)


class ViewCounter:
    """Page views of one process, waiting to be written."""

    def __init__(self, database: Database | None = None, flush_seconds: float = 0.0) -> None:
        self.database = database
        self.flush_seconds = flush_seconds
        self._pending: Counter[tuple[int, date]] = Counter()
        self._lock = threading.Lock()
        self._loop = Loop("page-view-counter", self.flush, flush_seconds)

    def record(self, page_id: int) -> None:
        with self._lock:
            self._pending[(page_id, utcnow().date())] += 1

    def flush(self, database: Database | None = None) -> int:
        """Write what was counted (in one transaction); returns how many page-days were written."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
        if not pending:
            return 0
        try:
            with (database or self.database).transaction(write=True) as session:
                add_views(session, pending)
        except Exception:
            with self._lock:  # keep them for the next round
                self._pending.update(pending)
            raise
        return len(pending)

    def start(self) -> None:
        if self.flush_seconds > 0 and self.database is not None:
            self._loop.start()

    def stop(self) -> None:
        """Stop the loop and write what is left (only when the loop ran: tests write explicitly)."""
        if not self._loop.running:
            return
        self._loop.stop()
        try:
            self.flush()
        except Exception:
            log.exception("writing the last page views failed")


def add_views(session: Session, counts: Counter[tuple[int, date]]) -> None:
    """Add view counts per (page, day): insert, or add to the day's count (pages deleted meanwhile are skipped)."""
    rows = [{"page_id": page_id, "day": day, "views": views} for (page_id, day), views in sorted(counts.items())]
    statement = upsert(session, PageView)
    statement = statement.on_conflict_do_update(
        index_elements=[PageView.page_id, PageView.day], set_={"views": PageView.views + statement.excluded.views})
    live = set(session.scalars(select(Page.id).where(Page.id.in_({row["page_id"] for row in rows}))))
    rows = [row for row in rows if row["page_id"] in live]
    if rows:
        session.execute(statement, rows)
