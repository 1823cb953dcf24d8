"""Review queues you can work: claim, assign to a colleague, due dates, resolve with a note that stays in the
page's history; the unassessed queue; and no queue, item or notice about a page the caller may not read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Role, Visibility
from app.changelog import Change
from app.db import utcnow
from app.pages.models import Page
from app.quality.models import Rating, ReviewItem
from tests.factories import make_person, make_space, personal_space
from tests.factories import post_page as create

QUEUE = "/api/quality/review-queue"


@pytest.fixture
def org(client: TestClient, session: Session) -> dict:
    author, manager = make_person(session), make_person(session, Role.manager)
    advisers = [make_person(session) for _ in range(2)]
    outsider = make_person(session)
    team = make_space(session, author.user, Visibility.members, {a.user: MemberRole.editor for a in advisers})
    pages = {
        "expired": create(client, author, team.id, "Expired figures", "[[Valid until::2020-01-31]]\n"),
        "fresh": create(client, author, team.id, "Fresh figures", "[[Valid until::2099-01-31]]\n"),
        "draft": create(client, author, personal_space(session, author.user).id, "Private draft",
                        "[[Valid until::2019-01-01]]\n"),
    }
    return {"author": author, "manager": manager, "advisers": advisers, "outsider": outsider, "team": team,
            "pages": pages}


def queue(client: TestClient, person, kind: str = "stale", **params) -> list[dict]:
    answer = client.get(QUEUE, params={"kind": kind, **params}, headers=person.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def act(client: TestClient, person, page: dict, action: str, kind: str = "stale", **body):
    return client.post(f"/api/pages/{page['id']}/reviews/{kind}/{action}", headers=person.headers, json=body)


def test_claim_shows_in_the_queue_and_filters(client, org):
    alice, bob = org["advisers"]
    expired = org["pages"]["expired"]
    [item] = queue(client, alice)
    assert item["title"] == "Expired figures" and item["review"]["state"] == "open" and item["review"]["item_id"] is None
    due = (utcnow().date() + timedelta(days=7)).isoformat()
    claimed = act(client, alice, expired, "claim", due_on=due)
    assert claimed.status_code == 200, claimed.text
    body = claimed.json()
    assert (body["state"], body["assignee"]["id"], body["due_on"], body["reason"]) == (
        "claimed", alice.user.id, due, "Valid until 31 January 2020 has passed")
    [item] = queue(client, bob)
    assert item["review"]["state"] == "claimed" and item["review"]["assignee"]["username"] == alice.user.username
    assert [i["title"] for i in queue(client, alice, filter="mine")] == ["Expired figures"]
    assert queue(client, bob, filter="mine") == [] and queue(client, bob, filter="unassigned") == []
    taken = act(client, bob, expired, "claim")
    assert taken.status_code == 409 and alice.user.display_name in taken.json()["detail"]
    again = act(client, alice, expired, "claim")  # claiming again keeps the due date
    assert again.status_code == 200 and again.json()["due_on"] == due and again.json()["id"] == body["id"]


def test_a_page_not_in_the_queue_cannot_be_claimed_and_a_past_due_date_is_refused(client, org):
    alice = org["advisers"][0]
    fresh = act(client, alice, org["pages"]["fresh"], "claim")
    assert fresh.status_code == 409 and fresh.headers["content-type"] == "application/problem+json"
    assert "Stale review queue" in fresh.json()["detail"]
    late = act(client, alice, org["pages"]["expired"], "claim", due_on="2020-01-01")
    assert late.status_code == 422 and "has passed" in late.json()["detail"]
    unknown = act(client, alice, org["pages"]["expired"], "claim", kind="popular")
    assert unknown.status_code == 422


def test_managers_assign_to_colleagues_who_can_read_the_page(client, session, org):
    alice, bob = org["advisers"]
    expired = org["pages"]["expired"]
    due = (utcnow().date() + timedelta(days=3)).isoformat()
    refused = act(client, alice, expired, "assign", assignee_id=bob.user.id)
    assert refused.status_code == 403  # not a manager, and she does not hold it
    blind = act(client, org["manager"], expired, "assign", assignee_id=org["outsider"].user.id)
    assert blind.status_code == 422 and "cannot read this page" in blind.json()["detail"]
    nobody = act(client, org["manager"], expired, "assign", assignee_id=999_999)
    assert nobody.status_code == 422
    assigned = act(client, org["manager"], expired, "assign", assignee_id=alice.user.id, due_on=due)
    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["state"], assigned.json()["assigned_by"]["id"]) == ("assigned", org["manager"].user.id)
    # The holder may pass it on; the new assignee finds it in their feed, though they follow nothing.
    passed = act(client, alice, expired, "assign", assignee_id=bob.user.id, due_on=due)
    assert passed.status_code == 200 and passed.json()["assignee"]["id"] == bob.user.id
    feed = client.get("/api/feed", headers=bob.headers).json()["items"]
    notices = [e for e in feed if e["type"] == "page.review_assigned"]
    assert [(n["page"]["id"], n["summary"]) for n in notices] == [
        (expired["id"], f"Stale review assigned to {bob.user.display_name}")]
    assert notices[0]["details"]["assignee_id"] == bob.user.id
    others = client.get("/api/feed", headers=org["manager"].headers).json()["items"]
    assert not [e for e in others if e["type"] == "page.review_assigned"]  # addressed to bob only
    back = act(client, org["manager"], expired, "assign", assignee_id=None)
    assert back.status_code == 200 and back.json()["state"] == "open" and back.json()["due_on"] is None


def test_an_assignment_leaves_the_feed_when_the_assignee_loses_the_page(client, session, org):
    alice = org["advisers"][0]
    expired = org["pages"]["expired"]
    assert act(client, org["manager"], expired, "assign", assignee_id=alice.user.id).status_code == 200
    assert [e for e in client.get("/api/feed", headers=alice.headers).json()["items"]
            if e["type"] == "page.review_assigned"]
    removed = client.delete(f"/api/spaces/{org['team'].id}/members/{alice.user.id}", headers=org["author"].headers)
    assert removed.status_code == 204, removed.text
    assert not [e for e in client.get("/api/feed", headers=alice.headers).json()["items"]
                if e["type"] == "page.review_assigned"]


def test_resolving_keeps_the_note_in_the_history_and_a_later_change_reopens(client, session, org):
    alice, bob = org["advisers"]
    expired = org["pages"]["expired"]
    assert act(client, alice, expired, "claim").status_code == 200
    assert act(client, bob, expired, "resolve", note="Checked.").status_code == 403  # alice holds it
    assert act(client, alice, expired, "resolve", note="   ").status_code == 422
    note = "Checked the figures against ONS; the date is the publisher's, content still valid."
    resolved = act(client, alice, expired, "resolve", note=note)
    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["state"], resolved.json()["resolution_note"], resolved.json()["resolved_by"]["id"]) == (
        "resolved", note, alice.user.id)
    assert queue(client, alice) == []  # out of the queue until the page changes
    overview = client.get("/api/quality/overview", headers=alice.headers).json()
    assert overview["queues"]["stale"] == 0
    changes = client.get("/api/recent-changes", params={"page_id": expired["id"]}, headers=bob.headers).json()["items"]
    assert [(c["kind"], c["summary"]) for c in changes[:2]] == [
        ("page.review_resolved", note), ("page.review_claimed", "Stale review claimed")]
    assert all(c["page_id"] == expired["id"] for c in changes)
    assert act(client, alice, expired, "resolve", note="Again.").status_code == 409  # nothing open any more
    # An edit that keeps the expired date brings the page back; the next claim opens a new item.
    edited = client.patch(f"/api/pages/{expired['id']}", headers=org["author"].headers, json={
        "content": "New figures.\n[[Valid until::2020-01-31]]\n", "base_revision": expired["revision"]["id"]})
    assert edited.status_code == 200, edited.text
    [back] = queue(client, bob)
    assert back["review"] == {"item_id": None, "state": "open", "assignee": None, "assigned_by": None,
                              "due_on": None, "overdue": False}
    reopened = act(client, bob, expired, "claim")
    assert reopened.status_code == 200 and reopened.json()["id"] != resolved.json()["id"]
    history = client.get(f"/api/pages/{expired['id']}/reviews", headers=bob.headers).json()["items"]
    assert [(h["state"], h["assignee"]["id"]) for h in history] == [("claimed", bob.user.id),
                                                                    ("resolved", alice.user.id)]


def test_anyone_may_resolve_an_item_nobody_holds_and_a_resolution_holds_at_most_a_year(client, session, org):
    bob = org["advisers"][1]
    expired = org["pages"]["expired"]
    resolved = act(client, bob, expired, "resolve", note="Still valid.")
    assert resolved.status_code == 200 and resolved.json()["resolved_by"]["id"] == bob.user.id
    assert queue(client, bob) == []
    rated = client.put(f"/api/pages/{expired['id']}/ratings/mine", headers=org["advisers"][0].headers,
                       json={"scores": {"currency": 1}})
    assert rated.status_code == 200, rated.text
    assert [i["title"] for i in queue(client, bob)] == ["Expired figures"]  # a new rating brings it back
    assert act(client, bob, expired, "resolve", note="Rated low on currency: dates fixed.").status_code == 200
    assert queue(client, bob) == []
    for item in session.scalars(select(ReviewItem).where(ReviewItem.page_id == expired["id"])):
        item.resolved_at = utcnow() - timedelta(days=366)  # both resolutions a year old, the page untouched since
    for rating in session.scalars(select(Rating).where(Rating.page_id == expired["id"])):
        rating.created_at = utcnow() - timedelta(days=367)
    page = session.get(Page, expired["id"])
    page.updated_at = utcnow() - timedelta(days=400)
    session.commit()
    assert [i["title"] for i in queue(client, bob)] == ["Expired figures"]


def test_overdue_items(client, session, org):
    alice = org["advisers"][0]
    expired = org["pages"]["expired"]
    claimed = act(client, alice, expired, "claim", due_on=utcnow().date().isoformat())
    assert claimed.json()["overdue"] is False and queue(client, alice, filter="overdue") == []
    session.get(ReviewItem, claimed.json()["id"]).due_on = utcnow().date() - timedelta(days=1)
    session.commit()
    [late] = queue(client, alice, filter="overdue")
    assert late["review"]["overdue"] is True and late["review"]["state"] == "claimed"
    items = client.get("/api/quality/review-items", params={"filter": "overdue"}, headers=org["manager"].headers)
    assert [(i["page_title"], i["overdue"]) for i in items.json()["items"]] == [("Expired figures", True)]
    mine = client.get("/api/quality/review-items", params={"filter": "mine"}, headers=alice.headers).json()["items"]
    assert [i["id"] for i in mine] == [claimed.json()["id"]]


def test_unassessed_queue_is_pages_in_organisational_spaces_rated_only_by_their_authors(client, session, org):
    alice, bob = org["advisers"]
    fresh, expired = org["pages"]["fresh"], org["pages"]["expired"]
    titles = lambda: {i["title"]: i["reason"] for i in queue(client, org["author"], "unassessed")}  # noqa: E731
    assert titles() == {"Expired figures": "No colleague has rated it yet",
                        "Fresh figures": "No colleague has rated it yet"}  # never the personal draft
    client.put(f"/api/pages/{fresh['id']}/ratings/mine", headers=org["author"].headers,
               json={"scores": {"reliability": 5}})
    assert titles()["Fresh figures"] == "Rated only by its authors: no colleague has assessed it yet"
    create(client, alice, org["team"].id, "Alice's own notes")  # an author elsewhere is still a colleague here
    client.put(f"/api/pages/{fresh['id']}/ratings/mine", headers=alice.headers, json={"scores": {"reliability": 4}})
    assert set(titles()) == {"Expired figures", "Alice's own notes"}
    claimed = act(client, bob, expired, "claim", kind="unassessed")
    assert claimed.status_code == 200 and claimed.json()["queue"] == "unassessed"
    overview = client.get("/api/quality/overview", headers=org["author"].headers).json()
    assert overview["queues"]["unassessed"] == 2


def test_nothing_about_a_page_the_caller_may_not_read(client, session, org):
    """The outsider gets 404 for every action, and no queue, item, change or feed event shows the page; the
    controls (a member and a manager, oversight) see the same things."""
    alice, outsider, manager = org["advisers"][0], org["outsider"], org["manager"]
    expired = org["pages"]["expired"]
    assert act(client, manager, expired, "assign", assignee_id=alice.user.id).status_code == 200
    for action, body in (("claim", {}), ("assign", {"assignee_id": outsider.user.id}), ("resolve", {"note": "x"})):
        answer = act(client, outsider, expired, action, **body)
        assert answer.status_code == 404, (action, answer.text)
    assert client.get(f"/api/pages/{expired['id']}/reviews", headers=outsider.headers).status_code == 404
    for person, sees in ((outsider, False), (alice, True), (manager, True)):
        shown = [i["title"] for i in queue(client, person)]
        assert ("Expired figures" in shown) is sees, (person.user.username, shown)
        items = client.get("/api/quality/review-items", headers=person.headers).json()["items"]
        assert bool([i for i in items if i["page_id"] == expired["id"]]) is sees
        changes = client.get("/api/recent-changes", params={"page_id": expired["id"]}, headers=person.headers)
        assert bool([c for c in changes.json()["items"] if c["kind"].startswith("page.review_")]) is sees
    # The owner's personal draft (stale) is in her queue only, and nobody else can act on it.
    draft = org["pages"]["draft"]
    assert "Private draft" in [i["title"] for i in queue(client, org["author"])]
    assert act(client, manager, draft, "claim").status_code == 404
    assert act(client, org["author"], draft, "claim").status_code == 200
    blind = act(client, org["author"], draft, "assign", assignee_id=manager.user.id)
    assert blind.status_code == 422  # she holds it and may pass it on, but only to someone who can read it
    assert session.scalar(select(Change).where(Change.kind == "page.review_assigned",
                                               Change.page_id == draft["id"])) is None
