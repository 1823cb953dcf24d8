"""Leak probes: the unique words of pages a caller may not read never come back through any other door.

The owner (a manager, so reports are probed too) keeps a page in her personal space whose title, text,
category, annotations, tags (one a free-text topic candidate) and evidence carry the word SECRET; a members-only space holds a page with
MEMBERS_ONLY, which managers and admins may read (oversight) but advisers who are not members may not.
Every probe is asked as the owner first (the control: the probe does reach the data, so a pass means
something) and then as an adviser, a manager and an admin who are not allowed to read the page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.auth.models import MemberRole, Role, Visibility
from app.main import create_app
from app.topics import skos
from tests.conftest import TransactionalDatabase, settings_for
from tests.factories import Person, make_person, make_space, personal_space, post_page
from tests.search.helpers import index_now

SECRET = "quokkazebra"
MEMBERS_ONLY = "wombatfalcon"
SPARQL_WORDS = 'SELECT ?s ?o WHERE { ?s ?p ?o FILTER(CONTAINS(LCASE(STR(?o)), "%s")) }'


@dataclass
class Setting:
    client: TestClient
    owner: Person
    readers: dict[Role, Person]
    ids: dict[str, int]


def page_text(word: str) -> str:
    return (f"{word.title()} is the code name of the pilot; careers advisers in the North East.\n\n"
            f"[[Occupation::{word.title()} wrangler]] [[Sector::Retail]] [[Region::North East]]\n"
            f"See [[Guide]] and [[{word.title()} wanted]].\n\n[[Category:{word.title()}]]\n")


@pytest.fixture(scope="module")
def setting(engine, tmp_path_factory) -> Iterator[Setting]:
    """Built once per database (the probes only read); rolled back at the end."""
    connection = engine.connect()
    outer = connection.begin()
    database = TransactionalDatabase(connection)
    settings = settings_for("sqlite://", tmp_path_factory.mktemp("probes")).model_copy(update={"usage_flush_seconds": 0})
    try:
        with TestClient(create_app(settings, database=database), raise_server_exceptions=False) as client, \
                database.session(write=True) as session:
            skos.seed(session)
            session.commit()
            yield arrange(client, session)
    finally:
        outer.rollback()
        connection.close()


def arrange(client: TestClient, session) -> Setting:
    owner = make_person(session, Role.manager, "owner")
    readers = {role: make_person(session, role) for role in (Role.adviser, Role.manager, Role.admin)}
    colleague = make_person(session, username="colleague")
    mine = personal_space(session, owner.user).id
    open_space = make_space(session, owner.user, Visibility.organisation, members={
        colleague.user: MemberRole.editor}).id
    members_only = make_space(session, owner.user, Visibility.members).id
    ids = {"open_space": open_space}
    guide = post_page(client, owner, mine, "Guide", "Where to start; careers.\n")
    private = post_page(client, owner, mine, f"{SECRET.title()} plan", page_text(SECRET))
    post_page(client, owner, members_only, f"{MEMBERS_ONLY.title()} plan", page_text(MEMBERS_ONLY))
    post_page(client, owner, open_space, "Public careers notes", "Careers advisers in the North East.\n",
              categories=["Public"])
    moved = client.post(f"/api/pages/{guide['id']}/move", headers=owner.headers,
                        json={"title": "Guide", "space_id": open_space})
    assert moved.status_code == 200, moved.text  # the guide is now public; the private page still links to it
    ids["guide"] = guide["id"]
    tagged = client.post(f"/api/pages/{private['id']}/tags", headers=owner.headers, json={"topic": "Apprenticeships"})
    assert tagged.status_code == 201, tagged.text
    ids["topic"] = next(t["topic"]["id"] for t in tagged.json()["topics"] if t["topic"]["label"] == "Apprenticeships")
    proposed = client.post(f"/api/pages/{private['id']}/tags", headers=owner.headers, json={"topic": f"{SECRET} pilot"})
    assert proposed.status_code == 201, proposed.text  # a new candidate, from a tag on a private page
    colleague_person = client.get("/api/people/me", headers=colleague.headers).json()["person"]["id"]
    ids["colleague_person"] = colleague_person
    ids["owner_person"] = client.get("/api/people/me", headers=owner.headers).json()["person"]["id"]
    evidence = client.post(f"/api/people/{colleague_person}/tags", headers=owner.headers, json={
        "topic": "Apprenticeships", "level": 4, "evidence_page_id": private["id"], "note": "Ran the pilot."})
    assert evidence.status_code == 201, evidence.text
    follow = client.post("/api/follows", headers=readers[Role.adviser].headers,
                         json={"kind": "topic", "id": ids["topic"]})
    assert follow.status_code == 201, follow.text
    profile = client.post("/api/reports/profiles", headers=owner.headers, json={
        "name": "Season", "topics": [{"topic_id": ids["topic"], "level": 3, "priority": "high", "required_people": 1}]})
    assert profile.status_code == 201, profile.text
    ids["profile"] = profile.json()["id"]
    index_now(client)
    return Setting(client, owner, readers, ids)


# (name, method, url, options); urls and bodies may name ids of the setting
PROBES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("search", "GET", "/api/search", {"params": {"q": SECRET}}),
    ("search by annotation", "GET", "/api/search", {"params": {"q": f"{SECRET} wrangler"}}),
    ("search facets", "GET", "/api/search", {"params": {"q": "careers"}}),
    ("suggestions", "GET", "/api/search/suggest", {"params": {"q": SECRET[:5]}}),
    ("page list", "GET", "/api/pages", {"params": {"limit": 200}}),
    ("page list by category", "GET", "/api/pages", {"params": {"category": SECRET.title()}}),
    ("recent changes", "GET", "/api/recent-changes", {"params": {"limit": 200}}),
    ("dump as N-Quads", "GET", "/api/dump", {"headers": {"Accept": "application/n-quads"}}),
    ("dump as TriG", "GET", "/api/dump", {"params": {"format": "trig"}}),
    ("public page as RDF", "GET", "/api/pages/{guide}", {"headers": {"Accept": "text/turtle"}}),
    ("SPARQL select", "GET", "/sparql", {"params": {"query": SPARQL_WORDS % SECRET}}),
    ("SPARQL construct", "POST", "/sparql", {"data": {"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"}}),
    ("query API", "POST", "/api/query", {"json": {"conditions": [{"property": "Occupation", "equals": f"{SECRET.title()} wrangler"}]}}),
    ("query API by region", "POST", "/api/query", {"json": {"conditions": [{"property": "Region", "equals": "North East"}]}}),
    ("backlinks of a public page", "GET", "/api/pages/{guide}/backlinks", {}),
    ("wanted pages of a public space", "GET", "/api/spaces/{open_space}/wanted-pages", {}),
    ("pages of a topic", "GET", "/api/topics/{topic}/pages", {}),
    ("people profile with evidence", "GET", "/api/people/{colleague_person}", {}),
    ("people tags with evidence", "GET", "/api/people/{colleague_person}/tags", {"params": {"history": "true"}}),
    ("owner's profile", "GET", "/api/people/{owner_person}", {}),
    ("experts", "GET", "/api/experts", {"params": {"q": "apprenticeships"}}),
    ("feed of a followed topic", "GET", "/api/feed", {}),
    ("quality overview", "GET", "/api/quality/overview", {}),
    ("review queue", "GET", "/api/quality/review-queue", {"params": {"kind": "stale"}}),
    ("unassessed queue", "GET", "/api/quality/review-queue", {"params": {"kind": "unassessed"}}),
    ("review items", "GET", "/api/quality/review-items", {}),
    ("skills-gap report", "GET", "/api/reports/skills-gap", {"params": {"profile_id": "{profile}"}}),
    ("demand signals", "GET", "/api/reports/demand", {}),
    ("bookmarks", "GET", "/api/bookmarks", {}),
    ("spaces", "GET", "/api/spaces", {}),
    ("topics", "GET", "/api/topics", {"params": {"limit": 200}}),
    ("topics by label", "GET", "/api/topics", {"params": {"q": SECRET}}),
    ("topic candidates by use", "GET", "/api/topics", {"params": {"status": "candidate", "sort": "usage"}}),
    ("topic suggestions", "GET", "/api/topics/suggest", {"params": {"q": SECRET[:5]}}),
    ("topic changes", "GET", "/api/topics/changes", {"params": {"limit": 200}}),
    ("experts on a private topic", "GET", "/api/experts", {"params": {"q": SECRET}}),
]
# Probes the owner herself cannot make show the word (the page is not of that kind): no control.
NO_CONTROL = {"search facets", "wanted pages of a public space", "quality overview", "review queue",
              "unassessed queue", "review items",
              "skills-gap report", "demand signals", "bookmarks", "spaces",
              "feed of a followed topic", "query API by region", "pages of a topic", "experts",
              "people profile with evidence", "people tags with evidence", "owner's profile", "page list by category",
              "public page as RDF", "search by annotation"}


def without_echo(answer) -> str:
    """The answer without the fields that repeat the caller's own question (search text, generated SPARQL)."""
    if not answer.headers.get("content-type", "").startswith("application/json"):
        return answer.text
    body = answer.json()
    if isinstance(body, dict):
        for echo in ("query", "sparql"):
            body.pop(echo, None)
    return json.dumps(body)


