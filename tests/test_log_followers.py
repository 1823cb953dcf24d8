"""Changes that are not page edits but alter what pages show are logged, and the stores that follow the log
(search index, SPARQL store) show them without a restart: a person's new name, a topic's new label, a space's new
name. A membership change is logged too but reaches no stored page (rights apply when a store is asked)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import log_reach
from app.auth.models import MemberRole, Role, Visibility
from app.changelog import Change
from app.topics import service as topics
from tests.factories import make_person, make_space, post_page
from tests.search.helpers import index_now, search, titles

AUTHOR_NAMES = """PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT DISTINCT ?name WHERE { ?person foaf:name ?name } ORDER BY ?name"""
SPACE_NAMES = """PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX lmi: <https://w3id.org/mature-lmi/ontology#>
SELECT DISTINCT ?name WHERE { ?page lmi:space ?space . ?space dcterms:title ?name }"""


def sparql(client, person, query: str) -> list[str]:
    response = client.get("/sparql", params={"query": query},
                          headers={**person.headers, "Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return [row["name"]["value"] for row in response.json()["results"]["bindings"]]


def logged(session: Session, kind: str) -> list[Change]:
    return list(session.scalars(select(Change).where(Change.kind == kind).order_by(Change.id)))


def test_a_new_display_name_and_a_new_space_name_reach_sparql(client, session: Session):
    admin, author = make_person(session, Role.admin), make_person(session)
    space = make_space(session, author.user, Visibility.organisation)
    post_page(client, author, space.id, "Welding pay", "Welders.\n")
    old_name = author.user.display_name
    assert old_name in sparql(client, author, AUTHOR_NAMES)  # the control: the store is built and shows it

    renamed = client.patch(f"/api/users/{author.user.id}", headers=admin.headers, json={"display_name": "Ada Welder"})
    assert renamed.status_code == 200, renamed.text
    assert [c.details["to"] for c in logged(session, "user.renamed")] == ["Ada Welder"]
    names = sparql(client, author, AUTHOR_NAMES)
    assert "Ada Welder" in names and old_name not in names

    moved = client.patch(f"/api/spaces/{space.id}", headers=author.headers, json={"name": "Welding team"})
    assert moved.status_code == 200, moved.text
    assert sparql(client, author, SPACE_NAMES) == ["Welding team"]


def test_a_topic_rename_reaches_search(client, session: Session, scheme):
    author, manager = make_person(session), make_person(session, Role.manager)
    space = make_space(session, author.user, Visibility.organisation)
    page = post_page(client, author, space.id, "Routes into work", "Training while paid.\n")
    topic = topics.resolve(session, "Apprenticeships")
    assert topic is not None
    tagged = client.post(f"/api/pages/{page['id']}/tags", headers=author.headers, json={"topic_id": topic.id})
    assert tagged.status_code in (200, 201), tagged.text
    index_now(client)
    assert search(client, author, "england")["total"] == 0  # the control: the new label's word is nowhere yet

    renamed = client.patch(f"/api/topics/{topic.id}", headers=manager.headers,
                           json={"label": "Apprenticeships in England"})
    assert renamed.status_code == 200, renamed.text
    assert logged(session, "topic.rename")[-1].details["topic_ids"] == [topic.id]
    index_now(client)
    assert titles(search(client, author, "england")) == ["Routes into work"]


def test_membership_changes_are_logged_and_reach_no_stored_page(client, session: Session):
    owner, reader = make_person(session), make_person(session)
    space = make_space(session, owner.user, Visibility.members)
    post_page(client, owner, space.id, "Team notes", "Notes.\n")
    added = client.put(f"/api/spaces/{space.id}/members/{reader.user.id}", headers=owner.headers,
                       json={"role": MemberRole.reader.value})
    assert added.status_code == 200, added.text
    rows = logged(session, "space.member_added")
    assert [(c.space_id, c.details["user_id"], c.actor_id) for c in rows] == [(space.id, reader.user.id, owner.user.id)]
    assert log_reach.pages_reached(session, rows) == set()
    renamed = logged(session, "space.renamed")
    assert renamed == []  # the control below: a rename reaches the space's pages
    client.patch(f"/api/spaces/{space.id}", headers=owner.headers, json={"name": "Team"})
    assert len(log_reach.pages_reached(session, logged(session, "space.renamed"))) == 1
