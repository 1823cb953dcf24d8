"""Teams, required-expertise profiles and the snapshots of their skills-gap reports."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.models import _enum
from app.db import Base, utcnow


class Priority(str, enum.Enum):
    """How much a required topic matters to the manager: reports list high first."""

    high = "high"
    medium = "medium"
    low = "low"


class Team(Base):
    """A group of users a manager plans for (a local office, a specialist team)."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TeamMember(Base):
    """A user in a team; a user may be in several teams."""

    __tablename__ = "team_member"
    __table_args__ = (Index("ix_team_member_user_id", "user_id"),)

    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class SkillsProfile(Base):
    """The expertise the organisation (`team_id` null) or one team needs."""

    __tablename__ = "skills_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True,
                                                comment="Null: the whole organisation")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SkillsProfileTopic(Base):
    """One requirement: `required_people` people at `level` or above in the topic (narrower topics count)."""

    __tablename__ = "skills_profile_topic"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level_1_to_5"),
        CheckConstraint("required_people >= 1", name="at_least_one_person"),
        Index("ix_skills_profile_topic_concept_id", "concept_id"),
    )

    profile_id: Mapped[int] = mapped_column(ForeignKey("skills_profile.id", ondelete="CASCADE"), primary_key=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("topic_concept.id", ondelete="CASCADE"), primary_key=True)
    required_people: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(SmallInteger, comment="1 aware of it ... 5 can change how we do it")
    priority: Mapped[Priority] = mapped_column(_enum(Priority, "priority"), default=Priority.medium)


class ReportSnapshot(Base):
    """A profile's report as it stood when taken, so later reports can show the change.

    `body` is the report's JSON; people who had hidden their profile are only counted in it, never named.
    """

    __tablename__ = "report_snapshot"
    __table_args__ = (Index("ix_report_snapshot_profile_id_taken_at", "profile_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("skills_profile.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                    comment="Null for the nightly snapshot")
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
