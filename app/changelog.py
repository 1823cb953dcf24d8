"""The append-only change log: every committed change, written in the same transaction.

Recent changes read it; derived stores (search index, RDF graph) remember the last `id` they
applied and catch up from there, so a crash between commit and indexing loses nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String
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
    return change