def ask(client: TestClient, person: Person, method: str, url: str, options: dict[str, Any], ids: dict[str, int]):
    options = {key: (dict(value) if isinstance(value, dict) else value) for key, value in options.items()}
    if "params" in options:
        options["params"] = {k: (ids[v[1:-1]] if isinstance(v, str) and v[1:-1] in ids else v)
                             for k, v in options["params"].items()}
    options["headers"] = {**options.get("headers", {}), **person.headers}
    return client.request(method, url.format(**ids), **options)


@pytest.mark.parametrize(("name", "method", "url", "options"), PROBES, ids=[p[0] for p in PROBES])
def test_unreadable_words_never_come_back(name, method, url, options, setting: Setting) -> None:
    client = setting.client
    own = ask(client, setting.owner, method, url, options, setting.ids)
    assert own.status_code == 200, own.text
    if name not in NO_CONTROL:
        assert SECRET in own.text.lower(), f"the control failed: the owner's {name} does not show the page"
    for role, reader in setting.readers.items():
        answer = ask(client, reader, method, url, options, setting.ids)
        if role is Role.adviser and url.startswith("/api/reports/"):
            assert answer.status_code == 403, answer.text  # reports are for managers and admins
            continue
        assert answer.status_code == 200, (role, answer.text)
        text = without_echo(answer).lower()
        assert SECRET not in text, f"{name} shows the private page to a{'n' if role is Role.admin else ''} {role.value}"
        if role is Role.adviser:
            assert MEMBERS_ONLY not in text, f"{name} shows a members-only page to an adviser who is not a member"


def test_the_controls_see_the_words(setting: Setting) -> None:
    """The owner finds both pages where they can be found at all: the probes above are not vacuous."""
    client = setting.client
    for url, options in (("/api/search", {"params": {"q": SECRET}}), ("/api/search", {"params": {"q": MEMBERS_ONLY}})):
        assert ask(client, setting.owner, "GET", url, options, setting.ids).json()["results"]
    manager = ask(client, setting.readers[Role.manager], "GET", "/sparql",
                  {"params": {"query": SPARQL_WORDS % MEMBERS_ONLY}}, setting.ids)
    assert MEMBERS_ONLY in manager.text.lower()  # oversight: managers read members-only organisational spaces
