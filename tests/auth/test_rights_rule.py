"""The one rights rule, `space_right`, as an explicit table over every role, space and membership.

The rule (app/auth/rights.py): a member has the right of their membership; in organisational
spaces admins are owners, managers readers, and everyone a reader when visibility is
`organisation`; a personal space is closed to everyone who is not a member, admins included.
"""

from __future__ import annotations

import itertools

import pytest

from app.auth.models import MemberRole, Role, Space, SpaceKind, User, Visibility
from app.auth.rights import Right, space_right

ORG, PERSONAL = SpaceKind.organisation, SpaceKind.personal
MEMBERS, EVERYONE = Visibility.members, Visibility.organisation
ADVISER, MANAGER, ADMIN = Role.adviser, Role.manager, Role.admin
NONE, READ, EDIT, OWN = Right.none, Right.read, Right.edit, Right.own

MEMBERSHIPS = (None, MemberRole.reader, MemberRole.editor, MemberRole.owner)

# (space kind, visibility, role): the right for membership   None   reader  editor  owner
TABLE: dict[tuple[SpaceKind, Visibility, Role], tuple[Right, Right, Right, Right]] = {
    (PERSONAL, MEMBERS, ADVISER): (NONE, READ, EDIT, OWN),
    (PERSONAL, MEMBERS, MANAGER): (NONE, READ, EDIT, OWN),
    (PERSONAL, MEMBERS, ADMIN): (NONE, READ, EDIT, OWN),
    (PERSONAL, EVERYONE, ADVISER): (NONE, READ, EDIT, OWN),
    (PERSONAL, EVERYONE, MANAGER): (NONE, READ, EDIT, OWN),
    (PERSONAL, EVERYONE, ADMIN): (NONE, READ, EDIT, OWN),
    (ORG, MEMBERS, ADVISER): (NONE, READ, EDIT, OWN),
    (ORG, MEMBERS, MANAGER): (READ, READ, EDIT, OWN),
    (ORG, MEMBERS, ADMIN): (OWN, OWN, OWN, OWN),
    (ORG, EVERYONE, ADVISER): (READ, READ, EDIT, OWN),
    (ORG, EVERYONE, MANAGER): (READ, READ, EDIT, OWN),
    (ORG, EVERYONE, ADMIN): (OWN, OWN, OWN, OWN),
}

CASES = [
    pytest.param(
        kind, visibility, role, membership, expected,
        id=f"{kind.value}-{visibility.value}-{role.value}-{membership.value if membership else 'nonmember'}",
    )
    for (kind, visibility, role), rights in TABLE.items()
    for membership, expected in zip(MEMBERSHIPS, rights, strict=True)
]


def test_table_covers_every_combination() -> None:
    assert set(TABLE) == set(itertools.product(SpaceKind, Visibility, Role))
    assert len(CASES) == 48


@pytest.mark.parametrize(("kind", "visibility", "role", "membership", "expected"), CASES)
def test_space_right(
    kind: SpaceKind, visibility: Visibility, role: Role, membership: MemberRole | None, expected: Right
) -> None:
    user = User(role=role)
    space = Space(kind=kind, visibility=visibility)
    assert space_right(user, space, membership) is expected


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
@pytest.mark.parametrize("visibility", list(Visibility), ids=lambda v: v.value)
def test_nobody_reads_someone_elses_personal_space(role: Role, visibility: Visibility) -> None:
    """The privacy promise in one line: without a membership, a personal space is invisible."""
    space = Space(kind=SpaceKind.personal, visibility=visibility)
    assert space_right(User(role=role), space, None) is Right.none


def test_rights_are_ordered() -> None:
    assert Right.none < Right.read < Right.edit < Right.own
