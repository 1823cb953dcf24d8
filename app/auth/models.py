"""Accounts, tokens, spaces and memberships."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow


class Role(str, enum.Enum):
    """What a person may do across the organisation (space rights come on top)."""

    adviser = "adviser"
    manager = "manager"
    admin = "admin"


class SpaceKind(str, enum.Enum):
    personal = "personal"
    organisation = "organisation"


class Visibility(str, enum.Enum):
    """Who may read an organisational space: its members only, or every signed-in colleague."""

    members = "members"
    organisation = "organisation"


class MemberRole(str, enum.Enum):
    reader = "reader"
    editor = "editor"
    owner = "owner"


class TokenKind(str, enum.Enum):
    session = "session"    # from password login, short-lived
    personal = "personal"  # personal access token for widgets and scripts


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """Enums stored as plain strings with a CHECK, portable across SQLite and PostgreSQL."""
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=20,
                values_callable=lambda members: [member.value for member in members])


class User(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.adviser)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessToken(Base):
    """A bearer token; only its keyed hash is stored, so a database leak reveals no token."""

    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TokenKind] = mapped_column(_enum(TokenKind, "token_kind"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="raise")


class Space(Base):
    __tablename__ = "space"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[SpaceKind] = mapped_column(_enum(SpaceKind, "space_kind"))
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility, "visibility"), default=Visibility.members)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), unique=True,
                                                 comment="Set for personal spaces only")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpaceMembership(Base):
    __tablename__ = "space_membership"
    __table_args__ = (Index("ix_space_membership_user_id", "user_id"),)

    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[MemberRole] = mapped_column(_enum(MemberRole, "member_role"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="raise")
