"""Scaling out: two hosts (two server processes with their own data folders: search index, SPARQL store) on one
PostgreSQL database, and two workers of one host on SQLite. What is saved through one shows through the other,
in search and in SPARQL, within FOLLOW_WITHIN seconds: nothing consumes the change log, every host follows it
from its own position (before, the host that drained the search queue first deleted it for the other)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from app.auth import service as account_service
from app.auth.models import Role, TokenKind, Visibility
from tests.conftest import SECRET, migrated_database
from tests.factories import make_space
from tests.live_server import LiveServer

FOLLOW_WITHIN = 2.0  # seconds: the issue's bound for a change to show on the other host
SPACE_TITLES = """PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX lmi: <https://w3id.org/mature-lmi/ontology#>
SELECT ?name WHERE { ?page a lmi:Page ; dcterms:title "%s" ; lmi:space ?space . ?space dcterms:title ?name }"""


@dataclass
class Hosts:
    """Where to save (`writer`) and where to look (`reader`): two hosts, or one host's two workers."""

    writer: httpx.Client
    reader: httpx.Client
    space_id: int
    timings: list[tuple[str, float]]


@pytest.fixture(scope="module")
def hosts(backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Hosts]:
    tmp = tmp_path_factory.mktemp(f"two-hosts-{backend}")
    url, database = migrated_database(backend, tmp, request)
    with database.transaction() as session:
        user = account_service.create_user(session, "writer", "Writer", Role.adviser, None)
        token = account_service.issue_token(session, SECRET, user, TokenKind.personal, "t", None).token
        space_id = make_space(session, user, Visibility.organisation).id
    database.dispose()
    if backend == "postgresql":  # two hosts: separate data folders, one process each
        folders = [tmp / "host-a", tmp / "host-b"]
        for folder in folders:
            folder.mkdir()
        servers = [LiveServer(url, folder, SECRET, workers=1) for folder in folders]
    else:  # SQLite: one host, two workers (they share the folder; either may answer)
        servers = [LiveServer(url, tmp, SECRET, workers=2)]
    headers = {"Authorization": f"Bearer {token}"}
    clients: list[httpx.Client] = []
    try:
        for server in servers:
            server.wait_until_up()
            clients.append(httpx.Client(base_url=server.url, headers=headers, timeout=30, trust_env=False))
        timings: list[tuple[str, float]] = []
        yield Hosts(clients[0], clients[-1], space_id, timings)
        print(f"\n{backend}: shown on the other side after " + ", ".join(f"{what} {took:.2f} s" for what, took in timings))
    finally:
        for client in clients:
            client.close()
        for server in servers:
            server.stop()


def shows_within(hosts: Hosts, what: str, check: Callable[[], bool]) -> None:
    """Poll the reader until `check` holds; fail past FOLLOW_WITHIN seconds (measured from the write's answer)."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < FOLLOW_WITHIN, f"{what}: not shown on the other host within {FOLLOW_WITHIN} s"
        time.sleep(0.05)
    hosts.timings.append((what, time.monotonic() - started))


def found(hosts: Hosts, word: str) -> list[str]:
    response = hosts.reader.get("/api/search", params={"q": word})
    assert response.status_code == 200, response.text
    return [hit["title"] for hit in response.json()["results"]]


def space_names(hosts: Hosts, title: str) -> list[str]:
    response = hosts.reader.get("/sparql", params={"query": SPACE_TITLES % title},
                                headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return [row["name"]["value"] for row in response.json()["results"]["bindings"]]


def save(hosts: Hosts, title: str, content: str) -> dict:
    response = hosts.writer.post("/api/pages", json={"space_id": hosts.space_id, "title": title, "content": content})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_page_saved_on_one_host_is_found_by_search_and_sparql_on_the_other(hosts):
    word = f"twohost{uuid.uuid4().hex[:8]}"
    title = f"Welding pay {word}"
    assert found(hosts, word) == [] and space_names(hosts, title) == []  # the control: not there before
    save(hosts, title, f"Welders earn more, word {word}.")
    shows_within(hosts, "new page in search", lambda: found(hosts, word) == [title])
    shows_within(hosts, "new page in SPARQL", lambda: len(space_names(hosts, title)) == 1)


def test_renames_on_one_host_show_on_the_other(hosts):
    word = f"rename{uuid.uuid4().hex[:8]}"
    page = save(hosts, f"Care work {word}", f"Carers, word {word}.")
    shows_within(hosts, "page before the renames", lambda: len(space_names(hosts, f"Care work {word}")) == 1)

    moved = hosts.writer.post(f"/api/pages/{page['id']}/move", json={"title": f"Social care {word}"})
    assert moved.status_code == 200, moved.text
    shows_within(hosts, "page rename in search", lambda: found(hosts, word) == [f"Social care {word}"])

    new_name = f"Care team {word}"
    renamed = hosts.writer.patch(f"/api/spaces/{hosts.space_id}", json={"name": new_name})
    assert renamed.status_code == 200, renamed.text
    shows_within(hosts, "space rename in SPARQL", lambda: space_names(hosts, f"Social care {word}") == [new_name])
    hit = hosts.reader.get("/api/search", params={"q": word}).json()["results"][0]
    assert hit["space"]["name"] == new_name  # search hits name the space as it is now
