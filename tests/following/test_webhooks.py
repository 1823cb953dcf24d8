"""Webhooks in process: registration rules, the scope rule, signatures, retries with backoff, claims."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth import space_service
from app.auth.models import MemberRole, Role, Visibility
from app.changelog import Change
from app.db import utcnow
from app.following import dispatch, webhooks
from app.following.models import WebhookDelivery
from tests.factories import make_person, make_space, personal_space
from tests.following.helpers import create_page, edit
from tests.following.receiver import receiver


class Clock:
    """The sender's clock, moved ahead by hand so retries need no sleeping."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
def org(session: Session):
    admin, writer = make_person(session, Role.admin), make_person(session)
    open_space = make_space(session, writer.user, Visibility.organisation)
    team_space = make_space(session, writer.user, Visibility.members)
    return admin, writer, open_space, team_space


@pytest.fixture
def worker(app, client):
    worker = app.state.webhook_worker
    worker.sender.clock = Clock()
    return worker


def register(client, admin, url, types=("page.edited",), **fields) -> dict:
    response = client.post("/api/webhooks", headers=admin.headers,
                           json={"url": url, "event_types": list(types), **fields})
    assert response.status_code == 201, response.text
    return response.json()


def deliveries(client, admin, hook_id) -> list[dict]:
    response = client.get(f"/api/webhooks/{hook_id}/deliveries", headers=admin.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def waited(delivery: dict) -> float:
    """Seconds from an attempt to the next one."""
    gap = datetime.fromisoformat(delivery["next_attempt_at"]) - datetime.fromisoformat(delivery["last_attempt_at"])
    return gap.total_seconds()


def test_a_signed_delivery(client, org, worker):
    admin, writer, open_space, _ = org
    page = create_page(client, writer, open_space.id, "Care work")
    with receiver() as hook_receiver:
        hook = register(client, admin, hook_receiver.url)
        secret = hook.pop("secret")
        assert secret.startswith("whsec_") and "secret" not in client.get(
            f"/api/webhooks/{hook['id']}", headers=admin.headers).json()
        edited = edit(client, writer, page["id"], "New.\n", summary="Pay update")
        worker.run_once()
        (received,) = hook_receiver.received
    signature = received.headers["X-Mature-Signature"]
    now = int(time.time())
    assert webhooks.verify(secret, signature, received.body, now)
    assert not webhooks.verify(secret, signature, received.body + b" ", now)  # tampered
    assert not webhooks.verify(secret, signature, received.body, now + 3600)  # replayed an hour later
    assert not webhooks.verify("whsec_other", signature, received.body, now)
    body = json.loads(received.body)
    assert body["type"] == "page.edited" == received.headers["X-Mature-Event"]
    assert body["page"] == {"id": page["id"], "title": "Care work", "space_id": open_space.id}
    assert body["summary"] == "Pay update" and body["actor"]["id"] == writer.id
    revision = edited["revision"]["id"]
    assert body["links"]["diff"].endswith(f"/api/pages/{page['id']}/diff?from={page['revision']['id']}&to={revision}")
    (delivery,) = deliveries(client, admin, hook["id"])
    assert delivery["status"] == "delivered" and delivery["attempts"] == 1 and delivery["last_status_code"] == 200
    assert delivery["event_id"] == body["id"] and received.headers["X-Mature-Delivery"] == str(delivery["id"])
    worker.run_once()  # nothing new: nothing sent twice
    assert len(hook_receiver.received) == 1


def test_failures_are_retried_with_exponential_backoff(client, org, worker):
    admin, writer, open_space, _ = org
    page = create_page(client, writer, open_space.id, "Care work")
    with receiver(answers=[503, 500]) as hook_receiver:
        hook = register(client, admin, hook_receiver.url)
        edit(client, writer, page["id"], "New.\n")
        worker.run_once()
        (first,) = deliveries(client, admin, hook["id"])
        assert (first["status"], first["attempts"], first["last_status_code"]) == ("pending", 1, 503)
        assert waited(first) == pytest.approx(dispatch.BACKOFF_BASE, abs=0.5)
        assert worker.run_once() == 0  # not due yet
        worker.sender.clock.advance(dispatch.BACKOFF_BASE)
        worker.run_once()
        (second,) = deliveries(client, admin, hook["id"])
        assert (second["attempts"], second["last_status_code"]) == (2, 500)
        assert waited(second) == pytest.approx(2 * dispatch.BACKOFF_BASE, abs=0.5)
        worker.sender.clock.advance(2 * dispatch.BACKOFF_BASE)
        worker.run_once()
        assert [r.answered for r in hook_receiver.received] == [503, 500, 200]
        bodies = {r.body for r in hook_receiver.received}
    assert len(bodies) == 1  # every retry sends the same bytes
    (done,) = deliveries(client, admin, hook["id"])
    assert (done["status"], done["attempts"], done["delivered_at"] is not None) == ("delivered", 3, True)


def test_a_receiver_that_never_answers_gives_up_after_the_last_attempt(client, org, worker, monkeypatch):
    admin, writer, open_space, _ = org
    monkeypatch.setattr(dispatch, "MAX_ATTEMPTS", 3)
    page = create_page(client, writer, open_space.id, "Care work")
    with receiver() as closed:
        url = closed.url  # the port is closed once the block ends: connection refused
    hook = register(client, admin, url)
    edit(client, writer, page["id"], "New.\n")
    for _ in range(3):
        worker.run_once()
        worker.sender.clock.advance(dispatch.BACKOFF_CAP)
    (delivery,) = deliveries(client, admin, hook["id"])
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("failed", 3, None)
    assert "refused" in delivery["last_error"].lower() or "error" in delivery["last_error"].lower()
    failed = client.get(f"/api/webhooks/{hook['id']}/deliveries", headers=admin.headers, params={"status": "failed"})
    assert len(failed.json()["items"]) == 1


def test_private_pages_reach_only_their_space_hooks(client, session, org, worker):
    admin, writer, open_space, team_space = org
    with receiver() as organisation_wide, receiver() as team_hook:
        register(client, admin, organisation_wide.url)
        register(client, admin, team_hook.url, space_id=team_space.id)
        for space in (open_space, team_space, personal_space(session, writer.user)):
            page = create_page(client, writer, space.id, f"Page in {space.key}")
            edit(client, writer, page["id"], "Edited.\n")
        worker.run_once()
        open_titles = [json.loads(r.body)["page"]["title"] for r in organisation_wide.received]
        team_titles = [json.loads(r.body)["page"]["title"] for r in team_hook.received]
    assert open_titles == [f"Page in {open_space.key}"]
    assert team_titles == [f"Page in {team_space.key}"]


def test_a_page_moved_out_of_an_open_space_stops_reaching_organisation_hooks(client, session, org, worker):
    admin, writer, open_space, team_space = org
    page = create_page(client, writer, open_space.id, "Care work")
    with receiver() as hook_receiver:
        register(client, admin, hook_receiver.url, types=("page.edited", "page.moved"))
        response = client.post(f"/api/pages/{page['id']}/move", headers=writer.headers,
                               json={"title": "Care work", "space_id": team_space.id})
        assert response.status_code == 200, response.text
        edit(client, writer, page["id"], "Now private.\n")
        worker.run_once()
        assert hook_receiver.received == []


def test_registration_rules(client, session, org):
    admin, writer, _, team_space = org
    someone = make_person(session)
    theirs = personal_space(session, someone.user)
    url = "https://intranet.example.org/hook"
    assert client.post("/api/webhooks", headers=writer.headers,
                       json={"url": url, "event_types": ["page.edited"]}).status_code == 403
    cases = [({"url": "ftp://example.org/x", "event_types": ["page.edited"]}, 422),
             ({"url": "https://user:pw@example.org/x", "event_types": ["page.edited"]}, 422),
             ({"url": url, "event_types": ["page.painted"]}, 422),
             ({"url": url, "event_types": ["person.tagged"]}, 422),
             ({"url": url, "event_types": []}, 422),
             ({"url": url, "event_types": ["page.edited"], "space_id": theirs.id}, 404),
             ({"url": url, "event_types": ["page.edited"], "space_id": 999999}, 404)]
    for body, expected in cases:
        response = client.post("/api/webhooks", headers=admin.headers, json=body)
        assert response.status_code == expected, (body, response.text)
    hook = register(client, admin, url, space_id=team_space.id)
    assert [h["id"] for h in client.get("/api/webhooks", headers=admin.headers).json()["items"]] == [hook["id"]]
    assert client.get(f"/api/webhooks/{hook['id']}", headers=writer.headers).status_code == 403
    response = client.patch(f"/api/webhooks/{hook['id']}", headers=admin.headers,
                            json={"active": False, "event_types": ["page.approved", "page.edited"]})
    assert response.status_code == 200
    assert (response.json()["active"], response.json()["event_types"]) == (False, ["page.edited", "page.approved"])
    assert client.patch(f"/api/webhooks/{hook['id']}", headers=admin.headers,
                        json={"url": "nope"}).status_code == 422
    assert client.delete(f"/api/webhooks/{hook['id']}", headers=admin.headers).status_code == 204
    assert client.get(f"/api/webhooks/{hook['id']}", headers=admin.headers).status_code == 404
    assert client.get("/api/webhooks/1/deliveries", headers=admin.headers, params={"cursor": "x"}).status_code in (
        400, 404)


def test_a_claimed_delivery_is_sent_by_one_sender_only(client, session, org, worker):
    admin, writer, open_space, _ = org
    page = create_page(client, writer, open_space.id, "Care work")
    register(client, admin, "http://127.0.0.1:9/never")
    edit(client, writer, page["id"], "New.\n")
    with worker.database.transaction() as work:
        assert dispatch.dispatch(work, "http://localhost/") == 1
    delivery = session.scalar(select(WebhookDelivery))
    now = utcnow()
    assert worker.sender._claim(delivery.id, 0, now) is not None
    assert worker.sender._claim(delivery.id, 0, now) is None  # the second process sees the claim
    with worker.database.transaction() as work:
        assert dispatch.dispatch(work, "http://localhost/") == 0  # queued once, however often dispatched


def test_paused_hooks_keep_their_deliveries_waiting(client, org, worker):
    admin, writer, open_space, _ = org
    page = create_page(client, writer, open_space.id, "Care work")
    with receiver() as hook_receiver:
        hook = register(client, admin, hook_receiver.url)
        client.patch(f"/api/webhooks/{hook['id']}", headers=admin.headers, json={"active": False})
        edit(client, writer, page["id"], "New.\n")
        worker.run_once()
        assert hook_receiver.received == []
        assert [d["status"] for d in deliveries(client, admin, hook["id"])] == ["pending"]
        client.patch(f"/api/webhooks/{hook['id']}", headers=admin.headers, json={"active": True})
        worker.run_once()
        assert len(hook_receiver.received) == 1


def test_derived_events_reach_hooks_too(client, session, org, worker):
    admin, writer, open_space, _ = org
    manager = make_person(session, Role.manager)
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    with receiver() as hook_receiver:
        register(client, admin, hook_receiver.url,
                 types=("page.approved", "page.phase_changed", "page.valid_until_passed", "page.rated"))
        page = create_page(client, writer, open_space.id, "Old figures", f"[[Valid until::{yesterday}]] Pay.\n")
        assert client.put(f"/api/pages/{page['id']}/approval", headers=manager.headers, json={}).status_code == 200
        client.put(f"/api/pages/{page['id']}/ratings/mine", headers=manager.headers,
                   json={"scores": {"currency": 3}, "anonymous": True})
        worker.run_once()
        bodies = [json.loads(r.body) for r in hook_receiver.received]
    by_type = {body["type"]: body for body in bodies}
    assert set(by_type) == {"page.approved", "page.phase_changed", "page.valid_until_passed", "page.rated"}
    assert by_type["page.valid_until_passed"]["details"] == {"valid_until": yesterday}
    assert by_type["page.phase_changed"]["details"]["to"] == "standardising"
    assert by_type["page.rated"]["actor"] is None  # ratings may be anonymous: never named to integrations
    assert by_type["page.approved"]["actor"]["id"] == manager.id


def test_a_space_hook_stops_when_its_creator_loses_the_space(client, session, org, worker):
    admin, writer, _, _ = org
    private = personal_space(session, writer.user)
    space_service.put_member(session, private, admin.user, MemberRole.reader)  # shared with the admin
    session.commit()
    page = create_page(client, writer, private.id, "My draft")
    with receiver() as hook_receiver:
        register(client, admin, hook_receiver.url, space_id=private.id)
        edit(client, writer, page["id"], "Shared while the admin may read it.\n")
        worker.run_once()
        assert len(hook_receiver.received) == 1
        space_service.remove_member(session, private, admin.user)
        session.commit()
        edit(client, writer, page["id"], "Private again.\n")
        worker.run_once()
        assert len(hook_receiver.received) == 1


def test_old_finished_deliveries_are_pruned_and_never_requeued(client, session, org, worker):
    admin, writer, open_space, _ = org
    page = create_page(client, writer, open_space.id, "Care work")
    with receiver() as hook_receiver:
        hook = register(client, admin, hook_receiver.url)
        edit(client, writer, page["id"], "New.\n")
        worker.run_once()
        assert len(deliveries(client, admin, hook["id"])) == 1
        later = utcnow() + dispatch.RETENTION + timedelta(days=1)
        with worker.database.transaction() as work:
            assert dispatch.prune(work, utcnow()) == 0  # too recent
            assert dispatch.prune(work, later) == 1
        session.execute(update(Change).values(at=utcnow() - dispatch.RETENTION - timedelta(days=1)))
        session.commit()
        edit(client, writer, page["id"], "Newer.\n")  # a new event: the window is looked at again
        worker.run_once()
        assert len(hook_receiver.received) == 2  # the new edit only, not the pruned one again
