"""Password guessing is slowed down, and nobody can lock someone else out: failed sign-ins make the client that
failed wait, longer with each failure (429 with Retry-After), per username and client address; a flood from many
addresses holds back only the addresses that failed, for a minute at most. Counts live in the database, so
several server processes share them. Time passes by moving the recorded failures back (no sleeping)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import service as account_service
from app.auth.models import Role
from app.db import utcnow
from app.main import create_app
from app.security import login_limit
from app.security.models import FailureCount
from tests.conftest import TransactionalDatabase, migrated_database, settings_for
from tests.factories import make_user

PASSWORD = "correct horse battery"


@pytest.fixture
def proxied(database: TransactionalDatabase, tmp_path) -> Iterator[TestClient]:
    """The service behind a trusted proxy (the test client's address), so X-Forwarded-For names the client."""
    settings = settings_for("sqlite://", tmp_path).model_copy(update={"trusted_proxies": ["testclient"]})
    with TestClient(create_app(settings, database=database), raise_server_exceptions=False) as client:
        yield client


def sign_in(client: TestClient, username: str, password: str, address: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post("/api/auth/token", json={"username": username, "password": password}, headers=headers)


def let_time_pass(session: Session, seconds: float) -> None:
    """As if `seconds` had passed since every recorded failure."""
    session.expire_all()
    for count in session.scalars(select(FailureCount)):
        count.last_failure_at -= timedelta(seconds=seconds)
    session.commit()


def retry_after(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return int(response.headers["Retry-After"])


def fail(client: TestClient, session: Session, username: str, address: str | None = None, times: int = 1) -> None:
    """`times` wrong passwords, each as soon as it is allowed (time passes instead of the test waiting)."""
    for _ in range(times):
        answer = sign_in(client, username, "guess", address)
        if answer.status_code == 429:
            let_time_pass(session, retry_after(answer))
            answer = sign_in(client, username, "guess", address)
        assert answer.status_code == 401, answer.text


def without_time(detail: str) -> str:
    return re.sub(r"Wait .*? UTC\)", "Wait", detail)


def test_delays_double_after_the_free_failures_up_to_the_cap():
    assert [login_limit.delay(n, free=3, cap=300) for n in range(15)] == \
        [0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    assert login_limit.delay(10_000, free=3, cap=300) == 300  # no overflow however long a guesser goes on


def test_erin_signs_in_at_once_while_the_address_guessing_her_password_waits_longer_each_time(proxied, session):
    make_user(session, username="erin")
    guesser, erins_laptop = "203.0.113.7", "198.51.100.20"
    fail(proxied, session, "erin", guesser, times=10)

    assert sign_in(proxied, "erin", PASSWORD, erins_laptop).status_code == 200  # not held back by the guesser

    waits, answers = [], []
    for _ in range(3):
        answers.append(sign_in(proxied, "erin", PASSWORD, guesser))  # even the right password: it may be found
        waits.append(retry_after(answers[-1]))
        fail(proxied, session, "erin", guesser)
    assert all(expected - 2 <= wait <= expected for wait, expected in zip(waits, [128, 256, 300])), waits
    detail = answers[-1].json()["detail"]
    assert "12 failed sign-ins in a row for this username from your address" in detail, detail
    assert "Wait 5 minutes" in detail and "UTC" in detail and "doubles the wait, up to 5 minutes" in detail
    assert "reset your password" not in detail and "an admin can set a new one" in detail

    fail(proxied, session, "nobody", guesser, times=10)  # a username nobody has is answered alike
    ghost = sign_in(proxied, "nobody", PASSWORD, guesser)
    assert abs(retry_after(ghost) - waits[0]) <= 2
    assert without_time(ghost.json()["detail"]) == without_time(answers[0].json()["detail"])


def test_a_flood_from_many_addresses_cannot_keep_the_owner_out(proxied, session):
    make_user(session, username="fatima")
    settings = proxied.app.state.settings  # the account delay from the 4th failure on, so ten addresses reach the cap
    proxied.app.state.settings = settings.model_copy(update={"login_account_failures": 4})
    flood = [f"10.0.0.{n + 1}" for n in range(10)]
    for address in flood:  # one guess each: none of them waits for its own failures
        assert sign_in(proxied, "fatima", "guess", address).status_code == 401

    again = sign_in(proxied, "fatima", "guess", flood[0])  # but the account's delay holds back those that failed
    limit = proxied.app.state.settings.login_account_max_delay_seconds
    assert 30 < retry_after(again) <= limit and "several addresses" in again.json()["detail"]

    assert sign_in(proxied, "fatima", PASSWORD, "192.0.2.44").status_code == 200  # the owner elsewhere: at once
    assert sign_in(proxied, "fatima", "typo", "192.0.2.45").status_code == 401  # she mistypes during the flood ...
    slowed = sign_in(proxied, "fatima", PASSWORD, "192.0.2.45")
    assert retry_after(slowed) <= limit  # ... and is slowed for a minute at most, never locked
    let_time_pass(session, limit)
    assert sign_in(proxied, "fatima", PASSWORD, "192.0.2.45").status_code == 200


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(client, proxied, session):
    make_user(session, username="gita")
    for n in range(5):  # without MATURE_TRUSTED_PROXIES these are one client, whatever the header says
        fail(client, session, "gita", f"10.1.0.{n}")
    assert retry_after(sign_in(client, "gita", PASSWORD, "10.1.0.99")) > 2

    let_time_pass(session, 3600)  # forgotten: the counts have been quiet for the window
    for n in range(5):  # behind a trusted proxy: five clients, none of which has failed three times
        for _ in range(2):
            assert sign_in(proxied, "gita", "guess", f"10.1.0.{n}").status_code == 401
    assert sign_in(proxied, "gita", PASSWORD, "10.1.0.0").status_code == 200


def test_one_address_guessing_many_usernames_waits_and_others_do_not(proxied, session):
    make_user(session, username="carol")
    proxied.app.state.settings = proxied.app.state.settings.model_copy(update={"login_failures_per_address": 4})
    for n in range(7):
        fail(proxied, session, f"nobody{n}", "203.0.113.9")

    refused = sign_in(proxied, "carol", PASSWORD, "203.0.113.9")

    assert retry_after(refused) > 4 and "from your address, for several usernames" in refused.json()["detail"]
    assert sign_in(proxied, "carol", PASSWORD, "203.0.113.10").status_code == 200


def test_a_success_clears_only_this_addresss_count_for_the_username(client, session):
    make_user(session, username="dave")
    for _ in range(2):
        for _ in range(2):
            assert sign_in(client, "dave", "typo").status_code == 401
        assert sign_in(client, "dave", PASSWORD).status_code == 200  # 4 failures in all, never 3 in a row

    session.expire_all()
    counts = {(c.account, c.client): c.failures for c in session.scalars(select(FailureCount))}
    # the username's and the address's counts stay: one valid account must not reset an address guessing others'
    assert counts == {("dave", ""): 4, ("", "testclient"): 4}


def test_counts_are_forgotten_after_a_quiet_window(session, app):
    settings = app.state.settings
    start = utcnow()
    for _ in range(5):
        login_limit.record_failure(session, settings, "erin", "10.0.0.9", now=start)
    with pytest.raises(login_limit.TooManyAttempts) as refused:
        login_limit.refuse_if_limited(session, settings, "erin", "10.0.0.9", now=start + timedelta(seconds=1))
    assert refused.value.headers["Retry-After"] == "3"  # 4 s after the fifth failure, 1 s of it gone

    later = start + timedelta(seconds=settings.login_window_seconds + 1)
    login_limit.refuse_if_limited(session, settings, "erin", "10.0.0.9", now=later)
    login_limit.record_failure(session, settings, "someone", "10.0.0.8", now=later)  # sweeps the quiet counts
    assert {(c.account, c.client) for c in session.scalars(select(FailureCount))} == {
        ("someone", "10.0.0.8"), ("someone", ""), ("", "10.0.0.8")}


@pytest.fixture
def two_workers(backend: str, tmp_path, request: pytest.FixtureRequest) -> Iterator[list[TestClient]]:
    """Two copies of the service on one database, each with its own engine and connections, as two worker
    processes have (SQLite writers of both queue on the same lock file)."""
    url, database = migrated_database(backend, tmp_path, request)
    with database.transaction() as session:
        account_service.create_user(session, "frank", "Frank", Role.adviser, PASSWORD)
    database.dispose()
    settings = settings_for(url, tmp_path).model_copy(update={"usage_flush_seconds": 0})
    apps = [create_app(settings), create_app(settings)]
    with TestClient(apps[0], raise_server_exceptions=False) as first, \
            TestClient(apps[1], raise_server_exceptions=False) as second:
        yield [first, second]
    for app in apps:
        app.state.database.dispose()


def test_parallel_guesses_through_two_workers_cannot_slip_past_the_count(two_workers):
    barrier, answers = threading.Barrier(8), []

    def guess(client: TestClient) -> None:
        barrier.wait()
        answers.append(sign_in(client, "frank", "guess"))

    threads = [threading.Thread(target=guess, args=(two_workers[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # the three free failures, then the 1 s wait for everyone: one count, and the tries took turns
    assert sorted(answer.status_code for answer in answers) == [401] * 3 + [429] * 5
    assert {answer.headers.get("Retry-After") for answer in answers if answer.status_code == 429} == {"1"}
