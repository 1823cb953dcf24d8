"""`mature webhooks deliver`: one process-less round of dispatching and sending, for cron-style operation."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from app.cli import main
from app.config import Settings
from app.following import webhooks
from app.main import create_app
from tests.following.receiver import receiver


@pytest.fixture
def env(env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared CLI data folder, with no background delivery or indexing: the command under test does it."""
    monkeypatch.setenv("MATURE_WEBHOOK_DELIVERY", "false")
    monkeypatch.setenv("MATURE_SEARCH_INDEXING", "false")
    return env


def test_deliver_posts_what_the_server_queued_nothing_of(env):
    runner = CliRunner()
    assert runner.invoke(main, ["demo"]).exit_code == 0
    with receiver() as hook_receiver, TestClient(create_app(Settings())) as client:
        login = lambda name: {"Authorization": "Bearer " + client.post(  # noqa: E731
            "/api/auth/token", json={"username": name, "password": "mature-demo"}).json()["access_token"]}
        admin = login("admin")
        hook = client.post("/api/webhooks", headers=admin, json={"url": hook_receiver.url,
                                                                 "event_types": ["page.created"]})
        assert hook.status_code == 201, hook.text
        spaces = client.get("/api/spaces", headers=admin).json()["items"]
        space = next(s for s in spaces if s["kind"] == "organisation" and s["visibility"] == "organisation")
        created = client.post("/api/pages", headers=admin, json={"space_id": space["id"], "title": "From the CLI test"})
        assert created.status_code == 201, created.text
        assert hook_receiver.received == []  # delivery is off in this server
        result = runner.invoke(main, ["webhooks", "deliver"])
        assert result.exit_code == 0, result.output
        assert "attempted 1 deliveries" in result.output
        (received,) = hook_receiver.received
    assert json.loads(received.body)["page"]["title"] == "From the CLI test"
    assert webhooks.verify(hook.json()["secret"], received.headers["X-Mature-Signature"], received.body,
                           int(time.time()))
