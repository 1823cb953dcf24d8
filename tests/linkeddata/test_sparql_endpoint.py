"""The read-only SPARQL endpoint: formats, refusals, time limit, following edits, and privacy."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from sqlalchemy.orm import Session

from app.auth.models import Role
from tests.factories import Person, make_person, make_space, personal_space
from tests.factories import post_page as create

TITLES = """PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX lmi: <https://w3id.org/mature-lmi/ontology#>
SELECT ?title WHERE { ?page a lmi:Page ; dcterms:title ?title } ORDER BY ?title"""
SECTOR_PAGES = """PREFIX lmi: <https://w3id.org/mature-lmi/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?page ?sector WHERE { ?page lmi:sector ?concept . ?concept skos:prefLabel ?sector } ORDER BY ?sector"""


@pytest.fixture
def alice(session: Session) -> Person:
    return make_person(session)


@pytest.fixture
def bob(session: Session) -> Person:
    return make_person(session)


def select(client: TestClient, person: Person, query: str, accept: str = "application/sparql-results+json"):
    return client.get("/sparql", params={"query": query}, headers={**person.headers, "Accept": accept})


def titles(client: TestClient, person: Person, query: str = TITLES) -> list[str]:
    response = select(client, person, query)
    assert response.status_code == 200, response.text
    return [row["title"]["value"] for row in response.json()["results"]["bindings"]]


@pytest.fixture
def shared_and_private(client: TestClient, session: Session, alice: Person) -> tuple[dict, dict]:
    from app.auth.models import Visibility

    team = make_space(session, alice.user, Visibility.organisation)
    shared = create(client, alice, team.id, "Care work in the North East",
                    "[[Sector::Health and social care]] [[Region::North East]] [[Median pay::£24,000]]\n")
    private = create(client, alice, personal_space(session, alice.user).id, "Secret offshore notes",
                     "[[Sector::Green jobs]] [[Valid until::2027-03-31]]\n")
    return shared, private


def test_select_sees_readable_pages_only(client, alice, bob, shared_and_private):
    assert titles(client, alice) == ["Care work in the North East", "Secret offshore notes"]
    assert titles(client, bob) == ["Care work in the North East"]


@pytest.mark.parametrize("query", [
    "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?title FROM <{graph}> WHERE {{ ?p dcterms:title ?title }}",
    "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?title FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?p dcterms:title ?title }} }}",
    "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?title WHERE {{ GRAPH <{graph}> {{ ?p dcterms:title ?title }} }}",
    "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?title WHERE {{ GRAPH ?g {{ ?p dcterms:title ?title }} }}",
], ids=["FROM", "FROM NAMED", "GRAPH iri", "GRAPH var"])
def test_no_dataset_clause_reveals_a_private_page(client, session, alice, bob, shared_and_private, query):
    graph = f"http://localhost:8000/graph/space/{personal_space(session, alice.user).id}"
    response = select(client, bob, query.format(graph=graph))
    assert response.status_code == 200, response.text
    assert "Secret" not in response.text
    private_titles = [r["title"]["value"] for r in select(client, alice, query.format(graph=graph)).json()["results"]["bindings"]]
    assert "Secret offshore notes" in private_titles or "FROM NAMED" in query or "GRAPH ?g" in query or "FROM <" in query


def test_construct_and_describe_never_leak(client, bob, shared_and_private):
    _, private = shared_and_private
    construct = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                           headers={**bob.headers, "Accept": "text/turtle"})
    assert construct.status_code == 200 and construct.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=construct.text, format="turtle")
    assert URIRef(f"http://localhost:8000/id/page/{private['id']}") not in set(graph.subjects())
    assert "Secret" not in construct.text
    describe = client.get("/sparql", params={"query": f"DESCRIBE <http://localhost:8000/id/page/{private['id']}>"},
                          headers={**bob.headers, "Accept": "application/n-triples"})
    assert describe.status_code == 200 and describe.text.strip() == ""


@pytest.mark.parametrize("accept, parse", [
    ("application/sparql-results+json", lambda text: [b["sector"]["value"] for b in json.loads(text)["results"]["bindings"]]),
    ("application/sparql-results+xml", lambda text: [e.text for e in ET.fromstring(text).iter(
        "{http://www.w3.org/2005/sparql-results#}literal")]),
    ("text/csv", lambda text: [row["sector"] for row in csv.DictReader(io.StringIO(text))]),
    ("text/tab-separated-values", lambda text: [re.sub(r'^"(.*)"(@[a-z-]+)?$', r"\1", line.split("\t")[1])
                                                for line in text.splitlines()[1:]]),
])
def test_select_results_in_each_format(client, alice, shared_and_private, accept, parse):
    response = select(client, alice, SECTOR_PAGES, accept)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    values = [value.strip('"') for value in parse(response.text)]
    assert values == ["Green jobs", "Health and social care"]


