"""Fixtures of the page tests (pages and their annotations/RDF): two colleagues and a space alice owns and bob edits."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.auth.models import MemberRole
from tests.factories import Person, make_person, make_space


@pytest.fixture
def alice(session: Session) -> Person:
    return make_person(session)


@pytest.fixture
def bob(session: Session) -> Person:
    return make_person(session)


@pytest.fixture
def space_id(session: Session, alice: Person, bob: Person) -> int:
    return make_space(session, alice.user, members={bob.user: MemberRole.editor}).id
