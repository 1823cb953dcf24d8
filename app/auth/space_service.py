"""Spaces and memberships, always seen through the rights rule."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from app import changelog
from app.auth.exceptions import MembershipRuleBroken, SpaceKeyTaken, SpaceNotFound, SpaceRightRequired
from app.auth.models import MemberRole, Space, SpaceKind, SpaceMembership, User
from app.auth.rights import Right, readable_spaces, right_in_space
from app.auth.schemas import SpaceCreate, SpaceUpdate


def list_readable(session: Session, user: User, offset: int = 0, limit: int | None = None) -> list[tuple[Space, Right]]:
    """The spaces the caller may read (from `offset`, at most `limit`), with their right in each."""
    spaces = session.scalars(readable_spaces(user)
                             .order_by(Space.kind, Space.name, Space.id).offset(offset).limit(limit))
    return [(space, right_in_space(session, user, space)) for space in spaces]


def get_space(session: Session, user: User, space_id: int, need: Right = Right.read) -> tuple[Space, Right]:
    """Load a space the caller may read (else 404, so its existence does not leak), checking `need`."""
    space = session.get(Space, space_id)
    right = right_in_space(session, user, space) if space is not None else Right.none
    if space is None or right < Right.read:
        raise SpaceNotFound(f"There is no space {space_id} that you can read.")
    if right < need:
        raise SpaceRightRequired(
            f"You need {need.name} rights in the space '{space.key}' for this; you have {right.name}. "
            "Ask one of its owners."
        )
    return space, right


def create_space(session: Session, user: User, data: SpaceCreate) -> Space:
    """Create an organisational space with the caller as its first owner."""
    if session.scalar(select(Space.id).where(Space.key == data.key)) is not None:
        raise SpaceKeyTaken(f"The space key '{data.key}' is already in use; choose another.")
    space = Space(key=data.key, name=data.name, description=data.description,
                  kind=SpaceKind.organisation, visibility=data.visibility)
    session.add(space)
    session.flush()
    session.add(SpaceMembership(space_id=space.id, user_id=user.id, role=MemberRole.owner))
    session.flush()
    return space


SPACE_CHANGES = {"name": "space.renamed", "description": "space.described", "visibility": "space.visibility_changed"}


def update_space(session: Session, actor: User, space: Space, data: SpaceUpdate) -> Space:
    """Rename, describe or change who may read an organisational space (each change logged: pages show the name)."""
    if data.visibility is not None and data.visibility is not space.visibility and space.kind is SpaceKind.personal:
        raise MembershipRuleBroken(
            "A personal space stays private; share it by adding members instead.", status=422
        )
    for field, kind in SPACE_CHANGES.items():
        value = getattr(data, field)
        old = getattr(space, field)
        if value is not None and value != old:
            setattr(space, field, value)
            changelog.record(session, kind, actor_id=actor.id, space_id=space.id,
                             summary=f"{field} of '{space.key}' changed", **{"from": _plain(old), "to": _plain(value)})
    session.flush()
    return space


def _plain(value: object) -> object:
    return getattr(value, "value", value)  # an enum as its value, for the log's JSON


def list_members(session: Session, space: Space) -> list[SpaceMembership]:
    return list(session.scalars(
        select(SpaceMembership).where(SpaceMembership.space_id == space.id)
        .join(SpaceMembership.user).order_by(User.username)
        .options(contains_eager(SpaceMembership.user))
    ))


def put_member(session: Session, space: Space, member: User, role: MemberRole,
               actor: User | None = None) -> SpaceMembership:
    """Add a member or change their role; the owner of a personal space stays its owner."""
    if space.kind is SpaceKind.personal and member.id == space.owner_id and role is not MemberRole.owner:
        raise MembershipRuleBroken("The owner of a personal space cannot be demoted.")
    membership = session.get(SpaceMembership, (space.id, member.id))
    if membership is None:
        membership = SpaceMembership(space_id=space.id, user_id=member.id, role=role)
        session.add(membership)
        _log_membership(session, "space.member_added", actor, space, member, role)
    elif membership.role is not role:
        if membership.role is MemberRole.owner and role is not MemberRole.owner:
            _keep_an_owner(session, space)
        membership.role = role
        _log_membership(session, "space.member_role_changed", actor, space, member, role)
    session.flush()
    return membership


def _log_membership(session: Session, kind: str, actor: User | None, space: Space, member: User,
                    role: MemberRole | None) -> None:
    changelog.record(session, kind, actor_id=actor.id if actor else None, space_id=space.id,
                     summary=f"{member.username} in '{space.key}'", user_id=member.id,
                     role=role.value if role else None)


def remove_member(session: Session, space: Space, member: User, actor: User | None = None) -> None:
    """Remove a member; a space keeps at least one owner and a personal space its person."""
    if space.kind is SpaceKind.personal and member.id == space.owner_id:
        raise MembershipRuleBroken("The owner of a personal space cannot be removed from it.")
    membership = session.get(SpaceMembership, (space.id, member.id))
    if membership is None:
        raise SpaceNotFound(f"User {member.id} is not a member of the space '{space.key}'.")
    if membership.role is MemberRole.owner:
        _keep_an_owner(session, space)
    session.delete(membership)
    _log_membership(session, "space.member_removed", actor, space, member, None)
    session.flush()


def _keep_an_owner(session: Session, space: Space) -> None:
    owners = session.scalar(
        select(func.count()).where(SpaceMembership.space_id == space.id, SpaceMembership.role == MemberRole.owner)
    )
    if owners <= 1:
        raise MembershipRuleBroken(
            f"The space '{space.key}' would have no owner left; make someone else an owner first."
        )
