"""The append-only change log: every committed change, written in the same transaction.

Recent changes read it; every derived store (search index, SPARQL store, webhook dispatch) remembers
the position it applied and catches up from there through one LogFollower, so a crash between commit
and indexing loses nothing, nothing is consumed, and a store can be thrown away and rebuilt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Base, utcnow


class Change(Base):
    __tablename__ = "change_log"
    __table_args__ = (
        Index("ix_change_log_space_id_id", "space_id", "id"),
        Index("ix_change_log_page_id_id", "page_id", "id"),
    )

    # BIGINT on PostgreSQL, INTEGER PRIMARY KEY (the rowid) on SQLite.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(40), comment="e.g. page.created, page.edited, page.moved")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    space_id: Mapped[int | None] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    page_id: Mapped[int | None] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revision.id", ondelete="CASCADE"))
    summary: Mapped[str] = mapped_column(String(500), default="")
    minor: Mapped[bool] = mapped_column(Boolean, default=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record(
    session: Session,
    kind: str,
    *,
    actor_id: int | None,
    space_id: int | None = None,
    page_id: int | None = None,
    revision_id: int | None = None,
    summary: str = "",
    minor: bool = False,
    **details: Any,
) -> Change:
    """Append one change to the log (inside the caller's transaction)."""
    change = Change(kind=kind, actor_id=actor_id, space_id=space_id, page_id=page_id,
                    revision_id=revision_id, summary=summary[:500], minor=minor, details=details)
    session.add(change)
    if page_id is not None:
        _pages_logged(session).add(page_id)
    return change


_LOGGED = "changelog.pages"  # session.info: (transaction, ids of the pages logged in it)


def _pages_logged(session: Session) -> set[int]:
    transaction = session.get_transaction()
    logged = session.info.get(_LOGGED)
    if logged is None or logged[0] is not transaction:
        logged = session.info[_LOGGED] = (transaction, set())
    return logged[1]


def page_logged(session: Session, page_id: int) -> bool:
    """Whether this transaction already logged a change of the page (followers re-read the whole page for it)."""
    return page_id in _pages_logged(session)


# ---------------------------------------------------------------- following the log

# Ids are taken before commit on PostgreSQL, so an entry can commit behind the newest one a follower
# applied: entries this far behind the newest applied one are looked at again until seen.
REORDER_WINDOW = 1000


@dataclass
class Position:
    """Where a derived store stands in a log: the newest id it applied, and which ids it applied within the
    reorder window behind that one (so a late commit there is still found)."""

    newest: int = 0
    seen: set[int] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        return {"newest": self.newest, "seen": sorted(self.seen)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Position:
        return cls(int(data.get("newest", 0)), {int(i) for i in data.get("seen", ())})


class LogFollower:
    """Reads an append-only log (the change log, or another table with increasing ids) from a Position.

    `pending` returns the rows committed since the position, including rows that committed late behind it;
    `applied` moves the position past rows the store now reflects. Nothing is consumed: every store keeps
    its own position, so any number of processes and hosts follow the same rows."""

    def __init__(self, model: Any = None, position: Position | None = None, window: int = REORDER_WINDOW) -> None:
        self.model = model if model is not None else Change
        self.position = position if position is not None else Position()
        self.window = window

    def _in_window(self, newest: int) -> Any:
        return self.model.id > newest - self.window

    def start_here(self, session: Session) -> None:
        """Treat everything committed now as applied (before a full build that reads the database afresh:
        read this first, so what commits during the build is applied again afterwards, never missed)."""
        newest = session.scalar(select(func.max(self.model.id))) or 0
        seen = set(session.scalars(select(self.model.id).where(self._in_window(newest))))
        self.position = Position(max(newest, *seen, 0), seen)

    def has_pending(self, session: Session) -> bool:
        """One cheap aggregate: has anything committed since the position (the idle case answers no)?"""
        count, newest = session.execute(select(func.count(), func.max(self.model.id))
                                        .where(self._in_window(self.position.newest))).one()
        return not (count == len(self.position.seen) and (newest or 0) <= self.position.newest)

    def backlog(self, session: Session) -> int:
        """How many rows are still to apply (one count: the seen ids are all rows of the window)."""
        count = session.scalar(select(func.count()).select_from(self.model)
                               .where(self._in_window(self.position.newest))) or 0
        return max(0, count - len(self.position.seen))

    def pending_ids(self, session: Session) -> list[int]:
        """Ids committed since the position, oldest first."""
        if not self.has_pending(session):
            return []
        ids = session.scalars(select(self.model.id).where(self._in_window(self.position.newest))
                              .order_by(self.model.id))
        return [row_id for row_id in ids if row_id not in self.position.seen]

    def pending(self, session: Session) -> list[Any]:
        """The rows committed since the position, oldest first."""
        ids = self.pending_ids(session)
        if not ids:
            return []
        return list(session.scalars(select(self.model).where(self.model.id.in_(ids)).order_by(self.model.id)))

    def applied(self, row_ids: Iterable[int]) -> None:
        """The store reflects these rows now; forget seen ids that fell out of the window."""
        position = self.position
        for row_id in row_ids:
            position.seen.add(row_id)
            position.newest = max(position.newest, row_id)
        low = position.newest - self.window
        position.seen = {row_id for row_id in position.seen if row_id > low}
