"""GET /health reports the database and the derived stores (search index, its queue, the SPARQL store) without a
token and without anything private; a search index being rebuilt is 'degraded' but still a 200.
(An unreachable database is a 503 problem: tests/test_service.py and tests/reliability/test_database_outage.py.)"""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import Visibility
from app.operations.health import Health
from app.linkeddata.router import graph_store
from tests.factories import make_page, make_person, make_space, personal_space, post_page
from tests.reliability.test_index_repair import damage
from tests.search.helpers import index_now

FIELDS = {"status", "version", "database", "search_index", "index_queue", "sparql_store"}


def health(client: TestClient) -> dict:
    response = client.get("/health")
    assert response.status_code == 200, response.text
    assert set(response.json()) == FIELDS  # states and one count: nothing about any page or person
    return response.json()


@pytest.fixture
def started(client: TestClient) -> TestClient:
    """The in-process app after what a server process does first at start-up (build the index, drain)."""
    client.app.state.indexer.ensure_ready()
    return client


def test_a_fresh_server_reports_ok(started: TestClient, backend: str) -> None:
    report = health(started)
    assert report["status"] == "ok"
    assert report["database"] == backend
    assert (report["search_index"], report["index_queue"], report["sparql_store"]) == ("ok", 0, "not built yet")


def test_the_sparql_store_is_ready_once_built(started: TestClient, session: Session) -> None:
    alice = make_person(session)
    graph_store(started.app)  # created, not yet loaded from the database: what the start-up warm-up does first
    assert health(started)["sparql_store"] == "building"
    answer = started.get("/sparql", params={"query": "ASK { ?s ?p ?o }"},
                         headers={**alice.headers, "Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    assert health(started)["sparql_store"] == "ready"


def test_the_queue_counts_saved_pages_not_yet_indexed(started: TestClient, session: Session) -> None:
    alice = make_person(session)
    space = personal_space(session, alice.user)
    session.commit()
    before = health(started)["index_queue"]

    post_page(started, alice, space.id, "Redundancy support for a private client")
    post_page(started, alice, space.id, "Second private note")

    report = health(started)
    assert report["index_queue"] == before + 2
    assert "Redundancy" not in str(report)
    index_now(started)
    assert health(started)["index_queue"] == 0


@pytest.mark.parametrize("fault", ["deleted", "damaged"])
def test_a_broken_index_is_degraded_then_rebuilding_then_ok(started: TestClient, session: Session, fault: str,
                                                            monkeypatch) -> None:
    author = make_person(session)
    space = make_space(session, author.user, Visibility.organisation)
    make_page(session, author.user, space, "Careers fair", "Employers at the fair.")
    index_now(started)
    folder = started.app.state.page_index.directory
    shutil.rmtree(folder) if fault == "deleted" else damage(folder)
    assert started.get("/api/search", params={"q": "fair"}, headers=author.headers).status_code == 503

    broken = health(started)  # no indexer runs in the test process: nobody here is repairing it
    assert (broken["status"], broken["search_index"]) == ("degraded", "damaged")

    index = started.app.state.page_index
    during: list[dict] = []
    rebuild = index.rebuild
    monkeypatch.setattr(index, "rebuild", lambda documents: during.append(health(started)) or rebuild(documents))
    started.app.state.indexer.step()  # one round of the server's background loop
    assert [(seen["status"], seen["search_index"]) for seen in during] == [("degraded", "rebuilding")]

    assert (health(started)["status"], health(started)["search_index"]) == ("ok", "ok")


def test_a_server_whose_indexer_runs_reports_a_deleted_index_as_rebuilding(started: TestClient,
                                                                          monkeypatch) -> None:
    """Where the background indexer runs it repairs within a round, so missing files are 'rebuilding' at once."""
    indexer = started.app.state.indexer
    monkeypatch.setattr(type(indexer), "running", property(lambda self: True))
    assert health(started)["search_index"] == "ok"
    shutil.rmtree(started.app.state.page_index.directory)
    assert (health(started)["status"], health(started)["search_index"]) == ("degraded", "rebuilding")


def test_the_documented_examples_are_answers_the_model_accepts() -> None:
    examples = Health.model_json_schema()["examples"]
    assert {example["status"] for example in examples} == {"ok", "degraded"}
    for example in examples:
        assert Health.model_validate(example).model_dump() == example
