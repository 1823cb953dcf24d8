"""Fixtures for the people tests: the seeded topic scheme and a few colleagues."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.people.models import Person
from app.people.service import person_of_user
from tests.factories import Person as Caller
from tests.factories import make_person


@pytest.fixture
def staff(session: Session, scheme: None) -> dict[str, Caller]:
    return {"alice": make_person(session), "ben": make_person(session), "dan": make_person(session),
            "erin": make_person(session), "carol": make_person(session, Role.manager)}


def person_id(session: Session, caller: Caller) -> int:
    person: Person | None = person_of_user(session, caller.id)
    assert person is not None, "every user is a person"
    return person.id


def tag(client, caller: Caller, pid: int, topic: str | int, **fields):
    body = {"topic_id": topic} if isinstance(topic, int) else {"topic": topic}
    return client.post(f"/api/people/{pid}/tags", headers=caller.headers, json={**body, **fields})
