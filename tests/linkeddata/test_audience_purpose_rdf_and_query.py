"""Audience and purpose in linked data: the page graph and the dump carry them as concept IRIs, and the
query API selects pages by them (never a page the caller may not read). Both databases."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, Namespace
from sqlalchemy.orm import Session

from app.auth.models import Visibility
from app.linkeddata.rdf import Iris
from tests.factories import Person, make_person, make_space, personal_space, post_page

LMI = Namespace("https://w3id.org/mature-lmi/ontology#")
AUDIENCES = Namespace("https://w3id.org/mature-lmi/audiences/")
PURPOSES = Namespace("https://w3id.org/mature-lmi/purposes/")

PAGES = {
    "Options at 16": "[[Audience::Young people in school]] [[Audience::Young people leaving school or college]] "
                     "[[Purpose::Given to clients directly]] [[Sector::Education and childcare]]\n",
    "Retraining routes": "[[Audience::Adults changing career]] [[Purpose::Interpreted for a client]]\n",
    "Labour market briefing": "[[Audience::Practitioners only]] [[Purpose::Used by practitioners]]\n",
}


@pytest.fixture
def alice(session: Session) -> Person:
    return make_person(session)


@pytest.fixture
def pages(client: TestClient, session: Session, alice: Person) -> dict[str, dict]:
    space = make_space(session, alice.user, Visibility.organisation)
    return {title: post_page(client, alice, space.id, title, content) for title, content in PAGES.items()}


def ask(client: TestClient, person: Person, **body) -> list[str]:
    response = client.post("/api/query", headers=person.headers, json=body)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


def test_the_page_graph_carries_audiences_and_purpose(client, app: FastAPI, alice, pages):
    page = pages["Options at 16"]
    response = client.get(f"/api/pages/{page['id']}", headers={**alice.headers, "Accept": "application/n-triples"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="nt")
    node = Iris(app.state.settings.base_iri).page(page["id"])
    assert set(graph.objects(node, LMI.audience)) == {AUDIENCES["young-people-in-school"],
                                                      AUDIENCES["young-people-leaving-education"]}
    assert set(graph.objects(node, LMI.purpose)) == {PURPOSES["given-to-clients-directly"]}


def test_the_dump_carries_them_too(client, alice, pages):
    response = client.get("/api/dump?format=nquads", headers=alice.headers)
    assert response.status_code == 200
    data = Dataset()
    data.parse(data=response.text, format="nquads")
    assert any(data.quads((None, LMI.purpose, PURPOSES["used-by-practitioners"], None)))
    assert any(data.quads((None, LMI.audience, AUDIENCES["adults-changing-career"], None)))


def test_the_query_api_selects_pages_by_audience_and_purpose(client, alice, pages):
    assert ask(client, alice, conditions=[{"property": "Audience", "concept": "adults-changing-career"}]) == [
        "Retraining routes"]
    assert ask(client, alice, conditions=[{"property": "Audience", "equals": "School leavers"}]) == ["Options at 16"]
    assert ask(client, alice, conditions=[{"property": "Purpose", "equals": "Used by practitioners"}]) == [
        "Labour market briefing"]
    neither = [{"property": "Audience", "equals": "Practitioners only"},
               {"property": "Purpose", "equals": "Given to clients directly"}]
    assert ask(client, alice, conditions=neither) == []
    response = client.post("/api/query", headers=alice.headers, json={
        "conditions": [{"property": "Purpose", "concept": "Given to clients directly"}], "printouts": ["Audience"]})
    [item] = response.json()["items"]
    assert sorted(item["values"]["Audience"]) == ["Young people in school", "Young people leaving school or college"]


def test_an_unknown_audience_in_a_query_is_422_naming_the_choices(client, alice, pages):
    response = client.post("/api/query", headers=alice.headers,
                           json={"conditions": [{"property": "Audience", "equals": "Teenagers"}]})
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"].startswith("conditions[0]") and "not a known audience" in problem["detail"]
    assert "Adults changing career" in problem["errors"][0]["accepted"]


def test_a_private_page_is_not_selected_by_its_audience(client, session, alice, pages):
    bob = make_person(session)
    post_page(client, alice, personal_space(session, alice.user).id, "My notes for returners",
              "[[Audience::Adults returning to work]]\n")
    condition = [{"property": "Audience", "concept": "adults-returning-to-work"}]
    assert ask(client, bob, conditions=condition) == []
    assert ask(client, alice, conditions=condition) == ["My notes for returners"]  # the control: the owner
