"""Password guessing is slowed down: too many failed sign-ins answer 429 with Retry-After, per username
and per client address, counted in the database so several server processes share one count."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.auth import service as account_service
from app.auth.models import Role
from app.db import utcnow
from app.security import login_limit
from tests.conftest import SECRET, migrated_database
from tests.factories import make_user
from tests.live_server import LiveServer

PASSWORD = "correct horse battery"


@pytest.fixture
def limited(app: FastAPI) -> FastAPI:
    app.state.settings = app.state.settings.model_copy(update={
        "login_failures_per_user": 3, "login_failures_per_address": 6, "login_window_seconds": 600})
    return app


def sign_in(client: TestClient, username: str, password: str) -> httpx.Response:
    return client.post("/api/auth/token", json={"username": username, "password": password})


def test_a_username_is_locked_after_its_failures_with_a_clear_429(client, session, limited):
    make_user(session, username="alice")
    assert [sign_in(client, "alice", "guess").status_code for _ in range(3)] == [401, 401, 401]

    refused = sign_in(client, "alice", PASSWORD)  # even the right password waits: the guesser may have found it

    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    assert "Try again in" in refused.json()["detail"] and "this username" in refused.json()["detail"]


def test_other_people_still_sign_in_while_one_username_is_locked(client, session, limited):
    make_user(session, username="alice")
    make_user(session, username="bob")
    for _ in range(3):
        sign_in(client, "ALICE ", "guess")  # the same username however it is typed
    assert sign_in(client, "alice", "guess").status_code == 429

    assert sign_in(client, "bob", PASSWORD).status_code == 200


def test_one_address_guessing_many_usernames_is_stopped(client, session, limited):
    make_user(session, username="carol")
    answers = [sign_in(client, f"nobody{n}", "guess").status_code for n in range(6)]
    assert answers == [401] * 6

    refused = sign_in(client, "carol", PASSWORD)

    assert refused.status_code == 429 and "your address" in refused.json()["detail"]


def test_a_success_clears_the_usernames_failures_but_not_the_addresss(client, session, limited):
    make_user(session, username="dave")
    for _ in range(2):
        assert sign_in(client, "dave", "typo").status_code == 401
    assert sign_in(client, "dave", PASSWORD).status_code == 200
    for _ in range(2):
        assert sign_in(client, "dave", "typo").status_code == 401
    assert sign_in(client, "dave", PASSWORD).status_code == 200  # 4 failures in all, never 3 in a row
    assert [sign_in(client, "dave", "typo").status_code for _ in range(2)] == [401, 401]
    assert sign_in(client, "dave", "typo").status_code == 429  # the address's 6 failures: dave's sign-in kept them


def test_failures_leave_the_window(session, limited):
    settings = limited.state.settings
    start = utcnow()
    for _ in range(3):
        login_limit.record_failure(session, settings, "erin", "10.0.0.9", now=start)
    with pytest.raises(login_limit.TooManyAttempts) as refused:
        login_limit.refuse_if_limited(session, settings, "erin", "10.0.0.9", now=start + timedelta(seconds=200))
    assert refused.value.headers["Retry-After"] == "400"

    login_limit.refuse_if_limited(session, settings, "erin", "10.0.0.9", now=start + timedelta(seconds=601))


@pytest.fixture
def live_server(backend: str, tmp_path, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    url, database = migrated_database(backend, tmp_path, request)
    with database.transaction() as session:
        account_service.create_user(session, "frank", "Frank", Role.adviser, PASSWORD)
    database.dispose()
    server = LiveServer(url, tmp_path, SECRET, workers=2)
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


def test_workers_share_one_count(live_server):
    """Ten failures spread over two worker processes (new connection each, so both workers answer)
    lock the username: the default limit is 10 per 15 minutes."""
    def attempt(password: str) -> httpx.Response:
        with httpx.Client(base_url=live_server.url, timeout=30) as fresh:
            return fresh.post("/api/auth/token", json={"username": "frank", "password": password})

    assert [attempt("guess").status_code for _ in range(10)] == [401] * 10
    refused = attempt(PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
