"""Every role and space right on every page endpoint.

A caller without read rights gets 404 (the page's existence does not leak) and never sees the
page in lists, title look-ups or recent changes; a reader gets 403 on every write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Role, Space, Visibility
from app.pages import service as page_service
from app.pages.models import Page
from tests.factories import Person, make_page, make_person, make_space, personal_space

CALLERS = ["owner", "editor", "reader", "outsider", "manager", "admin"]
SPACES = ["members_only", "organisation_wide", "personal"]

# The rule of app/auth/rights.py, written out: what each caller may do in each kind of space.
EXPECTED_RIGHT = {
    "members_only": {"owner": "own", "editor": "edit", "reader": "read", "outsider": "none",
                     "manager": "read", "admin": "own"},
    "organisation_wide": {"owner": "own", "editor": "edit", "reader": "read", "outsider": "read",
                          "manager": "read", "admin": "own"},
    "personal": {"owner": "own", "editor": "edit", "reader": "read", "outsider": "none",
                 "manager": "none", "admin": "none"},
}
LEVEL = {"none": 0, "read": 1, "edit": 2, "own": 3}


@dataclass
class World:
    people: dict[str, Person]
    spaces: dict[str, Space]


@pytest.fixture
def world(session: Session) -> World:
    people = {
        "owner": make_person(session), "editor": make_person(session), "reader": make_person(session),
        "outsider": make_person(session), "manager": make_person(session, Role.manager),
        "admin": make_person(session, Role.admin),
    }
    members = {people["editor"].user: MemberRole.editor, people["reader"].user: MemberRole.reader}
    spaces = {
        "members_only": make_space(session, people["owner"].user, Visibility.members, members),
        "organisation_wide": make_space(session, people["owner"].user, Visibility.organisation, members),
    }
    mine = personal_space(session, people["owner"].user)
    from app.auth import space_service

    for user, role in members.items():
        space_service.put_member(session, mine, user, role)
    session.commit()
    spaces["personal"] = mine
    return World(people, spaces)


def _page_with_history(session: Session, world: World, space: Space) -> Page:
    """A page with two revisions, a backlink and a wanted link, owned by the space owner."""
    owner = world.people["owner"].user
    page = make_page(session, owner, space, content="Line one\nLine two\n")
    access = page_service.get_access(session, owner, page.id)
    page_service.edit_page(session, owner, access, page_service.PageEdit(
        page.current_revision_id, "Line one\nLine two changed\n", summary="second", on_conflict="fail"))
    make_page(session, owner, space, content=f"See [[{page.title}]] and [[Not written yet]].\n")
    session.commit()
    return page


Check = Callable[[TestClient, Person, Page, Session], int]


def _first_revision(session: Session, page: Page) -> int:
    return page_service.list_revisions(session, page, before_number=None, limit=10)[-1].id


READS: dict[str, Check] = {
    "read page": lambda c, p, page, s: c.get(f"/api/pages/{page.id}", headers=p.headers).status_code,
    "history": lambda c, p, page, s: c.get(f"/api/pages/{page.id}/revisions", headers=p.headers).status_code,
    "one revision": lambda c, p, page, s: c.get(
        f"/api/pages/{page.id}/revisions/{page.current_revision_id}", headers=p.headers).status_code,
    "diff": lambda c, p, page, s: c.get(
        f"/api/pages/{page.id}/diff?from={_first_revision(s, page)}&to={page.current_revision_id}",
        headers=p.headers).status_code,
    "backlinks": lambda c, p, page, s: c.get(f"/api/pages/{page.id}/backlinks", headers=p.headers).status_code,
    "by title": lambda c, p, page, s: c.get(
        f"/api/spaces/{page.space_id}/pages/{page.title}", headers=p.headers).status_code,
    "wanted pages": lambda c, p, page, s: c.get(
        f"/api/spaces/{page.space_id}/wanted-pages", headers=p.headers).status_code,
}

WRITES: dict[str, tuple[Check, int]] = {
    "edit": (lambda c, p, page, s: c.patch(f"/api/pages/{page.id}", headers=p.headers, json={
        "content": "Edited\n", "base_revision": page.current_revision_id}).status_code, 200),
    "revert": (lambda c, p, page, s: c.post(f"/api/pages/{page.id}/revert", headers=p.headers, json={
        "revision_id": _first_revision(s, page)}).status_code, 200),
    "move": (lambda c, p, page, s: c.post(f"/api/pages/{page.id}/move", headers=p.headers, json={
        "title": page.title + " renamed"}).status_code, 200),
    "delete": (lambda c, p, page, s: c.delete(f"/api/pages/{page.id}", headers=p.headers).status_code, 204),
    "create": (lambda c, p, page, s: c.post("/api/pages", headers=p.headers, json={
        "space_id": page.space_id, "title": page.title + " sibling"}).status_code, 201),
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("space_name", SPACES)
def test_every_page_endpoint_follows_the_rights_rule(client: TestClient, session: Session, world: World,
                                                     space_name: str, caller: str) -> None:
    person, space = world.people[caller], world.spaces[space_name]
    level = LEVEL[EXPECTED_RIGHT[space_name][caller]]
    mismatches: list[str] = []

    page = _page_with_history(session, world, space)
    for name, check in READS.items():
        status = check(client, person, page, session)
        expected = 200 if level >= 1 else 404
        if status != expected:
            mismatches.append(f"{name}: {status}, expected {expected}")

    for name, (check, ok_status) in WRITES.items():
        page = _page_with_history(session, world, space)
        status = check(client, person, page, session)
        expected = ok_status if level >= 2 else (403 if level == 1 else 404)
        if name == "create" and level == 0:
            expected = 404  # the space itself is not found for them
        if status != expected:
            mismatches.append(f"{name}: {status}, expected {expected}")

    page = _page_with_history(session, world, space)
    client.delete(f"/api/pages/{page.id}", headers=world.people["owner"].headers)
    status = client.post(f"/api/pages/{page.id}/restore", headers=person.headers).status_code
    expected = 200 if level >= 2 else (403 if level == 1 else 404)
    if status != expected:
        mismatches.append(f"restore: {status}, expected {expected}")

    assert not mismatches, f"{caller} in {space_name}: " + "; ".join(mismatches)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("space_name", SPACES)
def test_lists_and_recent_changes_show_only_readable_pages(client: TestClient, session: Session, world: World,
                                                          space_name: str, caller: str) -> None:
    person, space = world.people[caller], world.spaces[space_name]
    page = _page_with_history(session, world, space)
    visible = LEVEL[EXPECTED_RIGHT[space_name][caller]] >= 1

    listed = [item["id"] for item in client.get("/api/pages?limit=200", headers=person.headers).json()["items"]]
    changes = client.get("/api/recent-changes?limit=200", headers=person.headers).json()["items"]
    changed_pages = {change["page_id"] for change in changes}
    spaces = {s["id"] for s in client.get("/api/spaces", headers=person.headers).json()["items"]}

    assert (page.id in listed) is visible
    assert (page.id in changed_pages) is visible
    assert (space.id in spaces) is visible
    if not visible:
        assert all(page.title not in (change["page_title"] or "") for change in changes)


def test_private_page_stays_invisible_to_a_colleague(client: TestClient, session: Session) -> None:
    """The issue's own scenario: Alice's private draft cannot be seen, read, diffed or found by Ben."""
    alice, ben = make_person(session), make_person(session)
    draft = make_page(session, alice.user, personal_space(session, alice.user), title="Offshore wind notes",
                      content="Private first thoughts\n")
    base = draft.current_revision_id
    client.patch(f"/api/pages/{draft.id}", headers=alice.headers,
                 json={"content": "Private second thoughts\n", "base_revision": base})

    for url in (f"/api/pages/{draft.id}", f"/api/pages/{draft.id}/revisions",
                f"/api/pages/{draft.id}/diff?from={base}", f"/api/pages/{draft.id}/revisions/{base}",
                f"/api/spaces/{draft.space_id}/pages/Offshore wind notes"):
        response = client.get(url, headers=ben.headers)
        assert response.status_code == 404, url
        assert "thoughts" not in response.text  # (the title appears only where Ben typed it, in the URL)

    feed = client.get("/api/recent-changes", headers=ben.headers).json()["items"]
    assert all(change["page_id"] != draft.id for change in feed)
    assert client.get(f"/api/pages/{draft.id}", headers=alice.headers).status_code == 200
