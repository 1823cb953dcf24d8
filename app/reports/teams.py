"""Teams: groups of users that managers plan expertise for."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import utcnow
from app.reports.exceptions import MemberNotFound, TeamNameTaken, TeamNotFound, UserNotFound
from app.reports.models import Team, TeamMember
from app.reports.schemas import TeamCreate, TeamMemberRead, TeamRead, TeamUpdate


def get_team(session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise TeamNotFound(f"There is no team {team_id}.")
    return team


def team_reads(session: Session, teams: list[Team]) -> list[TeamRead]:
    """Teams with their member counts, in one query for the counts."""
    counts = dict(session.execute(select(TeamMember.team_id, func.count()).where(
        TeamMember.team_id.in_([t.id for t in teams])).group_by(TeamMember.team_id)).all())
    return [TeamRead(id=t.id, name=t.name, description=t.description, members=counts.get(t.id, 0),
                     created_at=t.created_at) for t in teams]


def list_teams(session: Session, offset: int, limit: int) -> list[Team]:
    return list(session.scalars(select(Team).order_by(func.lower(Team.name), Team.id).offset(offset).limit(limit)))


def _ensure_name_free(session: Session, name: str, team_id: int | None = None) -> None:
    other = session.scalar(select(Team).where(func.lower(Team.name) == name.casefold()))
    if other is not None and other.id != team_id:
        raise TeamNameTaken(f"There is already a team called '{other.name}' (team {other.id}); choose another name.",
                            team_id=other.id)


def _flush_name(session: Session, name: str) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # a colleague took the name at the same moment
        raise TeamNameTaken(f"There is already a team called '{name}'; choose another name.") from None


def create_team(session: Session, actor: User, body: TeamCreate) -> Team:
    _ensure_name_free(session, body.name)
    team = Team(name=body.name, description=body.description.strip(), created_by_id=actor.id, created_at=utcnow())
    session.add(team)
    _flush_name(session, body.name)
    return team


def update_team(session: Session, team: Team, body: TeamUpdate) -> Team:
    if body.name is not None and body.name != team.name:
        _ensure_name_free(session, body.name, team.id)
        team.name = body.name
    if body.description is not None:
        team.description = body.description.strip()
    _flush_name(session, team.name)
    return team


def delete_team(session: Session, team: Team) -> None:
    """Delete the team with its memberships and its profiles (and their snapshots)."""
    session.delete(team)
    session.flush()


def members(session: Session, team: Team) -> list[TeamMemberRead]:
    rows = session.execute(select(User, TeamMember.added_at).join(TeamMember, TeamMember.user_id == User.id)
                           .where(TeamMember.team_id == team.id).order_by(func.lower(User.display_name), User.id))
    return [TeamMemberRead(user_id=user.id, username=user.username, display_name=user.display_name, added_at=added)
            for user, added in rows]


def add_member(session: Session, team: Team, user_id: int) -> TeamMemberRead:
    """Put a user in the team; adding someone already in it changes nothing."""
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFound(f"There is no user {user_id}; user ids are listed at GET /api/users.")
    member = session.get(TeamMember, (team.id, user.id))
    if member is None:
        member = TeamMember(team_id=team.id, user_id=user.id, added_at=utcnow())
        try:
            with session.begin_nested():
                session.add(member)
        except IntegrityError:  # added by a colleague at the same moment
            member = session.get(TeamMember, (team.id, user.id))
    return TeamMemberRead(user_id=user.id, username=user.username, display_name=user.display_name,
                          added_at=member.added_at)


def remove_member(session: Session, team: Team, user_id: int) -> None:
    member = session.get(TeamMember, (team.id, user_id))
    if member is None:
        raise MemberNotFound(f"User {user_id} is not in the team '{team.name}'.")
    session.delete(member)
    session.flush()
