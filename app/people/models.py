"""People (users and external contacts), their topic tags with history, and expert-search gaps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    event,
    insert,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.models import User
from app.db import Base, utcnow


class Person(Base):
    """Someone who may know something: a user (`user_id` set) or an external contact (name set).

    External contacts cannot sign in; any adviser may add one. `hidden_at` takes the whole
    profile out of the directory and out of expert search.
    """

    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint("user_id IS NOT NULL OR name IS NOT NULL", name="user_or_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str | None] = mapped_column(String(200), comment="External contacts only; users have display_name")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(Text, default="", comment="How to reach an external contact")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(comment="Profile hidden from the directory")


class PersonTag(Base):
    """One tagger's tag of a person with a topic, as it was between `created_at` and `superseded_at`.

    Changing a tag supersedes the row (kept as history); a partial unique index keeps at most one
    current tag per tagger, person and topic on both databases. `confirmed_at` is the last time the
    tagger set or reconfirmed it: expert search fades tags by it. `hidden_at` is set by the person
    the tag is about and travels with the tag when it changes.
    """

    __tablename__ = "person_tag"
    __table_args__ = (
        Index("uq_person_tag_current", "person_id", "tagger_id", "concept_id", unique=True,
              sqlite_where=text("superseded_at IS NULL"), postgresql_where=text("superseded_at IS NULL")),
        Index("ix_person_tag_concept_id", "concept_id"),
        Index("ix_person_tag_person_id", "person_id"),
        Index("ix_person_tag_tagger_id", "tagger_id"),
        CheckConstraint("level IS NULL OR (level BETWEEN 1 AND 5)", name="level_1_to_5"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    tagger_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    concept_id: Mapped[int] = mapped_column(ForeignKey("topic_concept.id"))
    is_self: Mapped[bool] = mapped_column(Boolean, default=False, comment="The person tagged themselves")
    level: Mapped[int | None] = mapped_column(SmallInteger, comment="1 aware of it ... 5 can change how we do it")
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_page_id: Mapped[int | None] = mapped_column(ForeignKey("page.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]


class ExpertSearchGap(Base):
    """A "who knows about X" question with no answer or only a weak one: the skills-gap reports read these."""

    __tablename__ = "expert_search_gap"
    __table_args__ = (Index("ix_expert_search_gap_asked_at", "asked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    query: Mapped[str] = mapped_column(String(200))
    concept_id: Mapped[int | None] = mapped_column(ForeignKey("topic_concept.id", ondelete="SET NULL"),
                                                   comment="The topic the question resolved to, if any")
    outcome: Mapped[str] = mapped_column(String(12), comment="unanswered or weak")
    result_count: Mapped[int] = mapped_column(Integer)
    best_score: Mapped[float] = mapped_column(Float)
    kind_filter: Mapped[str | None] = mapped_column(String(12), comment="internal or external, when filtered")


@event.listens_for(User, "after_insert")
def _every_user_is_a_person(_mapper: Any, connection: Any, target: User) -> None:
    """A new account is a person of the directory at once (start-up backfills users made elsewhere)."""
    connection.execute(insert(Person.__table__).values(user_id=target.id, organisation="", contact="",
                                                       created_at=utcnow()))
