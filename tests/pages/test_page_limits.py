"""A page has at most MATURE_PAGE_MAX_TEXT_BYTES of text (413) and MATURE_PAGE_MAX_FACTS facts (422),
refused before anything is written; a page at the limit saves and reads back with every fact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.main import create_app
from app.pages.models import Page, Revision
from app.annotations.models import PageAnnotation
from tests.conftest import settings_for
from tests.factories import Person, make_person, make_space

MAX_FACTS = 1_000  # also "a few thousand facts save and read back": cheap enough at a thousand
MAX_TEXT = 60_000


@pytest.fixture
def small_limits_client(database, tmp_path) -> Iterator[TestClient]:
    settings = settings_for("sqlite://", tmp_path).model_copy(
        update={"page_max_facts": MAX_FACTS, "page_max_text_bytes": MAX_TEXT})
    with TestClient(create_app(settings, database=database), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def alice(session: Session) -> Person:
    return make_person(session)


@pytest.fixture
def space_id(session: Session, alice: Person) -> int:
    return make_space(session, alice.user).id


def sources(n: int, start: int = 0) -> str:
    return "".join(f"[[Source::https://example.org/{i}]]\n" for i in range(start, start + n))


def pages_titled(session: Session, title: str) -> int:
    return session.scalar(select(func.count()).select_from(Page).where(Page.title == title))


def test_a_page_over_the_fact_limit_is_refused_naming_the_limit_and_nothing_is_written_nor_previewed(
        small_limits_client, session, alice, space_id):
    structured = [{"property": "Source", "value": "https://example.org/structured"}]
    response = small_limits_client.post("/api/pages", headers=alice.headers, json={
        "space_id": space_id, "title": "Too many facts", "content": sources(MAX_FACTS), "annotations": structured})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["limit"] == MAX_FACTS and problem["facts"] == MAX_FACTS + 1
    assert f"at most {MAX_FACTS:,}" in problem["detail"] and "split" in problem["detail"]
    assert "MATURE_PAGE_MAX_FACTS" in problem["detail"]
    assert pages_titled(session, "Too many facts") == 0
    preview = small_limits_client.post(f"/api/spaces/{space_id}/preview", headers=alice.headers,
                                       json={"content": sources(MAX_FACTS + 1)})
    assert preview.status_code == 422 and preview.json()["limit"] == MAX_FACTS  # the preview refuses it too


def test_an_edit_over_the_fact_limit_is_refused_and_the_page_stays_as_it_was(
        small_limits_client, session, alice, space_id):
    created = small_limits_client.post("/api/pages", headers=alice.headers, json={
        "space_id": space_id, "title": "Growing", "content": sources(3)})
    assert created.status_code == 201, created.text
    page = created.json()

    response = small_limits_client.patch(f"/api/pages/{page['id']}", headers=alice.headers, json={
        "content": sources(MAX_FACTS + 1), "base_revision": page["revision"]["id"]})

    assert response.status_code == 422 and response.json()["limit"] == MAX_FACTS
    assert session.scalar(select(func.count()).select_from(Revision).where(Revision.page_id == page["id"])) == 1
    assert small_limits_client.get(f"/api/pages/{page['id']}", headers=alice.headers).json()["content"] == sources(3)


def test_a_text_over_the_size_limit_is_refused_with_413_and_nothing_is_written(
        small_limits_client, session, alice, space_id):
    text = "Plain words about care work in the North East. " * (MAX_TEXT // 40)
    response = small_limits_client.post("/api/pages", headers=alice.headers, json={
        "space_id": space_id, "title": "Too long", "content": text})

    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["limit"] == MAX_TEXT and problem["size"] > MAX_TEXT
    assert f"at most {MAX_TEXT:,} bytes" in problem["detail"] and "split" in problem["detail"]
    assert pages_titled(session, "Too long") == 0


def test_a_page_at_the_fact_limit_saves_and_reads_back_with_every_fact(small_limits_client, session, alice,
                                                                      space_id):
    response = small_limits_client.post("/api/pages", headers=alice.headers, json={
        "space_id": space_id, "title": "At the limit", "content": sources(MAX_FACTS - 1),
        "annotations": [{"property": "Source", "value": "https://example.org/structured"}]})
    assert response.status_code == 201, response.text
    page_id = response.json()["id"]

    read = small_limits_client.get(f"/api/pages/{page_id}", headers=alice.headers).json()
    expected = [f"https://example.org/{i}" for i in range(MAX_FACTS - 1)] + ["https://example.org/structured"]
    assert [a["value"] for a in read["annotations"]] == expected
    assert {a["origin"] for a in read["annotations"][:-1]} == {"inline"}
    assert read["annotations"][-1]["origin"] == "structured"
    assert read["annotations"][0]["property"] == "Source"
    stored = session.scalar(select(func.count()).select_from(PageAnnotation)
                            .where(PageAnnotation.revision_id == read["revision"]["id"]))
    assert stored == MAX_FACTS

    turtle = small_limits_client.get(f"/api/pages/{page_id}", headers={**alice.headers, "Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.text, format="turtle")
    page_iri = URIRef(f"http://localhost:8000/id/page/{page_id}")
    assert {str(o) for o in graph.objects(page_iri, DCTERMS.source)} == set(expected)
