"""The authorisation matrix, generated from the OpenAPI document: every operation × every role × every kind of
resource (the caller's own, a colleague's in a shared space, someone else's private space, a members-only space
the caller is not in, an organisation-visible space the caller is not in), asserting allow or deny.

Each operation is classified in RULES; a new operation that is not fails `test_every_operation_is_classified`,
so the matrix stays complete. Expected answers follow docs/api-conventions.md and app/auth/rights.py:
something the caller may not read is 404 (exactly as if it did not exist); something they may read but not
change is 403; a role-only operation is 403 for lower roles; every operation but sign-in and /health is 401
without a token. "Allowed" means the request got past every check: a 2xx, or an answer about the request
itself (409 conflict, 410 gone, 422 ...), never 401/403/404 and never a 5xx. Every request runs inside a
savepoint that is rolled back, so all cells see the same data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.auth.models import MemberRole, Role, Visibility
from app.auth.rights import Right, right_in_space
from app.main import create_app
from app.pages.models import Page
from app.people.models import Person as PersonRow
from app.topics import skos
from app.topics.models import TopicConcept
from tests.conftest import TransactionalDatabase, openapi_document, settings_for
from tests.factories import Person, make_page, make_person, make_space, personal_space

ROLES = (Role.adviser, Role.manager, Role.admin)
PAGE_CLASSES = ("own", "shared", "private", "other", "open")
ALLOWED_ERRORS = {400, 405, 406, 409, 410, 412, 415, 422, 428}
MISSING = 999_999_999


# ---------------------------------------------------------------- the world every cell runs against


@dataclass(frozen=True)
class PageRef:
    id: int
    title: str
    current_revision_id: int


@dataclass
class World:
    callers: dict[Role, Person]
    colleague: Person
    outsider: Person
    spaces: dict[tuple[Role, str], int] = field(default_factory=dict)   # (caller role, class) -> space id
    pages: dict[tuple[Role, str], PageRef] = field(default_factory=dict)  # (caller role, class) -> page
    ids: dict[str, Any] = field(default_factory=dict)                   # everything else, by name

    def page(self, role: Role, cls: str) -> PageRef:
        return self.pages[(role, cls)]


def build_world(session, client: TestClient) -> World:
    """Three callers (one per role), a colleague who shares a space with them, and an outsider."""
    callers = {role: make_person(session, role) for role in ROLES}
    colleague, outsider = make_person(session), make_person(session)
    shared = make_space(session, colleague.user, members={p.user: MemberRole.editor for p in callers.values()})
    other = make_space(session, outsider.user, Visibility.members)
    open_ = make_space(session, outsider.user, Visibility.organisation)
    world = World(callers, colleague, outsider)
    common = {
        "shared": (shared, ref(make_page(session, colleague.user, shared, "Shared notes", "Shared [[Missing one]].\n"))),
        "private": (personal_space(session, outsider.user),
                    ref(make_page(session, outsider.user, personal_space(session, outsider.user), "Private notes"))),
        "other": (other, ref(make_page(session, outsider.user, other, "Other space notes"))),
        "open": (open_, ref(make_page(session, outsider.user, open_, "Open space notes"))),
    }
    for role, caller in callers.items():
        own_space = personal_space(session, caller.user)
        world.spaces[(role, "own")] = own_space.id
        world.pages[(role, "own")] = ref(make_page(session, caller.user, own_space, "My notes"))
        for cls, (space, page) in common.items():
            world.spaces[(role, cls)] = space.id
            world.pages[(role, cls)] = page
    return world


def ref(page: Page) -> PageRef:
    return PageRef(page.id, page.title, page.current_revision_id)


def api(client: TestClient, person: Person, method: str, url: str, **kwargs: Any) -> dict:
    response = client.request(method, url, headers=person.headers, **kwargs)
    assert response.status_code < 300, (method, url, response.text)
    return response.json() if response.content else {}


def person_id(session, user_id: int) -> int:
    return session.scalar(select(PersonRow.id).where(PersonRow.user_id == user_id))


# ---------------------------------------------------------------- expectations


def right_of(session, world: World, role: Role, cls: str) -> Right:
    from app.auth.models import Space

    return right_in_space(session, world.callers[role].user, session.get(Space, world.spaces[(role, cls)]))


def by_right(need: Right) -> Callable[[Any, World, Role, str], int | None]:
    """None (allowed) with the right; 403 when the caller may read but needs more; 404 when they may not read."""
    def expect(session, world: World, role: Role, cls: str) -> int | None:
        right = right_of(session, world, role, cls)
        if right >= need:
            return None
        return 403 if right >= Right.read else 404
    return expect


def by_role(*allowed: Role) -> Callable[[Any, World, Role, str], int | None]:
    return lambda session, world, role, cls: None if role in allowed else 403


def anyone(session, world: World, role: Role, cls: str) -> int | None:
    return None


def readable_and_role(*allowed: Role) -> Callable[[Any, World, Role, str], int | None]:
    """A page rule plus a role: unreadable is 404 for everyone (its existence never shows), then the role."""
    read = by_right(Right.read)

    def expect(session, world: World, role: Role, cls: str) -> int | None:
        return read(session, world, role, cls) or (None if role in allowed else 403)
    return expect


def mine_only(status: int) -> Callable[[Any, World, Role, str], int | None]:
    """Own resources: allowed for 'own'; someone else's answers `status` whatever the role."""
    return lambda session, world, role, cls: None if cls == "own" else status


