"""The search queue: pages whose index entry is out of date, written in the changing transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class SearchQueueEntry(Base):
    """One page to (re)index or drop; the indexer deletes the entry only after its index commit.

    No foreign key to `page`: an entry must outlive its page, so the indexer can drop the page.
    """

    __tablename__ = "search_queue"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    page_id: Mapped[int] = mapped_column(Integer, index=True)
    reason: Mapped[str] = mapped_column(String(40), comment="What changed, e.g. page.edited, maturity")
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
