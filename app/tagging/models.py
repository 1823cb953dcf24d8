"""Page tags (one per reader, page and topic) and bookmarks (a page about one external source)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class PageTag(Base):
    """A reader's tag of a page with a topic of the shared scheme (merged topics are followed on read)."""

    __tablename__ = "page_tag"
    __table_args__ = (
        UniqueConstraint("page_id", "tagger_id", "concept_id"),
        Index("ix_page_tag_concept_id", "concept_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), index=True)
    tagger_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    concept_id: Mapped[int] = mapped_column(ForeignKey("topic_concept.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Bookmark(Base):
    """The external source a bookmark page points to; one live URL per space (as normalised)."""

    __tablename__ = "bookmark"
    __table_args__ = (UniqueConstraint("space_id", "url_key"),)

    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id"), comment="The page's space (kept in step on moves)")
    url: Mapped[str] = mapped_column(String(2000))
    url_key: Mapped[str] = mapped_column(String(2000), comment="Normalised URL for de-duplication")
    publisher: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    last_checked_at: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer, comment="HTTP status of the last check")
    check_error: Mapped[str] = mapped_column(String(300), default="")
    dead: Mapped[bool] = mapped_column(Boolean, default=False)
    check_state: Mapped[str | None] = mapped_column(
        String(20), comment="alive, dead or could_not_check (app.tagging.linkcheck.CheckState); null: never checked")
