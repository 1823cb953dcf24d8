"""PostgreSQL goes away under a running server: every call answers 503 problem+json with Retry-After and
an actionable detail (never a 500, nothing half-done), and the same server process recovers by itself
when the database is back. Uses its own PostgreSQL instance, so the other tests' server is untouched."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from app import schema_migrations
from app.auth import service as account_service
from app.auth.models import Role, TokenKind, Visibility
from app.db import Database, make_engine
from app.pages import service as page_service
from tests import postgres
from tests.conftest import SECRET, settings_for
from tests.factories import make_space
from tests.live_server import LiveServer

RECOVERS_WITHIN = 30.0  # seconds


@pytest.fixture
def own_postgres() -> Iterator[postgres.PostgresServer]:
    server = postgres.start_or_skip()  # its own server: taking it down must not disturb other tests
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def running(own_postgres: postgres.PostgresServer, tmp_path: Path):
    admin = create_engine(own_postgres.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('CREATE DATABASE "outage"'))
    admin.dispose()
    url = own_postgres.url("outage")
    database = Database(make_engine(settings_for(url, tmp_path)))
    schema_migrations.upgrade(database.engine)
    with database.transaction() as session:
        user = account_service.create_user(session, "adviser", "Adviser", Role.adviser, "a long password")
        token = account_service.issue_token(session, SECRET, user, TokenKind.personal, "t", None).token
        space = make_space(session, user, Visibility.organisation)
        page_id = page_service.create_page(session, user, space.id, "Local labour market", "Before the outage.",
                                           [], "").id
    database.dispose()
    server = LiveServer(url, tmp_path, SECRET, workers=2)
    try:
        server.wait_until_up()
        yield server, {"Authorization": f"Bearer {token}"}, page_id
    finally:
        server.stop()


def calls(page_id: int, etag: str) -> list[tuple[str, str, dict]]:
    """A read, a write, a sign-in, search, SPARQL and the health check."""
    return [
        ("GET", "/health", {}),
        ("GET", f"/api/pages/{page_id}", {}),
        ("PATCH", f"/api/pages/{page_id}", {"json": {"content": "Written during the outage."},
                                            "headers": {"If-Match": etag}}),
        ("PUT", f"/api/pages/{page_id}/ratings/mine", {"json": {"scores": {"reliability": 5}}}),
        ("POST", "/api/auth/token", {"json": {"username": "adviser", "password": "a long password"}}),
        ("GET", "/api/search", {"params": {"q": "outage"}}),
        ("GET", "/sparql", {"params": {"query": "ASK { ?s ?p ?o }"}}),
        ("GET", "/api/recent-changes", {}),
    ]


def test_a_database_outage_answers_503_and_the_same_server_recovers(running, own_postgres):
    server, headers, page_id = running
    http = httpx.Client(base_url=server.url, headers=headers, timeout=30)
    page = http.get(f"/api/pages/{page_id}")
    assert page.status_code == 200
    etag = page.headers["ETag"]
    workers_before = server.process.pid

    own_postgres.halt()
    try:
        for method, path, options in calls(page_id, etag):
            extra = options.get("headers", {})
            response = http.request(method, path, **{**options, "headers": {**headers, **extra}})
            assert response.status_code == 503, f"{method} {path}: {response.status_code} {response.text}"
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["retry-after"].isdigit()
            detail = response.json()["detail"]
            assert "database" in detail and "nothing was changed" in detail and "try again" in detail.lower()
    finally:
        own_postgres.resume()

    deadline = time.monotonic() + RECOVERS_WITHIN
    while (health := http.get("/health")).status_code != 200:
        assert health.status_code == 503, health.text
        assert time.monotonic() < deadline, "the server did not recover after the database came back"
        time.sleep(0.2)
    assert server.process.poll() is None and server.process.pid == workers_before  # no restart needed
    for _ in range(4):  # both workers' pools reconnect (their stale connections are replaced, not used)
        unchanged = http.get(f"/api/pages/{page_id}")
        assert unchanged.status_code == 200 and unchanged.json()["content"].strip() == "Before the outage."
    saved = http.patch(f"/api/pages/{page_id}", headers={"If-Match": etag}, json={"content": "After the outage."})
    assert saved.status_code == 200, saved.text
    assert http.put(f"/api/pages/{page_id}/ratings/mine", json={"scores": {"reliability": 4}}).status_code == 200
    deadline = time.monotonic() + RECOVERS_WITHIN
    while http.get("/api/search", params={"q": "after"}).json()["total"] != 1:  # the indexer loop resumed too
        assert time.monotonic() < deadline, "the search indexer did not resume after the outage"
        time.sleep(0.2)
    http.close()