def test_ask_and_post_forms(client, alice, bob, shared_and_private):
    ask = 'PREFIX dcterms: <http://purl.org/dc/terms/> ASK { ?p dcterms:title "Secret offshore notes" }'
    assert select(client, alice, ask).json()["boolean"] is True
    assert select(client, bob, ask).json()["boolean"] is False
    direct = client.post("/sparql", content=ask, headers={**alice.headers, "Content-Type": "application/sparql-query",
                                                          "Accept": "application/sparql-results+json"})
    assert direct.json()["boolean"] is True
    form = client.post("/sparql", data={"query": ask}, headers={**alice.headers, "Accept": "application/json"})
    assert form.status_code == 200 and form.json()["boolean"] is True


@pytest.mark.parametrize("how", ["get-update", "post-update", "form-update", "insert-as-query", "load", "service"])
def test_updates_load_and_service_are_refused(client, alice, how):
    headers = alice.headers
    if how == "get-update":
        response = client.get("/sparql", params={"update": "CLEAR ALL"}, headers=headers)
    elif how == "post-update":
        response = client.post("/sparql", content="DROP ALL", headers={**headers, "Content-Type": "application/sparql-update"})
    elif how == "form-update":
        response = client.post("/sparql", data={"update": "INSERT DATA { <a:b> <a:c> <a:d> }"}, headers=headers)
    elif how == "insert-as-query":
        response = select(client, alice, "INSERT DATA { <http://a/b> <http://a/c> <http://a/d> }")
    elif how == "load":
        response = select(client, alice, "LOAD <http://127.0.0.1:9/evil.ttl>")
    else:
        response = select(client, alice, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert ("read-only" in detail) if how != "service" else ("SERVICE" in detail)


def test_bad_queries_and_formats_get_clear_errors(client, alice):
    syntax = select(client, alice, "SELECT ?x WHERE { ?x ")
    assert syntax.status_code == 400 and syntax.json()["detail"]
    missing = client.get("/sparql", headers=alice.headers)
    assert missing.status_code == 400 and "query" in missing.json()["detail"]
    wrong = select(client, alice, TITLES, accept="text/turtle")
    assert wrong.status_code == 406 and "SELECT" in wrong.json()["detail"]
    no_token = client.get("/sparql", params={"query": TITLES})
    assert no_token.status_code == 401


def test_queries_past_the_time_limit_answer_503(client, app, alice, shared_and_private):
    app.state.settings.sparql_timeout_seconds = 1e-6
    # Heavy enough to outlast a microsecond, light enough to finish soon after (it cannot be cancelled).
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a a ?c . ?d a ?f }"
    response = select(client, alice, heavy)
    assert response.status_code == 503
    assert "too long" in response.json()["title"] and response.headers["Retry-After"]


def test_the_store_follows_edits_moves_and_deletes(client, session, alice, bob):
    from app.auth.models import Visibility

    team = make_space(session, alice.user, Visibility.organisation)
    page = create(client, alice, team.id, "Logistics", "[[Sector::Construction]]\n")
    assert "Construction" in select(client, bob, SECTOR_PAGES).text
    client.patch(f"/api/pages/{page['id']}", headers=alice.headers,
                 json={"content": "[[Sector::Logistics and transport]]\n", "base_revision": page["revision"]["id"]})
    text = select(client, bob, SECTOR_PAGES).text
    assert "Logistics and transport" in text and "Construction" not in text

    client.post(f"/api/pages/{page['id']}/move", headers=alice.headers,
                json={"title": "Logistics", "space_id": personal_space(session, alice.user).id})
    assert "Logistics" not in select(client, bob, SECTOR_PAGES).text
    assert "Logistics and transport" in select(client, alice, SECTOR_PAGES).text
    client.delete(f"/api/pages/{page['id']}", headers=alice.headers)
    assert "Logistics" not in select(client, alice, SECTOR_PAGES).text


def test_a_membership_change_opens_the_graph_at_once(client, session, alice, bob):
    team = make_space(session, alice.user)
    create(client, alice, team.id, "Team notes", "[[Sector::Retail]]\n")
    assert titles(client, bob) == []
    client.put(f"/api/spaces/{team.id}/members/{bob.id}", headers=alice.headers, json={"role": "reader"})
    assert titles(client, bob) == ["Team notes"]


def test_managers_see_organisational_spaces_but_not_personal_ones(client, session, alice, shared_and_private):
    manager = make_person(session, Role.manager)
    hidden_team = make_space(session, alice.user, members={})
    create(client, alice, hidden_team.id, "Team only", "Notes\n")
    assert titles(client, manager) == ["Care work in the North East", "Team only"]


def test_deeply_nested_expressions_do_not_crash_the_server(client, alice, shared_and_private):
    """Oxigraph recurses while evaluating; on an 8 MB stack this query kills the process."""
    deep = "SELECT ?title WHERE { ?p <http://purl.org/dc/terms/title> ?title FILTER(" + "+".join(["1"] * 6000) + " > 0) }"
    response = select(client, alice, deep)
    assert response.status_code == 200
    assert "Care work in the North East" in response.text
