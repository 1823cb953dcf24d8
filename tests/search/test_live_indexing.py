"""The real server (two worker processes sharing one index): what was logged while it was down is indexed at
start-up, edits become findable without anyone asking, and a server killed with SIGKILL loses no acknowledged
edit."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from app.auth import service as account_service
from app.auth.models import Role, TokenKind, Visibility
from app.db import Database
from app.pages import service as page_service
from app.changelog import LogFollower
from app.search.index import PageIndex
from app.search.indexer import Indexer
from tests.conftest import SECRET, migrated_database
from tests.factories import make_space
from tests.live_server import LiveServer

FINDABLE_WITHIN = 15.0  # seconds; normally well under one


@dataclass
class Setup:
    url: str
    data_dir: object
    database: Database
    headers: dict[str, str]
    space_id: int


@pytest.fixture
def setup(backend: str, tmp_path, request: pytest.FixtureRequest) -> Iterator[Setup]:
    url, database = migrated_database(backend, tmp_path, request)
    with database.transaction() as session:
        user = account_service.create_user(session, "writer", "Writer", Role.adviser, None)
        token = account_service.issue_token(session, SECRET, user, TokenKind.personal, "t", None).token
        space = make_space(session, user, Visibility.organisation)
        for number in range(3):  # written while no server runs: only the log knows about them
            page_service.create_page(session, user, space.id, f"Offline page {number}",
                                     f"Written offline, word offline{number}.", [], "")
    try:
        yield Setup(url, tmp_path, database, {"Authorization": f"Bearer {token}"}, space.id)
    finally:
        database.dispose()


def start(setup: Setup) -> LiveServer:
    server = LiveServer(setup.url, setup.data_dir, SECRET, workers=2)
    server.wait_until_up()
    return server


def total(server: LiveServer, setup: Setup, q: str) -> int:
    response = httpx.get(f"{server.url}/api/search", params={"q": q}, headers=setup.headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["total"]


def eventually_found(server: LiveServer, setup: Setup, q: str, expected: int = 1) -> None:
    deadline = time.monotonic() + FINDABLE_WITHIN
    while total(server, setup, q) != expected:
        assert time.monotonic() < deadline, f"{q!r} not findable within {FINDABLE_WITHIN} s"
        time.sleep(0.05)


def queue_length(setup: Setup) -> int:
    """Log rows the host's index folder has not applied yet."""
    position = Indexer(setup.database, PageIndex(setup.data_dir / "search")).position()
    with setup.database.transaction(write=False) as session:
        return LogFollower(position=position).backlog(session) if position else 1


def test_log_followed_at_start_and_edits_findable_without_asking(setup):
    server = start(setup)
    try:
        eventually_found(server, setup, "offline", expected=3)
        with httpx.Client(base_url=server.url, headers=setup.headers, timeout=30) as http:
            for number in range(6):  # the two workers take turns; each must wake an indexer
                response = http.post("/api/pages", json={"space_id": setup.space_id, "title": f"Live page {number}",
                                                         "content": f"Fresh word livefresh{number}."})
                assert response.status_code == 201, response.text
            for number in range(6):
                eventually_found(server, setup, f"livefresh{number}")
        deadline = time.monotonic() + FINDABLE_WITHIN
        while queue_length(setup):
            assert time.monotonic() < deadline, "the index did not reach the end of the log"
            time.sleep(0.05)
    finally:
        server.stop()


def test_a_killed_server_loses_no_acknowledged_edit(setup):
    server = start(setup)
    acknowledged = []
    try:
        with httpx.Client(base_url=server.url, headers=setup.headers, timeout=30) as http:
            for number in range(8):
                response = http.post("/api/pages", json={"space_id": setup.space_id, "title": f"Crash page {number}",
                                                         "content": f"Word crashword{number}."})
                assert response.status_code == 201, response.text
                acknowledged.append(f"crashword{number}")
    finally:
        os.killpg(server.process.pid, signal.SIGKILL)  # no shutdown, mid-indexing at worst
        server.process.wait(timeout=10)
        server.log.close()
    restarted = start(setup)
    try:
        for word in acknowledged:
            eventually_found(restarted, setup, word)
        eventually_found(restarted, setup, "offline", expected=3)
    finally:
        restarted.stop()
