"""What a page write tells the rest of the service: one typed event, logged once, then its subscribers.

The write path calls `publish` once per write. It appends the change-log row (which the stores that
may lag -- search, SPARQL, webhooks, feeds -- follow) and calls, in the same transaction, the
subscribers the owning packages registered at start-up (maturity scoring, the bookmark rule), so
`app.pages` imports none of them. A subscriber may raise a ProblemError: the whole write is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app import changelog
from app.changelog import Change

CREATED, EDITED, REVERTED, MOVED, DELETED, RESTORED = (
    "page.created", "page.edited", "page.reverted", "page.moved", "page.deleted", "page.restored")


@dataclass(frozen=True)
class PageChanged:
    """One committed-to-be page write: what happened, to which page, by whom."""

    kind: str
    page_id: int
    space_id: int  # where the page is now (after a move: the target space)
    actor_id: int
    revision_id: int | None = None
    summary: str = ""
    minor: bool = False
    from_space_id: int | None = None  # a move between spaces: where the page was
    relinked: frozenset[int] = frozenset()  # other pages whose backlinks the write changed
    details: dict[str, Any] = field(default_factory=dict)  # logged with the change (titles, merges ...)


Subscriber = Callable[[Session, PageChanged], None]
_subscribers: list[tuple[str, Subscriber]] = []


def subscribe(name: str, subscriber: Subscriber) -> None:
    """Register a same-transaction consequence of page writes (idempotent by name: start-up may run twice)."""
    if all(known != name for known, _ in _subscribers):
        _subscribers.append((name, subscriber))


def subscribers() -> list[str]:
    return [name for name, _ in _subscribers]


def publish(session: Session, event: PageChanged) -> Change:
    """Log the write once and run its subscribers, in the caller's transaction."""
    if not _subscribers:
        raise RuntimeError("no page-write subscribers are registered: call app.observers.register_all() at "
                           "start-up (maturity scoring and the bookmark rule would be skipped)")
    change = changelog.record(session, event.kind, actor_id=event.actor_id, space_id=event.space_id,
                              page_id=event.page_id, revision_id=event.revision_id, summary=event.summary,
                              minor=event.minor, **event.details)
    session.flush()
    for _, subscriber in _subscribers:
        subscriber(session, event)
    return change
