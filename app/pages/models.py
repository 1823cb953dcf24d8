"""Pages and their revision chains, title aliases (renames), categories and wiki links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import Base, utcnow


class Page(Base):
    """A titled page in a space; its content lives in its revisions."""

    __tablename__ = "page"
    __table_args__ = (UniqueConstraint("space_id", "title_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    title_key: Mapped[str] = mapped_column(String(200), comment="Case- and space-insensitive title")
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revision.id", use_alter=True, name="fk_page_current_revision_id_revision")
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class Revision(Base):
    """One saved state of a page. `parent_id` is unique: two saves can never share a parent."""

    __tablename__ = "revision"
    __table_args__ = (
        UniqueConstraint("page_id", "number"),
        UniqueConstraint("parent_id"),
        Index("ix_revision_author_id", "author_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer, comment="1, 2, 3 ... within the page")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("revision.id"))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(String(500), default="")
    minor: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(20), comment="create, edit, revert or move")
    reverted_to_id: Mapped[int | None] = mapped_column(ForeignKey("revision.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    size: Mapped[int] = mapped_column(Integer, comment="Content length in UTF-8 bytes")
    imported_author: Mapped[str | None] = mapped_column(
        String(255), comment="Author name on the wiki this revision was imported from"
    )

    author: Mapped[User] = relationship(lazy="raise")


class PageAlias(Base):
    """An old title of a moved page, so links and bookmarks to it still arrive."""

    __tablename__ = "page_alias"
    __table_args__ = (UniqueConstraint("space_id", "title_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id"))
    title: Mapped[str] = mapped_column(String(200))
    title_key: Mapped[str] = mapped_column(String(200))
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PageCategory(Base):
    """The current revision's categories, for listing and filtering."""

    __tablename__ = "page_category"
    __table_args__ = (Index("ix_page_category_name", "name"),)

    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)


class PageLink(Base):
    """A wiki link in the current revision, to a title in the same space (which may not exist yet)."""

    __tablename__ = "page_link"
    __table_args__ = (Index("ix_page_link_target_key", "target_key"),)

    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), primary_key=True)
    target_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    target_title: Mapped[str] = mapped_column(String(200))
