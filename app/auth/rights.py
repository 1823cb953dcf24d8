"""The one rights rule: what a person may do in a space, as a Python answer and as SQL.

Every feature (pages, search, RDF, SPARQL, exports, feeds, reports) asks here, so privacy
holds everywhere. The rule:

- a member has the right of their membership (reader < editor < owner);
- in organisational spaces, admins are owners, managers are readers (oversight), and every
  signed-in user is a reader when the space's visibility is `organisation`;
- personal spaces are private to their owner and the people they share them with: no role,
  not even admin, reads them otherwise.
"""

from __future__ import annotations

import enum

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Role, Space, SpaceKind, SpaceMembership, User, Visibility


class Right(enum.IntEnum):
    none = 0
    read = 1
    edit = 2
    own = 3


MEMBER_RIGHT = {MemberRole.reader: Right.read, MemberRole.editor: Right.edit, MemberRole.owner: Right.own}


def space_right(user: User, space: Space, membership: MemberRole | None) -> Right:
    """The caller's right in a space, from their role, the space and their membership."""
    right = MEMBER_RIGHT[membership] if membership is not None else Right.none
    if space.kind is SpaceKind.organisation:
        if user.role is Role.admin:
            right = max(right, Right.own)
        elif user.role is Role.manager:
            right = max(right, Right.read)
        if space.visibility is Visibility.organisation:
            right = max(right, Right.read)
    return right


def right_in_space(session: Session, user: User, space: Space) -> Right:
    """Look up the caller's membership and apply `space_right`."""
    membership = session.scalar(
        select(SpaceMembership.role).where(
            SpaceMembership.space_id == space.id, SpaceMembership.user_id == user.id
        )
    )
    return space_right(user, space, membership)


def readable_space_ids(user: User) -> Select[tuple[int]]:
    """SQL for the ids of every space the caller may read; the same rule as `space_right`."""
    return select(Space.id).where(readable_space_clause(user))


def readable_space_clause(user: User) -> ColumnElement[bool]:
    """A WHERE clause over `Space` that keeps exactly the spaces the caller may read."""
    is_member = Space.id.in_(select(SpaceMembership.space_id).where(SpaceMembership.user_id == user.id))
    organisational = Space.kind == SpaceKind.organisation
    if user.role in (Role.admin, Role.manager):
        return or_(is_member, organisational)
    return or_(is_member, and_(organisational, Space.visibility == Visibility.organisation))
