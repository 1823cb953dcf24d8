"""The topic scheme: concepts, synonyms, hierarchy, labels in other languages, and its gardening log.

The scheme lives in the database so that it can grow with the tags (candidates, merges, synonyms);
`ontology/topics.ttl` seeds it through the same SKOS import any other scheme uses.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.models import _enum
from app.db import Base, utcnow


class TopicStatus(str, enum.Enum):
    """Where a topic is in its life: proposed by a free-text tag, part of the scheme, or merged away."""

    candidate = "candidate"
    concept = "concept"
    merged = "merged"


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
                "until it is used where everyone may (app.topics.service.visible_filter)")
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
