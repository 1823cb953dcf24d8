"""Looking after accounts: admins reset a forgotten password and deactivate or reactivate an account (API and
`mature user`), and people change their own password with the current one, a wrong one counting as a failed
sign-in. A reset signs the person out of their sign-in tokens; deactivation stops every token at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import service as account_service
from app.auth.exceptions import InvalidCredentials, InvalidToken
from app.auth.models import Role, TokenKind
from app.config import Settings
from app.db import Database, make_engine
from app.security.models import FailureCount
from tests.conftest import CLI_SECRET, run_cli
from tests.factories import make_person

PASSWORD, NEW = "correct horse battery", "kittiwakes nest on the tyne"


def sign_in(client: TestClient, username: str, password: str) -> httpx.Response:
    return client.post("/api/auth/token", json={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def session_token(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    answer = sign_in(client, username, password)
    assert answer.status_code == 200, answer.text
    return bearer(answer.json()["access_token"])


def me(client: TestClient, headers: dict[str, str]) -> int:
    return client.get("/api/users/me", headers=headers).status_code


def test_an_admin_resets_a_forgotten_password_and_signs_the_person_out(client, session):
    admin, erin, colleague = make_person(session, Role.admin), make_person(session, username="erin"), make_person(session)
    signed_in = session_token(client, "erin")
    for _ in range(4):  # she has been trying to remember it, and now waits
        sign_in(client, "erin", "was it this one")
    assert sign_in(client, "erin", PASSWORD).status_code == 429

    refused = client.post(f"/api/users/{erin.id}/password", headers=colleague.headers, json={"new_password": NEW})
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert me(client, signed_in) == 200  # the colleague changed nothing

    assert client.post(f"/api/users/{erin.id}/password", headers=admin.headers,
                       json={"new_password": NEW}).status_code == 204
    assert me(client, signed_in) == 401  # signed out of her sign-in tokens ...
    assert me(client, erin.headers) == 200  # ... while her personal access token (a widget's) keeps working
    assert sign_in(client, "erin", PASSWORD).status_code == 401
    assert sign_in(client, "erin", NEW).status_code == 200  # at once: the reset ended her wait

    own = client.post(f"/api/users/{admin.id}/password", headers=admin.headers, json={"new_password": NEW})
    assert own.status_code == 409 and "/api/users/me/password" in own.json()["detail"]
    short = client.post(f"/api/users/{erin.id}/password", headers=admin.headers, json={"new_password": "short"})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "new_password"
    assert client.post("/api/users/999999/password", headers=admin.headers,
                       json={"new_password": NEW}).status_code == 404


def test_a_deactivated_person_cannot_sign_in_and_every_token_stops_at_once(client, session):
    admin, erin, colleague = make_person(session, Role.admin), make_person(session, username="erin"), make_person(session)
    signed_in = session_token(client, "erin")

    denied = client.patch(f"/api/users/{erin.id}", headers=colleague.headers, json={"is_active": False})
    assert denied.status_code == 403 and me(client, erin.headers) == 200  # control: only admins

    off = client.patch(f"/api/users/{erin.id}", headers=admin.headers, json={"is_active": False})
    assert off.status_code == 200 and off.json()["is_active"] is False
    for headers in (signed_in, erin.headers):  # the sign-in token and the personal access token
        answer = client.get("/api/users/me", headers=headers)
        assert answer.status_code == 401, answer.text
    refused = sign_in(client, "erin", PASSWORD)
    assert refused.status_code == 401 and refused.json()["detail"] == sign_in(client, "nobody", PASSWORD).json()["detail"]

    assert client.patch(f"/api/users/{erin.id}", headers=admin.headers, json={"is_active": True}).status_code == 200
    assert me(client, session_token(client, "erin")) == 200  # back, with her password
    assert me(client, erin.headers) == 401  # tokens revoked on deactivation stay revoked

    own = client.patch(f"/api/users/{admin.id}", headers=admin.headers, json={"is_active": False})
    assert own.status_code == 409 and "another admin" in own.json()["detail"]


def test_people_change_their_own_password_with_the_current_one(client, session):
    erin = make_person(session, username="erin")
    this_device, other_device = session_token(client, "erin"), session_token(client, "erin")

    wrong = client.post("/api/users/me/password", headers=this_device,
                        json={"current_password": "not it at all", "new_password": NEW})
    assert wrong.status_code == 403 and wrong.json()["title"] == "Current password is wrong"
    assert "nothing was changed" in wrong.json()["detail"]
    session.expire_all()
    counted = session.scalar(select(FailureCount.failures).where(FailureCount.account == "erin",
                                                                  FailureCount.client == "testclient"))
    assert counted == 1  # a failed sign-in, slowed down like any other

    short = client.post("/api/users/me/password", headers=this_device,
                        json={"current_password": PASSWORD, "new_password": "short"})
    assert short.status_code == 422 and "new_password" in {e["field"] for e in short.json()["errors"]}

    changed = client.post("/api/users/me/password", headers=this_device,
                          json={"current_password": PASSWORD, "new_password": NEW})
    assert changed.status_code == 204
    assert me(client, this_device) == 200 and me(client, erin.headers) == 200  # this token and the widget's stay
    assert me(client, other_device) == 401  # signed out elsewhere
    assert sign_in(client, "erin", PASSWORD).status_code == 401 and sign_in(client, "erin", NEW).status_code == 200


def test_guessing_the_current_password_with_someones_token_is_slowed_down(client, session):
    erin = make_person(session, username="erin")
    for _ in range(3):
        assert client.post("/api/users/me/password", headers=erin.headers,
                           json={"current_password": "guess", "new_password": NEW}).status_code == 403

    slowed = client.post("/api/users/me/password", headers=erin.headers,
                         json={"current_password": PASSWORD, "new_password": NEW})

    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) >= 1
    assert sign_in(client, "erin", PASSWORD).status_code == 429  # the same count as sign-in (same address)


# ---------------------------------------------------------------- the `mature user` commands


@pytest.fixture
def erin_cli(env) -> str:
    """A fresh data folder with erin's account; her personal access token."""
    assert run_cli("db", "upgrade").exit_code == 0
    assert run_cli("user", "add", "erin", stdin=f"{PASSWORD}\n").exit_code == 0
    return run_cli("token", "create", "erin").stdout.strip()


