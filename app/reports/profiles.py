"""Required-expertise profiles: what the organisation or a team needs, topic by topic."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import utcnow
from app.topics import service as topics
from app.topics.models import TopicConcept
from app.people.service import topic_ref
from app.reports import teams
from app.reports.exceptions import InvalidProfile, ProfileNotFound
from app.reports.models import Priority, SkillsProfile, SkillsProfileTopic, Team
from app.reports.schemas import ProfileRead, ProfileRef, ProfileWrite, RequirementRead, TeamRef


def get_profile(session: Session, profile_id: int) -> SkillsProfile:
    profile = session.get(SkillsProfile, profile_id)
    if profile is None:
        raise ProfileNotFound(f"There is no skills profile {profile_id}.")
    return profile


def list_profiles(session: Session, team_id: int | None, offset: int, limit: int) -> list[SkillsProfile]:
    query = select(SkillsProfile)
    if team_id is not None:
        query = query.where(SkillsProfile.team_id == team_id)
    return list(session.scalars(query.order_by(SkillsProfile.name, SkillsProfile.id).offset(offset).limit(limit)))


def requirements(session: Session, profile: SkillsProfile) -> list[SkillsProfileTopic]:
    return list(session.scalars(select(SkillsProfileTopic).where(SkillsProfileTopic.profile_id == profile.id)))


def _team_of(session: Session, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = session.get(Team, team_id)
    if team is None:
        raise InvalidProfile(f"team_id: there is no team {team_id}; create it with POST /api/teams, or leave "
                             "team_id out for the whole organisation.")
    return team


def _live_topics(session: Session, actor: User, body: ProfileWrite) -> dict[int, TopicConcept]:
    """Requested topic id -> the live topic it means (merged topics redirect); refuses unknown ids (and
    others' private candidates)."""
    ids = [r.topic_id for r in body.topics]
    found = {t.id: t for t in session.scalars(select(TopicConcept).where(TopicConcept.id.in_(ids),
                                                                         topics.visible_filter(actor)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidProfile(f"topics: there is no topic {', '.join(map(str, missing))}; find topics with "
                             "GET /api/topics.")
    live = {i: topics.follow(session, found[i]) for i in ids}
    seen: dict[int, int] = {}
    for requested, topic in live.items():
        if topic.id in seen:
            raise InvalidProfile(f"topics: topics {seen[topic.id]} and {requested} are the same topic "
                                 f"'{topic.label}' (one was merged into the other); give it once.")
        seen[topic.id] = requested
    return live


def _write_topics(session: Session, actor: User, profile: SkillsProfile, body: ProfileWrite) -> None:
    live = _live_topics(session, actor, body)
    session.execute(delete(SkillsProfileTopic).where(SkillsProfileTopic.profile_id == profile.id))
    session.add_all(SkillsProfileTopic(profile_id=profile.id, concept_id=live[r.topic_id].id,
                                       required_people=r.required_people, level=r.level,
                                       priority=Priority(r.priority)) for r in body.topics)
    session.flush()


def create_profile(session: Session, actor: User, body: ProfileWrite) -> SkillsProfile:
    """A new profile with its topics, in the caller's transaction."""
    team = _team_of(session, body.team_id)
    now = utcnow()
    profile = SkillsProfile(name=body.name, description=body.description.strip(), team_id=team.id if team else None,
                            created_by_id=actor.id, created_at=now, updated_at=now)
    session.add(profile)
    session.flush()
    _write_topics(session, actor, profile, body)
    return profile


def replace_profile(session: Session, actor: User, profile: SkillsProfile, body: ProfileWrite) -> SkillsProfile:
    """Replace the profile's name, team and every topic (snapshots keep what it was)."""
    team = _team_of(session, body.team_id)
    profile.name, profile.description = body.name, body.description.strip()
    profile.team_id, profile.updated_at = (team.id if team else None), utcnow()
    _write_topics(session, actor, profile, body)
    return profile


def delete_profile(session: Session, profile: SkillsProfile) -> None:
    session.delete(profile)
    session.flush()


def profile_ref(session: Session, profile: SkillsProfile) -> ProfileRef:
    team = teams.get_team(session, profile.team_id) if profile.team_id is not None else None
    return ProfileRef(id=profile.id, name=profile.name, team=TeamRef(id=team.id, name=team.name) if team else None)


def profile_read(session: Session, profile: SkillsProfile) -> ProfileRead:
    rows = requirements(session, profile)
    concepts = {t.id: t for t in session.scalars(select(TopicConcept).where(
        TopicConcept.id.in_([r.concept_id for r in rows])))}
    reads = sorted((RequirementRead(topic=topic_ref(concepts[r.concept_id]), required_people=r.required_people,
                                    level=r.level, priority=r.priority.value) for r in rows),
                   key=lambda r: r.topic.label.casefold())
    return ProfileRead(id=profile.id, name=profile.name, description=profile.description,
                       team=profile_ref(session, profile).team, topics=reads, created_at=profile.created_at,
                       updated_at=profile.updated_at)
