"""The real server (two worker processes): deliveries that failed are retried after a SIGKILL and a restart,
events written while no server ran are dispatched at start-up, and no delivery succeeds twice."""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import select

from app.auth import service as account_service
from app.auth.models import Role, TokenKind, Visibility
from app.changelog import Change
from app.db import Database, utcnow
from app.following import webhooks
from app.following.models import DeliveryStatus, WebhookDelivery
from app.pages import service as page_service
from tests.conftest import SECRET, migrated_database
from tests.factories import make_space
from tests.following.receiver import receiver
from tests.live_server import LiveServer

WITHIN = 30.0  # seconds, beyond the last scheduled retry


def eventually(check, message: str, within: float = WITHIN) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


@pytest.fixture
def database(backend: str, tmp_path, request: pytest.FixtureRequest):
    url, database = migrated_database(backend, tmp_path, request)
    database.url = url  # type: ignore[attr-defined]
    yield database
    database.dispose()


def token_for(session, username: str, role: Role):
    user = account_service.create_user(session, username, username.title(), role, None)
    return user, account_service.issue_token(session, SECRET, user, TokenKind.personal, "t", None).token


def test_a_restart_loses_no_queued_delivery(database, tmp_path):
    with database.transaction() as session:
        _, admin_token = token_for(session, "admin", Role.admin)
        writer, writer_token = token_for(session, "writer", Role.adviser)
        space_id = make_space(session, writer, Visibility.organisation).id
    admin = {"Authorization": f"Bearer {admin_token}"}
    writer_headers = {"Authorization": f"Bearer {writer_token}"}
    with receiver(default=503) as hook_receiver:
        server = LiveServer(database.url, tmp_path, SECRET, workers=2)
        try:
            server.wait_until_up()
            with httpx.Client(base_url=server.url, timeout=30) as http:
                response = http.post("/api/webhooks", headers=admin, json={
                    "url": hook_receiver.url, "event_types": ["page.created", "page.edited"]})
                assert response.status_code == 201, response.text
                secret = response.json()["secret"]
                for number in range(4):
                    response = http.post("/api/pages", headers=writer_headers, json={
                        "space_id": space_id, "title": f"Live page {number}", "content": "Notes."})
                    assert response.status_code == 201, response.text
            attempted = lambda: {json.loads(r.body)["id"] for r in hook_receiver.received}  # noqa: E731
            eventually(lambda: len(attempted()) == 4, "the four deliveries were not attempted")
        finally:
            os.killpg(server.process.pid, signal.SIGKILL)  # no shutdown: the queue must hold everything
            server.process.wait(timeout=10)
            server.log.close()
        with database.transaction() as session:
            queued = list(session.scalars(select(WebhookDelivery)))
            assert {d.status for d in queued} == {DeliveryStatus.pending}
            # Retries keep their backoff across the restart: wait for the last scheduled one, plus start-up.
            within = WITHIN + max((d.next_attempt_at - utcnow()).total_seconds() for d in queued)
            for number in range(2):  # written while no server runs: only the change log knows
                page_service.create_page(session, writer, space_id, f"Offline page {number}", "Notes.", [], "")
        hook_receiver.default = 200
        restarted = LiveServer(database.url, tmp_path, SECRET, workers=2)
        try:
            restarted.wait_until_up()
            with database.transaction(write=False) as session:
                expected = {f"c{change_id}" for change_id in session.scalars(
                    select(Change.id).where(Change.kind == "page.created"))}
            assert len(expected) == 6
            delivered = lambda: {json.loads(r.body)["id"] for r in hook_receiver.delivered()}  # noqa: E731
            eventually(lambda: delivered() == expected, "not every queued or offline event was delivered", within)
            eventually(lambda: _all_delivered(database), "deliveries not marked as delivered")
        finally:
            restarted.stop()
        successes = Counter(json.loads(r.body)["id"] for r in hook_receiver.delivered())
        assert set(successes.values()) == {1}, "a delivery succeeded twice: two senders posted it at once"
        now = int(time.time())
        assert all(webhooks.verify(secret, r.headers["X-Mature-Signature"], r.body, now)
                   for r in hook_receiver.received)


def _all_delivered(database: Database) -> bool:
    with database.transaction(write=False) as session:
        statuses = set(session.scalars(select(WebhookDelivery.status)))
    return statuses == {DeliveryStatus.delivered}
