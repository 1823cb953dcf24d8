"""The ledger of revisions imported from another wiki: what makes a re-run a no-op and an interrupted run resumable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class ImportedRevision(Base):
    """One source-wiki revision that reached a space (or was deliberately folded into an existing one)."""

    __tablename__ = "imported_revision"
    __table_args__ = (
        UniqueConstraint("space_id", "source", "source_revision_id"),
        Index("ix_imported_revision_source_page", "space_id", "source", "source_page_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(300), comment="The source wiki: its database name and base URL")
    source_page_id: Mapped[int] = mapped_column(BigInteger)
    source_revision_id: Mapped[int] = mapped_column(BigInteger)
    source_title: Mapped[str] = mapped_column(String(255))
    page_id: Mapped[int | None] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revision.id", ondelete="SET NULL"),
        comment="Null when the revision changed nothing or was a redirect",
    )
    outcome: Mapped[str] = mapped_column(String(20), comment="imported, unchanged or redirect")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
