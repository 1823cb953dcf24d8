"""The one rights rule: what a person may do in a space, as a Python answer and as SQL.

Every feature (pages, search, RDF, SPARQL, exports, feeds, reports) asks here, so privacy
holds everywhere. Queries start from the statement builders below (`readable_pages`,
`readable_spaces`, `readable_page_filter`, `readable_space_filter`; the derived stores alone ask
`all_live_pages`); tests/security/test_rights_lint.py fails a query on pages, spaces or a
page-scoped table that is assembled by hand. The rule:

- a member has the right of their membership (reader < editor < owner);
- in organisational spaces, admins are owners, managers are readers (oversight), and every
  signed-in user is a reader when the space's visibility is `organisation`;
- personal spaces are private to their owner and the people they share them with: no role,
  not even admin, reads them otherwise.
"""

from __future__ import annotations

import enum

from typing import Any

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


# ---------------------------------------------------------------- the rule as statements


def caller(user: User) -> User:
    """Refuse a missing caller: asking for "every page" has its own name (`all_live_pages`)."""
    if not isinstance(user, User):
        raise TypeError(f"the rights rule needs the caller (a User), not {user!r}; "
                        "a derived store that needs every page asks all_live_pages()")
    return user


def readable_spaces(user: User, *columns: Any) -> Select[Any]:
    """SELECT the spaces the caller may read (`Space`, or these columns of it)."""
    return select(*(columns or (Space,))).where(readable_space_clause(caller(user)))


def readable_space_ids(user: User) -> Select[tuple[int]]:
    """SQL for the ids of every space the caller may read; the same rule as `space_right`."""
    return readable_spaces(user, Space.id)


def readable_space_filter(user: User, space_id: ColumnElement[Any] | Any) -> ColumnElement[bool]:
    """A WHERE clause keeping the rows whose space column (`Model.space_id`) names a space the caller may read."""
    return space_id.in_(readable_space_ids(user))










def readable_space_clause(user: User) -> ColumnElement[bool]:
    """A WHERE clause over `Space` that keeps exactly the spaces the caller may read (the builders' core:
    outside this module use a builder, which also joins `Space` and leaves out deleted pages)."""
    is_member = Space.id.in_(select(SpaceMembership.space_id).where(SpaceMembership.user_id == user.id))
    organisational = Space.kind == SpaceKind.organisation
    if user.role in (Role.admin, Role.manager):
        return or_(is_member, organisational)
    return or_(is_member, and_(organisational, Space.visibility == Visibility.organisation))


# ---------------------------------------------------------------- the webhook scope


def organisation_wide(space: Space) -> bool:
    """Visible to the whole organisation: an organisational space with organisation visibility."""
    return space.kind is SpaceKind.organisation and space.visibility is Visibility.organisation


def webhook_may_receive(hook_space_id: int | None, event_space: Space, page_space: Space,
                        creator_reads: set[int]) -> bool:
    """Whether a webhook may receive one event (spaces as they are now).

    A space-scoped hook gets the events of pages in its space while its creator may still read it
    (`creator_reads` is `readable_space_ids` of the creator); an organisation-wide hook only events from
    spaces visible to the whole organisation, so members-only and personal pages never leave through it.
    Both the space where the change happened and the page's space now must pass.
    """
    if hook_space_id is None:
        return organisation_wide(event_space) and organisation_wide(page_space)
    return (event_space.id == page_space.id == hook_space_id) and hook_space_id in creator_reads


def visible_webhook_filter(admin: User, hook_space_id: ColumnElement[Any] | Any) -> ColumnElement[bool]:
    """A WHERE clause over webhooks keeping those an admin may see: organisation-wide ones and those of
    spaces they may read."""
    return hook_space_id.is_(None) | readable_space_filter(admin, hook_space_id)
