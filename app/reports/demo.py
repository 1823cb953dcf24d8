"""Demo teams and required-expertise profiles (`app/demo/reports.toml`), loaded through the service code
by `mature demo`, so that the manager dashboard opens on a real skills-gap report.

Idempotent: teams and profiles are found by name; an existing one is left alone.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.topics import service as topics
from app.reports import profiles, teams
from app.reports.models import SkillsProfile, Team
from app.reports.schemas import ProfileWrite, RequirementIn, TeamCreate


def load(session: Session, path: Path) -> tuple[int, int]:
    """Add the demo teams (with members) and profiles that are missing; returns (teams, profiles) added."""
    data = tomllib.loads(path.read_text())
    users = {u.username: u for u in session.scalars(select(User))}
    actor = users[data["created_by"]]
    added_teams = sum(_team(session, actor, users, entry) for entry in data.get("teams", []))
    added_profiles = sum(_profile(session, actor, entry) for entry in data.get("profiles", []))
    return added_teams, added_profiles


def _team_named(session: Session, name: str) -> Team | None:
    return session.scalar(select(Team).where(func.lower(Team.name) == name.casefold()))


def _team(session: Session, actor: User, users: dict[str, User], entry: dict[str, Any]) -> int:
    if _team_named(session, entry["name"]) is not None:
        return 0
    team = teams.create_team(session, actor, TeamCreate(name=entry["name"], description=entry.get("description", "")))
    for username in entry.get("members", []):
        teams.add_member(session, team, users[username].id)
    return 1


def _profile(session: Session, actor: User, entry: dict[str, Any]) -> int:
    if session.scalar(select(SkillsProfile.id).where(SkillsProfile.name == entry["name"])):
        return 0
    team = _team_named(session, entry["team"]) if "team" in entry else None
    requirements = []
    for item in entry["topics"]:
        topic = topics.resolve(session, item["topic"])
        assert topic is not None, f"reports.toml names an unknown topic: {item['topic']}"
        requirements.append(RequirementIn(topic_id=topic.id, required_people=item["required_people"],
                                          level=item["level"], priority=item.get("priority", "medium")))
    profiles.create_profile(session, actor, ProfileWrite(
        name=entry["name"], description=entry.get("description", ""), team_id=team.id if team else None,
        topics=requirements))
    return 1