@contextmanager
def cli_database(write: bool = True) -> Iterator[Session]:
    """A transaction on the database the commands use (the `env` fixture's)."""
    database = Database(make_engine(Settings()))
    try:
        with database.transaction(write=write) as session:
            yield session
    finally:
        database.dispose()


def signs_in(password: str) -> bool:
    """Whether erin's password works, checked in the commands' database as the sign-in endpoint checks it."""
    with cli_database() as session:
        try:
            account_service.authenticate(session, "erin", password)
        except InvalidCredentials:
            return False
        return True


def token_works(token: str) -> bool:
    with cli_database(write=False) as session:
        try:
            account_service.user_for_token(session, CLI_SECRET, token)
        except InvalidToken:
            return False
        return True


def test_user_password_deactivate_and_activate_commands(erin_cli):
    with cli_database() as session:
        erin = account_service.get_user_by_username(session, "erin")
        signed_in = account_service.issue_token(session, CLI_SECRET, erin, TokenKind.session, "sign-in", None).token

    reset = run_cli("user", "password", "erin", stdin=f"{NEW}\n")
    assert reset.exit_code == 0 and "1 sign-in token(s) revoked" in reset.output, reset.output
    assert not signs_in(PASSWORD) and signs_in(NEW)
    assert not token_works(signed_in) and token_works(erin_cli)  # signed out; the personal token keeps working

    off = run_cli("user", "deactivate", "erin")
    assert off.exit_code == 0 and "erin deactivated; 1 token(s) revoked" in off.output, off.output
    assert not signs_in(NEW) and not token_works(erin_cli)
    assert "already deactivated" in run_cli("user", "deactivate", "erin").output

    on = run_cli("user", "activate", "erin")
    assert on.exit_code == 0 and "erin activated" in on.output
    assert signs_in(NEW) and not token_works(erin_cli)  # revoked tokens stay revoked


def test_user_command_errors_are_one_clear_line(erin_cli):
    for args, stdin, message in [
        (("user", "password", "nobody"), f"{NEW}\n", "There is no user 'nobody'."),
        (("user", "deactivate", "nobody"), None, "There is no user 'nobody'."),
        (("user", "activate", "nobody"), None, "There is no user 'nobody'."),
        (("user", "password", "erin"), "short\n", "The password needs at least 10 characters."),
        (("user", "password", "erin"), "", "The password needs at least 10 characters."),
    ]:
        result = run_cli(*args, stdin=stdin)
        assert (result.exit_code, result.output.strip()) == (1, f"Error: {message}"), (args, result.output)
