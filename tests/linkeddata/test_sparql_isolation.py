"""No one user can hold the SPARQL service: heavy queries are killed at the deadline, query slots per user
and per host, and one store per host, shared by the server processes and taken over when its holder dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.auth.models import User, Visibility
from app.main import create_app
from app.linkeddata import sparql
from app.linkeddata.dataset import QueryDataset
from app.linkeddata.evaluator import forker
from app.annotations.ontology import get_ontology
from app.linkeddata.rdf import Iris
from app.linkeddata.router import graph_store
from app.linkeddata.sparql_guard import inspect_query
from app.linkeddata.store import GraphStore
from tests.conftest import SECRET, migrated_database, settings_for
from tests.factories import Person, make_page, make_person, make_space, post_page

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # writes nothing until it ends
ASK = "ASK { ?s ?p ?o }"
TITLES = """PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX lmi: <https://w3id.org/mature-lmi/ontology#>
SELECT ?t WHERE { ?p a lmi:Page ; dcterms:title ?t }"""


def ask(client: TestClient, person: Person, query: str = ASK):
    return client.get("/sparql", params={"query": query},
                      headers={**person.headers, "Accept": "application/sparql-results+json"})


def in_background(client: TestClient, person: Person, query: str) -> tuple[threading.Thread, list]:
    answers: list = []
    thread = threading.Thread(target=lambda: answers.append(ask(client, person, query)))
    thread.start()
    return thread, answers


def wait_for_children(count: int, limit: float = 5.0) -> list[int]:
    """The pids of the evaluation children once `count` of them run (the queries reached the engine)."""
    deadline = time.monotonic() + limit
    while len(running := sorted(forker().running)) < count:
        assert time.monotonic() < deadline, f"only {running} evaluation children started"
        time.sleep(0.01)
    return running


def titles(answer) -> list[str]:
    assert answer.status_code == 200, answer.text
    return sorted(row["t"]["value"] for row in answer.json()["results"]["bindings"])


def test_a_heavy_query_is_killed_at_its_deadline_and_ask_answers_at_once(client, app, session):
    alice = make_person(session)
    app.state.settings.sparql_timeout_seconds = 1.0
    assert ask(client, alice).status_code == 200  # the store is built (not part of what is timed)
    thread, answers = in_background(client, alice, HEAVY)
    [child] = wait_for_children(1)
    started = time.monotonic()
    thread.join(10)

    stopped = answers[0]
    assert stopped.status_code == 503, stopped.text
    assert stopped.json()["title"] == "Query took too long" and stopped.headers["Retry-After"]
    assert time.monotonic() - started < 1.5, "the answer came long after the time limit"
    assert not Path(f"/proc/{child}").exists(), "the killed evaluation is still a process"
    assert forker().running == set()
    started = time.monotonic()
    assert ask(client, alice).json()["boolean"] is True
    assert time.monotonic() - started < 1.0


def test_one_users_hanging_queries_do_not_block_another_users(client, app, session):
    alice, bob = make_person(session), make_person(session)
    app.state.settings.sparql_timeout_seconds = 1.5
    assert ask(client, alice).status_code == 200
    store, info = graph_store(app), inspect_query(HEAVY)
    graphs = QueryDataset([store.ontology_node], [store.ontology_node], store.iris.base)
    outcomes: list[str] = []

    def hang() -> None:  # alice's queries, past the HTTP layer: the in-process requests share one connection
        try:  # 4 s: they must still run when her third query comes, however loaded the machine
            sparql._run_with_deadline(store, HEAVY, graphs, info, "application/sparql-results+json", 4.0, alice.id)
        except sparql.QueryTimeout:
            outcomes.append("stopped at the limit")

    hanging = [threading.Thread(target=hang) for _ in range(sparql.MAX_RUNNING_PER_USER)]
    for thread in hanging:
        thread.start()
    wait_for_children(sparql.MAX_RUNNING_PER_USER)

    third = ask(client, alice)
    started = time.monotonic()
    other = ask(client, bob)
    bob_seconds = time.monotonic() - started
    for thread in hanging:
        thread.join(10)

    assert third.status_code == 429, third.text
    assert "other 2 queries are still running" in third.json()["detail"] and third.headers["Retry-After"]
    assert other.status_code == 200 and other.json()["boolean"] is True, other.text
    assert bob_seconds < 1.0
    assert outcomes == ["stopped at the limit"] * 2


def test_two_server_apps_on_one_data_folder_share_one_store(database, tmp_path, session):
    """As two workers of a host: one holds the store and answers for both, and a page saved through the other
    is in the very next query of either."""
    apps = [create_app(settings_for("sqlite://", tmp_path), database=database) for _ in range(2)]
    alice = make_person(session)
    team = make_space(session, alice.user, Visibility.organisation)
    with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
        post_page(first, alice, team.id, "Before")
        assert titles(ask(first, alice, TITLES)) == ["Before"]
        post_page(second, alice, team.id, "Saved through the second")

        assert titles(ask(second, alice, TITLES)) == ["Before", "Saved through the second"]
        assert titles(ask(first, alice, TITLES)) == ["Before", "Saved through the second"]
        holder, other = graph_store(apps[0]), graph_store(apps[1])
        assert (holder.holds, other.holds) == (True, False)
        assert len(other) == 0 and len(holder) > 0, "the second app built a copy of its own"
        assert first.get("/health").json()["sparql_store"] == second.get("/health").json()["sparql_store"] == "ready"


HOLDER = """
import sys
from pathlib import Path
from app.config import Settings
from app.db import Database, make_engine
from app.annotations.ontology import get_ontology
from app.linkeddata.rdf import Iris
from app.linkeddata.store import GraphStore
url, folder = sys.argv[1], Path(sys.argv[2])
settings = Settings(env="test", database_url=url, data_dir=folder, secret_key=sys.argv[3])
database = Database(make_engine(settings))
store = GraphStore(Iris(settings.base_iri), get_ontology().graph, folder / "sparql", database)
with database.transaction(write=False) as session:
    store.catch_up(session)
