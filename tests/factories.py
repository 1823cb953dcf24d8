"""Plain factory functions for arranging tests (committed inside the test's outer transaction)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import service as account_service
from app.auth import space_service
from app.auth.models import MemberRole, Role, Space, TokenKind, User, Visibility
from app.auth.schemas import SpaceCreate
from app.pages import service as page_service
from app.pages.models import Page
from app.people.models import Person as PersonRecord
from tests.conftest import SECRET

_counter = itertools.count(1)


@dataclass
class Person:
    """A user and a bearer token for them, with the headers to send."""

    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def id(self) -> int:
        return self.user.id


def make_user(session: Session, role: Role = Role.adviser, username: str | None = None,
              password: str | None = "correct horse battery") -> User:
    username = username or f"user{next(_counter)}"
    user = account_service.create_user(session, username, username.title(), role, password)
    session.commit()
    return user


def make_person(session: Session, role: Role = Role.adviser, username: str | None = None) -> Person:
    user = make_user(session, role, username)
    issued = account_service.issue_token(session, SECRET, user, TokenKind.personal, "test", None)
    session.commit()
    return Person(user, issued.token)


def users_with_tokens(session: Session, n: int, name: str, role: Role = Role.adviser) -> tuple[list[User], list[str]]:
    """The callers of a live-server test: users name0 .. name{n-1} ('Name 0' ...) without passwords, and a personal
    token for each. Not committed: the caller's `database.transaction()` commits them with the rest of the setup."""
    users = [account_service.create_user(session, f"{name}{i}", f"{name.title()} {i}", role, None) for i in range(n)]
    tokens = [account_service.issue_token(session, SECRET, u, TokenKind.personal, "t", None).token for u in users]
    return users, tokens


def person_ids(session: Session, users: list[User]) -> list[int]:
    """The people-directory entries (app.people Person) made with these users, in the same order."""
    session.flush()
    return [session.scalar(select(PersonRecord.id).where(PersonRecord.user_id == u.id)) for u in users]


def make_space(session: Session, owner: User, visibility: Visibility = Visibility.members,
               members: dict[User, MemberRole] | None = None, key: str | None = None) -> Space:
    space = space_service.create_space(session, owner, SpaceCreate(
        key=key or f"space-{next(_counter)}", name="Test space", visibility=visibility))
    for user, role in (members or {}).items():
        space_service.put_member(session, space, user, role)
    session.commit()
    return space


def personal_space(session: Session, user: User) -> Space:
    space_id = account_service.personal_space_id(session, user)
    return session.get(Space, space_id)


def make_page(session: Session, author: User, space: Space, title: str | None = None,
              content: str = "Some LMI notes.\n", categories: list[str] | None = None) -> Page:
    page = page_service.create_page(session, author, space.id, title or f"Page {next(_counter)}", content,
                                    categories or [], "created by a test")
    session.commit()
    return page


def post_page(client: TestClient, person: Person, space_id: int, title: str, content: str = "Notes.\n",
              **extra: Any) -> dict:
    """Create a page through the API, as a widget does; anything but 201 fails the test with the answer."""
    response = client.post("/api/pages", headers=person.headers,
                           json={"space_id": space_id, "title": title, "content": content, **extra})
    assert response.status_code == 201, response.text
    return response.json()