def mine_or_roles(status: int, *roles: Role) -> Callable[[Any, World, Role, str], int | None]:
    return lambda session, world, role, cls: None if cls == "own" or role in roles else status


MANAGERS = (Role.manager, Role.admin)


@dataclass
class Rule:
    expect: Callable[[Any, World, Role, str], int | None]
    classes: tuple[str, ...] = ("own",)
    path: Callable[[World, Role, str], dict[str, Any]] = lambda w, r, c: {}
    query: Callable[[World, Role, str], dict[str, Any]] = lambda w, r, c: {}
    body: Callable[[World, Role, str], Any] = lambda w, r, c: None
    content_type: str | None = None
    anonymous: bool = False   # works without a token
    missing: tuple[str, ...] = ()  # path parameters whose nonexistent value must answer like an unreadable one
    needs: tuple[str, ...] = ()  # world preparations (see PREPARE)
    absent: str | None = None  # the title of a 404 that means "found the resource, it has none of these"


def page_path(w: World, r: Role, c: str) -> dict[str, Any]:
    return {"page_id": w.page(r, c).id}


def page_rev_path(w: World, r: Role, c: str) -> dict[str, Any]:
    return {"page_id": w.page(r, c).id, "revision_id": w.page(r, c).current_revision_id}


def space_path(w: World, r: Role, c: str) -> dict[str, Any]:
    return {"space_id": w.spaces[(r, c)]}


def page_rule(need: Right, **kwargs: Any) -> Rule:
    return Rule(by_right(need), PAGE_CLASSES, kwargs.pop("path", page_path), missing=("page_id",), **kwargs)


def space_rule(need: Right, **kwargs: Any) -> Rule:
    return Rule(by_right(need), PAGE_CLASSES, kwargs.pop("path", space_path), missing=("space_id",), **kwargs)


def any_user(**kwargs: Any) -> Rule:
    return Rule(anyone, **kwargs)


def managers(**kwargs: Any) -> Rule:
    return Rule(by_role(*MANAGERS), **kwargs)


def admins(**kwargs: Any) -> Rule:
    return Rule(by_role(Role.admin), **kwargs)


def ids(name: str, key: str | None = None) -> Callable[[World, Role, str], dict[str, Any]]:
    return lambda w, r, c: {key or name: w.ids[name]}


def own_or_other(name: str, key: str) -> Callable[[World, Role, str], dict[str, Any]]:
    """The caller's own resource for 'own', the outsider's for 'other'."""
    return lambda w, r, c: {key: w.ids[name][r] if c == "own" else w.ids[name]["outsider"]}


OWN_OTHER = ("own", "other")
PROFILE_BODY = lambda w, r, c: {"name": "Skills gap", "team_id": w.ids["team"], "topics": [
    {"topic_id": w.ids["topic"], "level": 3, "priority": "high", "required_people": 1}]}