print("holding" if store.holds else "not holding", flush=True)
sys.stdin.read()
"""


def test_another_process_holds_the_store_and_a_killed_holder_is_taken_over(tmp_path, request):
    """Across real processes (a second interpreter holds the store, on a committed database). On SQLite only:
    the lock, socket and take-over do not touch the database, whose follower path both backends run above."""
    url, database = migrated_database("sqlite", tmp_path, request)
    try:
        with database.transaction() as session:
            alice = make_person(session)
            make_page(session, alice.user, make_space(session, alice.user, Visibility.organisation), "Shared facts")
            user_id = alice.user.id
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, url, str(tmp_path), SECRET], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, env={**os.environ})
        try:
            assert holder.stdout.readline().strip() == "holding"
            store = GraphStore(Iris(settings_for(url, tmp_path).base_iri), get_ontology().graph,
                               tmp_path / "sparql", database)
            assert not store.holds

            assert query_titles(database, store, user_id) == ["Shared facts"]  # answered by the other process
            assert len(store) == 0
            holder.send_signal(signal.SIGKILL)
            holder.wait(10)
            assert query_titles(database, store, user_id) == ["Shared facts"]  # taken over and rebuilt here
            assert store.holds and store.state() == "ready"
            store.close()
        finally:
            holder.kill()
            holder.wait(10)
    finally:
        database.dispose()


def query_titles(database, store: GraphStore, user_id: int) -> list[str]:
    import json

    with database.transaction(write=False) as session:
        body = sparql.answer(session, store, session.get(User, user_id), TITLES, None, 5.0).body
    return sorted(row["t"]["value"] for row in json.loads(body)["results"]["bindings"])


@pytest.fixture(autouse=True)
def _no_children_left():
    yield
    assert forker().running == set(), "an evaluation child outlived its test"
