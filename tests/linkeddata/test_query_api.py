"""The #ask-style query API: conditions, printouts, sorting, paging, errors and privacy."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import Visibility
from tests.factories import Person, make_person, make_space, personal_space

PAGES = {
    "Care work in the North East": "[[Sector::Health and social care]] [[Region::North East]] "
                                   "[[Median pay::£24,000]] [[Valid until::2027-03-31]] [[Occupation::Care worker]]",
    "Nursing in the North West": "[[Sector::Health and social care]] [[Region::North West]] "
                                 "[[Median pay::36000 GBP]] [[Valid until::2026-06-30]] [[Occupation::Registered nurse]]",
    "Welsh construction": "[[Sector::Construction]] [[Region::Wales]] [[Median pay::31000 GBP]] "
                          "[[Employment count::12,000]]\n\n[[Category:Shortage occupation]]",
}


@pytest.fixture
def alice(session: Session) -> Person:
    return make_person(session)


@pytest.fixture
def pages(client: TestClient, session: Session, alice: Person) -> dict[str, dict]:
    space = make_space(session, alice.user, Visibility.organisation)
    created = {}
    for title, content in PAGES.items():
        response = client.post("/api/pages", headers=alice.headers,
                               json={"space_id": space.id, "title": title, "content": content + "\n"})
        assert response.status_code == 201, response.text
        created[title] = response.json()
    return created


def ask(client: TestClient, person: Person, **body):
    return client.post("/api/query", headers=person.headers, json=body)


def titles(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


def test_equals_on_a_concept_and_sorting_by_pay(client, alice, pages):
    response = ask(client, alice, conditions=[{"property": "Sector", "equals": "health and social care"}],
                   sort=[{"by": "Median pay", "order": "desc"}], printouts=["Median pay", "Region"])
    assert titles(response) == ["Nursing in the North West", "Care work in the North East"]
    first = response.json()["items"][0]
    assert first["values"] == {"Median pay": ["36000 GBP"], "Region": ["North West"]}
    assert "<https://w3id.org/mature-lmi/ontology#sector>" in response.json()["sparql"]


def test_concept_includes_narrower_concepts(client, alice, pages):
    england = ask(client, alice, conditions=[{"property": "Region", "concept": "England"}], sort=[{"by": "title", "order": "asc"}])
    assert titles(england) == ["Care work in the North East", "Nursing in the North West"]
    exact = ask(client, alice, conditions=[{"property": "Region", "concept": "England", "include_narrower": False}])
    assert titles(exact) == []


def test_ranges_on_money_and_dates_typed_like_annotations(client, alice, pages):
    pay = ask(client, alice, conditions=[{"property": "Median pay", "min": "£25,000", "max": "35000 GBP"}])
    assert titles(pay) == ["Welsh construction"]
    current = ask(client, alice, conditions=[{"property": "Valid until", "min": "1 January 2027"}])
    assert titles(current) == ["Care work in the North East"]


def test_category_space_and_text_conditions(client, session, alice, pages):
    assert titles(ask(client, alice, conditions=[{"category": "Shortage occupation"}])) == ["Welsh construction"]
    nurses = ask(client, alice, conditions=[{"property": "Occupation", "contains": "NURSE"}])
    assert titles(nurses) == ["Nursing in the North West"]
    space_id = pages["Welsh construction"]["space_id"]
    assert len(titles(ask(client, alice, conditions=[{"space_id": space_id}]))) == 3


def test_paging_with_next_offset(client, alice, pages):
    first = ask(client, alice, sort=[{"by": "title", "order": "asc"}], limit=2).json()
    assert [i["title"] for i in first["items"]] == ["Care work in the North East", "Nursing in the North West"]
    assert first["next_offset"] == 2
    second = ask(client, alice, sort=[{"by": "title", "order": "asc"}], limit=2, offset=2).json()
    assert [i["title"] for i in second["items"]] == ["Welsh construction"] and second["next_offset"] is None


@pytest.mark.parametrize("body, field, words", [
    ({"conditions": [{"property": "Sectr", "equals": "Construction"}]}, "conditions[0]", "Did you mean 'Sector'"),
    ({"conditions": [{"property": "Sector", "equals": "Helth"}]}, "conditions[0]", "not a known sector"),
    ({"conditions": [{"property": "Median pay", "min": "lots"}]}, "conditions[0]", "amount"),
    ({"conditions": [{"property": "Occupation", "min": "3"}]}, "conditions[0]", "min/max need"),
    ({"conditions": [{"property": "Sector", "contains": "x"}]}, "conditions[0]", "'contains' needs"),
    ({"printouts": ["Pay packet"]}, "printouts[0]", "not a property"),
    ({"sort": [{"by": "Colour"}]}, "sort[0]", "not a property"),
])
def test_bad_conditions_are_422_naming_them(client, alice, pages, body, field, words):
    response = ask(client, alice, **body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"].startswith(field) and words in problem["detail"]


def test_malformed_condition_is_422(client, alice):
    response = ask(client, alice, conditions=[{"property": "Sector", "category": "X", "equals": "Retail"}])
    assert response.status_code == 422 and "exactly one of" in response.json()["detail"]


def test_queries_never_return_pages_the_caller_may_not_read(client, session, alice, pages):
    bob = make_person(session)
    secret = client.post("/api/pages", headers=alice.headers, json={
        "space_id": personal_space(session, alice.user).id, "title": "Secret care notes",
        "content": "[[Sector::Health and social care]]\n"}).json()
    condition = [{"property": "Sector", "equals": "Health and social care"}]
    assert "Secret care notes" in titles(ask(client, alice, conditions=condition))
    assert "Secret care notes" not in titles(ask(client, bob, conditions=condition))
    by_space = ask(client, bob, conditions=[{"space_id": secret["space_id"]}])
    assert titles(by_space) == []


def test_query_does_not_take_the_write_lock(client, alice, pages, app):
    """A POSTed query is read-only: it must not be serialised behind writers."""
    from app.linkeddata.router import run_query, sparql_post

    assert getattr(run_query, "read_only", False) and getattr(sparql_post, "read_only", False)
