"""People (users and external contacts), their topic tags with history, and the topic scheme.

The topic scheme lives in the database so that it can grow with the tags (candidates, merges,
synonyms); `ontology/topics.ttl` seeds it through the same SKOS import any other scheme uses.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
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

from app.auth.models import User, _enum
from app.db import Base, utcnow


class TopicStatus(str, enum.Enum):
    """Where a topic is in its life: proposed by a free-text tag, part of the scheme, or merged away."""

    candidate = "candidate"
    concept = "concept"
    merged = "merged"


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


class TopicConcept(Base):
    """A topic of the scheme, a candidate from free-text tags, or a concept merged into another."""

    __tablename__ = "topic_concept"
    __table_args__ = (
        Index("ix_topic_concept_label_key", "label_key"),
        Index("ix_topic_concept_status", "status"),
        # Two people typing the same new topic at once must not make two candidates. Concepts may share a
        # label: an imported scheme's identity is the IRI (a parent and a child occupation both "Economists").
        Index("uq_topic_concept_candidate_label", "label_key", unique=True,
              sqlite_where=text("status = 'candidate'"), postgresql_where=text("status = 'candidate'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    iri: Mapped[str] = mapped_column(String(500), unique=True)
    label: Mapped[str] = mapped_column(String(200), comment="skos:prefLabel (English)")
    label_key: Mapped[str] = mapped_column(String(200), comment="The label, case- and space-folded, for matching")
    definition: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TopicStatus] = mapped_column(_enum(TopicStatus, "topic_status"), default=TopicStatus.candidate)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("topic_concept.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    private_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"),
        comment="A candidate proposed by tagging a page not everyone may read: only its proposer sees it, "
                "until it is used where everyone may (app.people.topics.visible_filter)")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TopicLabel(Base):
    """A synonym (skos:altLabel) of a topic; no two live topics share a label, ignoring case."""

    __tablename__ = "topic_label"
    __table_args__ = (Index("ix_topic_label_label_key", "label_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("topic_concept.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    label_key: Mapped[str] = mapped_column(String(200))


class TopicBroader(Base):
    """`narrower_id` skos:broader `broader_id` (and so the inverse skos:narrower)."""

    __tablename__ = "topic_broader"
    __table_args__ = (
        CheckConstraint("narrower_id <> broader_id", name="not_self"),
        Index("ix_topic_broader_broader_id", "broader_id"),
    )

    narrower_id: Mapped[int] = mapped_column(ForeignKey("topic_concept.id", ondelete="CASCADE"), primary_key=True)
    broader_id: Mapped[int] = mapped_column(ForeignKey("topic_concept.id", ondelete="CASCADE"), primary_key=True)


class TopicRelated(Base):
    """`topic_id` skos:related `related_id`, stored once per pair (lower id first); the link is symmetric."""

    __tablename__ = "topic_related"
    __table_args__ = (
        CheckConstraint("topic_id < related_id", name="ordered"),
        Index("ix_topic_related_related_id", "related_id"),
    )

    topic_id: Mapped[int] = mapped_column(ForeignKey("topic_concept.id", ondelete="CASCADE"), primary_key=True)
    related_id: Mapped[int] = mapped_column(ForeignKey("topic_concept.id", ondelete="CASCADE"), primary_key=True)


class TopicLanguageLabel(Base):
    """A label in another language than the display one (English or untagged), kept as the scheme gave it
    so that export gives it back: skos:prefLabel or skos:altLabel with its language tag."""

    __tablename__ = "topic_language_label"
    __table_args__ = (
        Index("uq_topic_language_label", "concept_id", "kind", "lang", "label", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("topic_concept.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(4), comment="pref or alt")
    lang: Mapped[str] = mapped_column(String(35), comment="BCP 47 tag as given, e.g. de, fr-CA")
    label: Mapped[str] = mapped_column(String(500))


class TopicChange(Base):
    """One gardening change to the scheme, with who and when, for review."""

    __tablename__ = "topic_change"
    __table_args__ = (Index("ix_topic_change_concept_id", "concept_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                 comment="Null for the seed at start-up")
    action: Mapped[str] = mapped_column(String(40), comment="e.g. candidate, promote, merge, rename, synonym.add")
    concept_id: Mapped[int | None] = mapped_column(ForeignKey("topic_concept.id", ondelete="SET NULL"))
    other_concept_id: Mapped[int | None] = mapped_column(ForeignKey("topic_concept.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


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
