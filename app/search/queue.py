"""The durable search queue: enqueue in the changing transaction, forget after the index commit.

A crash anywhere between the two leaves the entry in place, so the page is indexed again on the
next drain (indexing is idempotent); nothing committed is ever missing from search for long.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.search.models import SearchQueueEntry

FORGET_CHUNK = 500
_MARKED = "search_queue.marked"  # session.info: (transaction, page ids already queued in it)


def enqueue(session: Session, page_ids: Iterable[int], reason: str) -> None:
    """Mark pages as changed; call inside the transaction that changed them (once per page is enough)."""
    transaction = session.get_transaction()
    marked = session.info.get(_MARKED)
    if marked is None or marked[0] is not transaction:
        marked = session.info[_MARKED] = (transaction, set())
    fresh = sorted(set(page_ids) - marked[1])
    marked[1].update(fresh)
    session.add_all(SearchQueueEntry(page_id=page_id, reason=reason[:40]) for page_id in fresh)


def pending(session: Session, limit: int) -> list[tuple[int, int]]:
    """The oldest entries as (entry id, page id)."""
    rows = session.execute(select(SearchQueueEntry.id, SearchQueueEntry.page_id)
                           .order_by(SearchQueueEntry.id).limit(limit))
    return [(entry_id, page_id) for entry_id, page_id in rows]


def all_entry_ids(session: Session) -> list[int]:
    return list(session.scalars(select(SearchQueueEntry.id)))


def forget(session: Session, entry_ids: list[int]) -> None:
    """Remove entries whose pages the index now reflects (only these: newer ones stay)."""
    for start in range(0, len(entry_ids), FORGET_CHUNK):
        chunk = entry_ids[start:start + FORGET_CHUNK]
        session.execute(delete(SearchQueueEntry).where(SearchQueueEntry.id.in_(chunk)))


def backlog(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SearchQueueEntry)) or 0