RULES: dict[tuple[str, str], Rule] = {
    # accounts
    ("POST", "/api/auth/token"): Rule(anyone, anonymous=True, body=lambda w, r, c: {
        "username": w.callers[r].user.username, "password": "correct horse battery"}),
    ("POST", "/api/auth/logout"): any_user(),
    ("GET", "/api/users/me"): any_user(),
    ("GET", "/api/users"): any_user(),
    ("POST", "/api/users"): admins(body=lambda w, r, c: {
        "username": f"new{r.value}", "display_name": "New", "password": "correct horse battery"}),
    ("GET", "/api/users/{user_id}"): any_user(path=lambda w, r, c: {"user_id": w.colleague.id}),
    ("PATCH", "/api/users/{user_id}"): Rule(
        mine_or_roles(403, Role.admin), OWN_OTHER, body=lambda w, r, c: {"display_name": "Renamed"},
        path=lambda w, r, c: {"user_id": w.callers[r].id if c == "own" else w.colleague.id}),
    ("POST", "/api/users/me/password"): any_user(body=lambda w, r, c: {
        "current_password": "correct horse battery", "new_password": "kittiwakes nest on the tyne"}),
    ("POST", "/api/users/{user_id}/password"): admins(path=lambda w, r, c: {"user_id": w.colleague.id},
                                                      body=lambda w, r, c: {"new_password": "kittiwakes nest on the tyne"}),
    ("GET", "/api/tokens"): any_user(),
    ("POST", "/api/tokens"): any_user(body=lambda w, r, c: {"name": "widget"}),
    ("DELETE", "/api/tokens/{token_id}"): Rule(mine_or_roles(404, Role.admin), OWN_OTHER,  # admins may revoke anyone's
                                               own_or_other("token", "token_id"), needs=("tokens",)),
    # spaces
    ("GET", "/api/spaces"): any_user(),
    ("POST", "/api/spaces"): managers(body=lambda w, r, c: {"key": f"new-{r.value}", "name": "New"}),
    ("GET", "/api/spaces/{space_id}"): space_rule(Right.read),
    ("PATCH", "/api/spaces/{space_id}"): space_rule(Right.own, body=lambda w, r, c: {"name": "Renamed"}),
    ("GET", "/api/spaces/{space_id}/members"): space_rule(Right.read),
    ("PUT", "/api/spaces/{space_id}/members/{user_id}"): space_rule(
        Right.own, path=lambda w, r, c: {**space_path(w, r, c), "user_id": w.ids["spare"]},
        body=lambda w, r, c: {"role": "reader"}),
    ("DELETE", "/api/spaces/{space_id}/members/{user_id}"): space_rule(
        Right.own, path=lambda w, r, c: {**space_path(w, r, c), "user_id": w.ids["member"][c]}, needs=("members",)),
    ("GET", "/api/spaces/{space_id}/pages/{title}"): space_rule(
        Right.read, path=lambda w, r, c: {**space_path(w, r, c), "title": w.page(r, c).title}),
    ("GET", "/api/spaces/{space_id}/wanted-pages"): space_rule(Right.read),
    ("POST", "/api/spaces/{space_id}/preview"): space_rule(Right.read, body=lambda w, r, c: {"content": "A *draft*."}),
    # pages
    ("POST", "/api/pages"): space_rule(Right.edit, path=lambda w, r, c: {}, body=lambda w, r, c: {
        "space_id": w.spaces[(r, c)], "title": "A new page", "content": "New.\n"}),
    ("GET", "/api/pages"): any_user(),
    ("GET", "/api/pages/{page_id}"): page_rule(Right.read),
    ("PATCH", "/api/pages/{page_id}"): page_rule(Right.edit, body=lambda w, r, c: {
        "content": "Changed.\n", "base_revision": w.page(r, c).current_revision_id}),
    ("DELETE", "/api/pages/{page_id}"): page_rule(Right.edit),
    ("POST", "/api/pages/{page_id}/restore"): page_rule(Right.edit),  # a live page: 409 once allowed
    ("POST", "/api/pages/{page_id}/revert"): page_rule(Right.edit, body=lambda w, r, c: {
        "revision_id": w.page(r, c).current_revision_id}),
    ("POST", "/api/pages/{page_id}/move"): page_rule(Right.edit, body=lambda w, r, c: {"title": "Moved notes"}),
    ("GET", "/api/pages/{page_id}/revisions"): page_rule(Right.read),
    ("GET", "/api/pages/{page_id}/revisions/{revision_id}"): page_rule(Right.read, path=page_rev_path),
    ("GET", "/api/pages/{page_id}/diff"): page_rule(Right.read),
    ("GET", "/api/pages/{page_id}/shape-report"): page_rule(Right.read),
    ("GET", "/api/pages/{page_id}/backlinks"): page_rule(Right.read),
    ("GET", "/api/recent-changes"): any_user(),
    # quality
    ("PUT", "/api/pages/{page_id}/ratings/mine"): page_rule(Right.read, body=lambda w, r, c: {
        "scores": {"currency": 4, "reliability": 5}}),
    ("DELETE", "/api/pages/{page_id}/ratings/mine"): page_rule(Right.read, needs=("ratings",)),
    ("GET", "/api/pages/{page_id}/ratings/mine"): page_rule(Right.read),
    ("GET", "/api/pages/{page_id}/ratings"): page_rule(Right.read),
    ("GET", "/api/users/me/ratings"): any_user(),
    ("GET", "/api/pages/{page_id}/maturity"): page_rule(Right.read),
    ("GET", "/api/pages/{page_id}/maturity/history"): page_rule(Right.read),
    ("GET", "/api/pages/{page_id}/approval"): page_rule(Right.read, absent="No approval"),
    ("PUT", "/api/pages/{page_id}/approval"): Rule(readable_and_role(*MANAGERS), PAGE_CLASSES, page_path,
                                                    body=lambda w, r, c: {"note": "Checked."}, missing=("page_id",)),
    ("DELETE", "/api/pages/{page_id}/approval"): Rule(readable_and_role(*MANAGERS), PAGE_CLASSES, page_path,
                                                       missing=("page_id",), absent="No approval"),
    ("GET", "/api/pages/{page_id}/uses"): page_rule(Right.read),
    ("POST", "/api/pages/{page_id}/uses"): page_rule(Right.read),
    ("DELETE", "/api/pages/{page_id}/uses/mine"): page_rule(Right.read, absent="No 'used with a client' mark"),
    ("GET", "/api/quality/overview"): any_user(),
    ("GET", "/api/quality/criteria"): any_user(),
    ("GET", "/api/quality/audiences"): any_user(),
    ("GET", "/api/quality/review-queue"): any_user(query=lambda w, r, c: {"kind": "stale"}),
    ("GET", "/api/quality/review-items"): any_user(query=lambda w, r, c: {"filter": "mine"}),
    ("GET", "/api/pages/{page_id}/reviews"): page_rule(Right.read),
    ("POST", "/api/pages/{page_id}/reviews/{kind}/claim"): page_rule(
        Right.read, path=lambda w, r, c: {**page_path(w, r, c), "kind": "unassessed"}, body=lambda w, r, c: {}),
    ("POST", "/api/pages/{page_id}/reviews/{kind}/assign"): Rule(  # managers, or whoever holds the item
        readable_and_role(*MANAGERS), PAGE_CLASSES, lambda w, r, c: {**page_path(w, r, c), "kind": "unassessed"},
        body=lambda w, r, c: {"assignee_id": w.callers[r].user.id}, missing=("page_id",)),
    ("POST", "/api/pages/{page_id}/reviews/{kind}/resolve"): page_rule(
        Right.read, path=lambda w, r, c: {**page_path(w, r, c), "kind": "unassessed"},
        body=lambda w, r, c: {"note": "Checked."}),
    # semantics and search
    ("GET", "/sparql"): any_user(query=lambda w, r, c: {"query": "ASK { ?s ?p ?o }"}),
    ("POST", "/sparql"): any_user(body=lambda w, r, c: "ASK { ?s ?p ?o }", content_type="application/sparql-query"),
    ("GET", "/api/ontology"): any_user(),
    ("GET", "/api/dump"): any_user(),
    ("POST", "/api/query"): any_user(body=lambda w, r, c: {"conditions": [{"property": "Sector", "equals": "Retail"}]}),
    ("GET", "/api/search"): any_user(query=lambda w, r, c: {"q": "notes"}),
    ("GET", "/api/search/suggest"): any_user(query=lambda w, r, c: {"q": "no"}),
    # page tags and bookmarks
    ("GET", "/api/pages/{page_id}/topics"): page_rule(Right.read),
    ("POST", "/api/pages/{page_id}/tags"): page_rule(Right.read, body=lambda w, r, c: {"topic": "Apprenticeships"}),
    ("DELETE", "/api/pages/{page_id}/tags/{topic_id}"): page_rule(
        Right.read, path=lambda w, r, c: {**page_path(w, r, c), "topic_id": w.ids["topic"]}, needs=("page_tags",)),
    ("GET", "/api/topics/{topic_id}/pages"): any_user(path=ids("topic", "topic_id"), needs=("scheme",)),
    ("POST", "/api/bookmarks"): space_rule(Right.edit, path=lambda w, r, c: {}, body=lambda w, r, c: {
        "space_id": w.spaces[(r, c)], "url": "https://www.ons.gov.uk/", "title": "ONS"}),
    ("GET", "/api/bookmarks"): any_user(),
    # people
    ("GET", "/api/people"): any_user(),
    ("POST", "/api/people"): any_user(body=lambda w, r, c: {"name": "Priya Shah"}),
    ("GET", "/api/people/me"): any_user(),
    ("GET", "/api/people/{person_id}"): any_user(path=ids("colleague_person", "person_id")),
    ("PATCH", "/api/people/{person_id}"): Rule(mine_only(403), OWN_OTHER, body=lambda w, r, c: {"hidden": False},
                                               path=own_or_other("person", "person_id")),
    ("DELETE", "/api/people/{person_id}"): Rule(mine_or_roles(403, *MANAGERS), OWN_OTHER,
                                                path=own_or_other("contact", "person_id"), needs=("contacts",)),
    ("GET", "/api/people/{person_id}/tags"): any_user(path=ids("colleague_person", "person_id")),
    ("POST", "/api/people/{person_id}/tags"): any_user(path=ids("colleague_person", "person_id"),
                                                       body=lambda w, r, c: {"topic": "Apprenticeships"},
                                                       needs=("scheme",)),
    ("DELETE", "/api/people/{person_id}/tags/{tag_id}"): Rule(
        mine_only(403), OWN_OTHER, needs=("person_tags",),
        path=lambda w, r, c: w.ids["tag_by"][r] if c == "own" else w.ids["tag_by"]["outsider"]),
    ("POST", "/api/people/{person_id}/tags/{tag_id}/hide"): Rule(
        mine_only(403), OWN_OTHER, needs=("person_tags",),
        path=lambda w, r, c: w.ids["tag_about"][r] if c == "own" else w.ids["tag_about"]["outsider"]),
    ("POST", "/api/people/{person_id}/tags/{tag_id}/unhide"): Rule(
        mine_only(403), OWN_OTHER, needs=("person_tags",),
        path=lambda w, r, c: w.ids["tag_about"][r] if c == "own" else w.ids["tag_about"]["outsider"]),
    ("GET", "/api/experts"): any_user(query=lambda w, r, c: {"q": "apprenticeships"}, needs=("scheme",)),
    # topics
    ("GET", "/api/topics"): any_user(needs=("scheme",)),
    ("POST", "/api/topics"): any_user(body=lambda w, r, c: {"label": f"Hydrogen {r.value}", "status": "candidate"},
                                      needs=("scheme",)),
    ("GET", "/api/topics/suggest"): any_user(query=lambda w, r, c: {"q": "appr"}, needs=("scheme",)),
    ("GET", "/api/topics/changes"): any_user(needs=("scheme",)),
    ("GET", "/api/topics/export"): any_user(needs=("scheme",)),
    ("POST", "/api/topics/import"): managers(content_type="text/turtle", needs=("scheme",), body=lambda w, r, c: (
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<https://example.org/t/1> a skos:Concept ; skos:prefLabel \"Drone piloting\"@en .\n")),
    ("GET", "/api/topics/{topic_id}"): any_user(path=ids("topic", "topic_id"), needs=("scheme",)),
    ("PATCH", "/api/topics/{topic_id}"): managers(path=ids("topic", "topic_id"), needs=("scheme",),
                                                  body=lambda w, r, c: {"label": "Apprenticeships in England"}),
    ("POST", "/api/topics/{topic_id}/promote"): managers(path=ids("candidate", "topic_id"), needs=("scheme",)),
    ("POST", "/api/topics/{topic_id}/merge"): managers(path=ids("candidate", "topic_id"), needs=("scheme",),
                                                       body=lambda w, r, c: {"into_id": w.ids["topic"]}),
    ("POST", "/api/topics/{topic_id}/synonyms"): any_user(path=ids("topic", "topic_id"), needs=("scheme",),
                                                          body=lambda w, r, c: {"label": "Apprentice schemes"}),
    ("DELETE", "/api/topics/{topic_id}/synonyms/{label}"): managers(
        path=lambda w, r, c: {"topic_id": w.ids["topic"], "label": "Apprentice schemes"}, needs=("synonym",)),
    ("PUT", "/api/topics/{topic_id}/broader"): managers(path=ids("topic", "topic_id"), needs=("scheme",),
                                                        body=lambda w, r, c: {"broader_ids": []}),
    # following
    ("GET", "/api/follows"): any_user(),
    ("POST", "/api/follows"): page_rule(Right.read, path=lambda w, r, c: {},
                                        body=lambda w, r, c: {"kind": "page", "id": w.page(r, c).id}),
    ("GET", "/api/follows/settings"): any_user(),
    ("PUT", "/api/follows/settings"): any_user(body=lambda w, r, c: {"auto_follow": False}),
    ("GET", "/api/follows/{follow_id}"): Rule(mine_only(404), OWN_OTHER, own_or_other("follow", "follow_id"),
                                              needs=("follows",)),
    ("DELETE", "/api/follows/{follow_id}"): Rule(mine_only(404), OWN_OTHER, own_or_other("follow", "follow_id"),
                                                 needs=("follows",)),
    ("GET", "/api/feed"): any_user(),
    ("GET", "/api/feed/unread-count"): any_user(),
    ("POST", "/api/feed/read"): any_user(body=lambda w, r, c: {"up_to": w.ids["event"][r]}, needs=("feed",)),
    ("GET", "/api/webhooks"): admins(),
    ("POST", "/api/webhooks"): admins(body=lambda w, r, c: {"url": "https://intranet.example.org/hooks",
                                                            "event_types": ["page.edited"]}),
    ("GET", "/api/webhooks/{webhook_id}"): admins(path=ids("webhook", "webhook_id"), needs=("webhook",)),
    ("PATCH", "/api/webhooks/{webhook_id}"): admins(path=ids("webhook", "webhook_id"), needs=("webhook",),
                                                    body=lambda w, r, c: {"active": False}),
    ("DELETE", "/api/webhooks/{webhook_id}"): admins(path=ids("webhook", "webhook_id"), needs=("webhook",)),
    ("GET", "/api/webhooks/{webhook_id}/deliveries"): admins(path=ids("webhook", "webhook_id"), needs=("webhook",)),
    # reports (managers and admins)
    ("GET", "/api/teams"): managers(),
    ("POST", "/api/teams"): managers(body=lambda w, r, c: {"name": f"Team {r.value}"}),
    ("GET", "/api/teams/{team_id}"): managers(path=ids("team", "team_id"), needs=("reports",)),
    ("PATCH", "/api/teams/{team_id}"): managers(path=ids("team", "team_id"), needs=("reports",),
                                                body=lambda w, r, c: {"name": "Renamed team"}),
    ("DELETE", "/api/teams/{team_id}"): managers(path=ids("team", "team_id"), needs=("reports",)),
    ("GET", "/api/teams/{team_id}/members"): managers(path=ids("team", "team_id"), needs=("reports",)),
    ("PUT", "/api/teams/{team_id}/members/{user_id}"): managers(
        path=lambda w, r, c: {"team_id": w.ids["team"], "user_id": w.outsider.id}, needs=("reports",)),
    ("DELETE", "/api/teams/{team_id}/members/{user_id}"): managers(
        path=lambda w, r, c: {"team_id": w.ids["team"], "user_id": w.colleague.id}, needs=("reports",)),
    ("GET", "/api/reports/profiles"): managers(),
    ("POST", "/api/reports/profiles"): managers(body=PROFILE_BODY, needs=("reports",)),
    ("GET", "/api/reports/profiles/{profile_id}"): managers(path=ids("profile", "profile_id"), needs=("reports",)),
    ("PUT", "/api/reports/profiles/{profile_id}"): managers(path=ids("profile", "profile_id"), body=PROFILE_BODY,
                                                            needs=("reports",)),
    ("DELETE", "/api/reports/profiles/{profile_id}"): managers(path=ids("profile", "profile_id"), needs=("reports",)),
    ("GET", "/api/reports/skills-gap"): managers(query=ids("profile", "profile_id"), needs=("reports",)),
    ("GET", "/api/reports/skills-gap/chart.svg"): managers(query=ids("profile", "profile_id"), needs=("reports",)),
    ("GET", "/api/reports/skills-gap/changes"): managers(
        query=lambda w, r, c: {"profile_id": w.ids["profile"], "from": w.ids["snapshot_at"]}, needs=("reports",)),
    ("POST", "/api/reports/snapshots"): managers(body=lambda w, r, c: {"profile_id": w.ids["profile"]},
                                                 needs=("reports",)),
    ("GET", "/api/reports/snapshots"): managers(query=ids("profile", "profile_id"), needs=("reports",)),
    ("GET", "/api/reports/demand"): managers(),
    ("POST", "/api/admin/imports/mediawiki"): admins(
        query=lambda w, r, c: {"space_id": w.spaces[(r, "shared")]}, content_type="application/xml",
        body=lambda w, r, c: '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/"></mediawiki>'),
    ("GET", "/health"): Rule(anyone, anonymous=True),
}


# ---------------------------------------------------------------- preparations some operations need


def _scheme(session, client, world: World, request) -> None:
    if "candidate" in world.ids:
        return
    world.ids["candidate"] = api(client, world.colleague, "POST", "/api/topics",
                                 json={"label": "Hydrogen boilers", "status": "candidate"})["id"]


def _tokens(session, client, world: World, request) -> None:
    world.ids["token"] = {r: api(client, p, "POST", "/api/tokens", json={"name": "spare"})["id"]
                          for r, p in world.callers.items()}
    world.ids["token"]["outsider"] = api(client, world.outsider, "POST", "/api/tokens", json={"name": "x"})["id"]


def _members(session, client, world: World, request) -> None:
    """A member to remove in every space of the matrix (the spare user)."""
    from app.auth import space_service
    from app.auth.models import Space

    spare = session.get(type(world.colleague.user), world.ids["spare"])
    for space_id in set(world.spaces.values()):
        space_service.put_member(session, session.get(Space, space_id), spare, MemberRole.reader)
    session.commit()
    world.ids["member"] = dict.fromkeys(PAGE_CLASSES, world.ids["spare"])


def readable_cells(world: World):
    """Every (caller, page) pair where the caller may read the page (by the rule table, not the code)."""
    for (role, cls), page in world.pages.items():
        if cls != "private" and not (cls == "other" and role is Role.adviser):
            yield world.callers[role], page


def _ratings(session, client, world: World, request) -> None:
    for caller, page in readable_cells(world):
        api(client, caller, "PUT", f"/api/pages/{page.id}/ratings/mine", json={"scores": {"currency": 4}})


def _my_page_tags(session, client, world: World, request) -> None:
    for caller, page in readable_cells(world):
        api(client, caller, "POST", f"/api/pages/{page.id}/tags", json={"topic_id": world.ids["topic"]})


def _feed(session, client, world: World, request) -> None:
    shared = world.page(Role.admin, "shared")
    for caller in world.callers.values():
        api(client, caller, "POST", "/api/follows", json={"kind": "page", "id": shared.id})
    api(client, world.colleague, "PATCH", f"/api/pages/{shared.id}",
        json={"content": "Shared, edited.\n", "base_revision": shared.current_revision_id})
    world.ids["event"] = {r: api(client, p, "GET", "/api/feed")["items"][0]["id"] for r, p in world.callers.items()}


def _contacts(session, client, world: World, request) -> None:
    world.ids["contact"] = {r: api(client, p, "POST", "/api/people", json={"name": f"Contact {r.value}"})["id"]
                            for r, p in world.callers.items()}
    world.ids["contact"]["outsider"] = api(client, world.outsider, "POST", "/api/people", json={"name": "Theirs"})["id"]


def _person_tags(session, client, world: World, request) -> None:
    _scheme(session, client, world, request)
    colleague_person = world.ids["colleague_person"]
    by, about = {}, {}
    for role, caller in world.callers.items():
        tag = api(client, caller, "POST", f"/api/people/{colleague_person}/tags", json={"topic_id": world.ids["topic"]})
        by[role] = {"person_id": colleague_person, "tag_id": tag["id"]}
        mine = world.ids["person"][role]
        tag = api(client, world.colleague, "POST", f"/api/people/{mine}/tags", json={"topic_id": world.ids["topic"]})
        about[role] = {"person_id": mine, "tag_id": tag["id"]}
    outsider_person = world.ids["person"]["outsider"]
    tag = api(client, world.colleague, "POST", f"/api/people/{outsider_person}/tags",
              json={"topic_id": world.ids["candidate"]})
    by["outsider"] = about["outsider"] = {"person_id": outsider_person, "tag_id": tag["id"]}
    world.ids["tag_by"], world.ids["tag_about"] = by, about


def _synonym(session, client, world: World, request) -> None:
    _scheme(session, client, world, request)
    api(client, world.colleague, "POST", f"/api/topics/{world.ids['topic']}/synonyms", json={"label": "Apprentice schemes"})


def _follows(session, client, world: World, request) -> None:
    def follow(person: Person, page: PageRef) -> int:
        return api(client, person, "POST", "/api/follows", json={"kind": "page", "id": page.id})["id"]
    world.ids["follow"] = {r: follow(p, world.page(r, "own")) for r, p in world.callers.items()}
    world.ids["follow"]["outsider"] = follow(world.outsider, world.page(Role.admin, "private"))


def _webhook(session, client, world: World, request) -> None:
    world.ids["webhook"] = api(client, world.callers[Role.admin], "POST", "/api/webhooks", json={
        "url": "https://intranet.example.org/hooks", "event_types": ["page.edited"]})["id"]


def _reports(session, client, world: World, request) -> None:
    _scheme(session, client, world, request)
    admin = world.callers[Role.admin]
    world.ids["team"] = api(client, admin, "POST", "/api/teams", json={"name": "North East"})["id"]
    api(client, admin, "PUT", f"/api/teams/{world.ids['team']}/members/{world.colleague.id}")
    world.ids["profile"] = api(client, admin, "POST", "/api/reports/profiles", json=PROFILE_BODY(world, Role.admin, "own"))["id"]
    world.ids["snapshot_at"] = api(client, admin, "POST", "/api/reports/snapshots",
                                   json={"profile_id": world.ids["profile"]})[0]["taken_at"]


PREPARE = {"scheme": _scheme, "tokens": _tokens, "members": _members, "page_tags": _my_page_tags, "contacts": _contacts,
           "ratings": _ratings, "feed": _feed,
           "person_tags": _person_tags, "synonym": _synonym, "follows": _follows, "webhook": _webhook,
           "reports": _reports}


# ---------------------------------------------------------------- the tests


def operations() -> list[tuple[str, str]]:
    schema = openapi_document()
    return [(method.upper(), path) for path, item in schema["paths"].items() for method in item
            if method in {"get", "post", "put", "patch", "delete"}]


OPERATIONS = operations()


def test_every_operation_is_classified() -> None:
    unclassified = [f"{method} {path}" for method, path in OPERATIONS if (method, path) not in RULES]
    stale = [f"{method} {path}" for method, path in RULES if (method, path) not in OPERATIONS]
    assert not unclassified, f"add these operations to RULES in {__file__}: {unclassified}"
    assert not stale, f"these RULES name operations the API no longer has: {stale}"


@contextmanager
def rolled_back(database) -> Iterator[None]:
    """Whatever the request changes is undone, so every cell sees the same world."""
    savepoint = database.connection.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()


def call(client: TestClient, method: str, path: str, rule: Rule, world: World, role: Role, cls: str,
         headers: dict[str, str], override: dict[str, Any] | None = None):
    params = {**rule.path(world, role, cls), **(override or {})}
    url = path.format(**params)
    body = rule.body(world, role, cls)
    kwargs: dict[str, Any] = {"params": rule.query(world, role, cls), "headers": dict(headers)}
    if rule.content_type:
        kwargs["content"] = body.encode()
        kwargs["headers"]["Content-Type"] = rule.content_type
    elif body is not None:
        kwargs["json"] = body
    return client.request(method, url, follow_redirects=False, **kwargs)


@dataclass
class Matrix:
    database: TransactionalDatabase
    client: TestClient
    world: World


@pytest.fixture(scope="module")
def matrix(engine, tmp_path_factory) -> Iterator[Matrix]:
    """One world per database for the whole module (building it per operation would triple the time)."""
    connection = engine.connect()
    outer = connection.begin()
    database = TransactionalDatabase(connection)
    settings = settings_for("sqlite://", tmp_path_factory.mktemp("matrix"))
    # no background page-view writer: it would share the one test connection with the requests
    app = create_app(settings.model_copy(update={"usage_flush_seconds": 0}), database=database)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            with database.session(write=True) as session:
                skos.seed(session)
                session.commit()
                world = build_world(session, client)
                world.ids["spare"] = make_person(session).id
                world.ids["topic"] = session.scalar(
                    select(TopicConcept.id).where(TopicConcept.label_key == "apprenticeships"))
                world.ids["colleague_person"] = person_id(session, world.colleague.id)
                world.ids["person"] = {r: person_id(session, p.id) for r, p in world.callers.items()}
                world.ids["person"]["outsider"] = person_id(session, world.outsider.id)
            yield Matrix(database, client, world)
    finally:
        outer.rollback()
        connection.close()


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_authorisation_matrix(method: str, path: str, matrix: Matrix, request) -> None:
    rule = RULES.get((method, path))
    if rule is None:
        pytest.fail(f"{method} {path} is not classified in RULES")
    database, client = matrix.database, matrix.client
    world = replace(matrix.world, ids=dict(matrix.world.ids))
    with rolled_back(database), database.session(write=True) as session:
        failures = check_operation(method, path, rule, world, database, client, session, request)
    assert not failures, f"{method} {path}:\n" + "\n".join(failures)


def check_operation(method: str, path: str, rule: Rule, world: World, database, client: TestClient, session,
                    request) -> list[str]:
    for need in rule.needs:
        PREPARE[need](session, client, world, request)
    failures = []
    if not rule.anonymous:
        with rolled_back(database):
            answer = call(client, method, path, rule, world, Role.adviser, rule.classes[0], {})
        if answer.status_code != 401:
            failures.append(f"no token: {answer.status_code} (expected 401)")
    for role in ROLES:
        for cls in rule.classes:
            expected = rule.expect(session, world, role, cls)
            with rolled_back(database):
                answer = call(client, method, path, rule, world, role, cls, world.callers[role].headers)
            status = answer.status_code
            if status >= 500:
                failures.append(f"{role.value}/{cls}: {status} {answer.text[:200]}")
            elif status == 404 and expected is None and rule.absent and answer.json()["title"] == rule.absent:
                pass
            elif expected is None and (status in (401, 403, 404) or not (status < 300 or status in ALLOWED_ERRORS)):
                failures.append(f"{role.value}/{cls}: {status} but should be allowed: {answer.text[:200]}")
            elif expected is not None and status != expected:
                failures.append(f"{role.value}/{cls}: {status} (expected {expected}): {answer.text[:200]}")
            elif expected is not None and answer.headers.get("content-type") != "application/problem+json":
                failures.append(f"{role.value}/{cls}: a {status} that is not problem+json")
            elif expected == 404 and rule.missing:
                with rolled_back(database):
                    ghost = call(client, method, path, rule, world, role, cls, world.callers[role].headers,
                                 dict.fromkeys(rule.missing, MISSING))
                if (ghost.status_code, ghost.json()["title"]) != (status, answer.json()["title"]):
                    failures.append(f"{role.value}/{cls}: unreadable answers {status} {answer.json()['title']!r}, "
                                    f"nonexistent {ghost.status_code} {ghost.json()['title']!r}: existence leaks")
    assert not failures, f"{method} {path}:\n" + "\n".join(failures)
