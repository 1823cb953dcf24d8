"""The feed: each event type, privacy at read time, unread counts and read marks, paging and filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Role, Visibility
from app.db import utcnow
from app.topics import skos
from app.topics.models import TopicConcept
from app.people.service import person_of_user
from tests.factories import make_person, make_space, personal_space
from tests.following.helpers import create_page, edit, feed, follow, rate, types, unread


@pytest.fixture
def team(session: Session):
    alice, ben, carol = make_person(session), make_person(session), make_person(session)
    manager = make_person(session, Role.manager)
    space = make_space(session, alice.user, Visibility.organisation,
                       {ben.user: MemberRole.editor, carol.user: MemberRole.editor})
    return alice, ben, carol, manager, space


@pytest.fixture
def topics(session: Session) -> dict[str, int]:
    skos.seed(session)
    session.commit()
    return {t.label: t.id for t in session.query(TopicConcept).all()}


def test_an_edit_links_to_its_diff(client, team):
    alice, ben, _, _, space = team
    page = create_page(client, alice, space.id, "Care work", "Old line.\n")
    follow(client, ben, "page", page["id"])
    edited = edit(client, alice, page["id"], "New line.\n", summary="Updated pay")
    (event,) = feed(client, ben)
    revision = edited["page"]["revision"]["id"] if "page" in edited else edited["revision"]["id"]
    assert event["type"] == "page.edited" and event["summary"] == "Updated pay"
    assert event["actor"]["id"] == alice.id and event["revision_id"] == revision
    assert event["page"] == {"id": page["id"], "title": "Care work", "space_id": space.id, "deleted": False}
    assert event["links"]["diff"] == f"/api/pages/{page['id']}/diff?from={page['revision']['id']}&to={revision}"
    diff = client.get(event["links"]["diff"], headers=ben.headers)
    assert diff.status_code == 200 and "New line." in diff.text
    assert event["read"] is False and event["details"]["minor"] is False


def test_ratings_and_anonymous_raters(client, team):
    alice, ben, carol, manager, space = team
    page = create_page(client, alice, space.id, "Care work")
    rate(client, ben, page["id"])
    response = client.put(f"/api/pages/{page['id']}/ratings/mine", headers=carol.headers,
                          json={"scores": {"currency": 2}, "anonymous": True})
    assert response.status_code == 200
    carols, bens = feed(client, alice, type="page.rated")
    assert carols["actor"] is None and bens["actor"]["id"] == ben.id
    follow(client, manager, "space", space.id)
    client.delete(f"/api/pages/{page['id']}/ratings/mine", headers=ben.headers)
    assert types(client, alice)[0] == "page.rating_withdrawn"


def test_approvals_and_maturity_phase_changes(client, team):
    alice, ben, _, manager, space = team
    page = create_page(client, alice, space.id, "Care work")
    follow(client, ben, "page", page["id"])
    response = client.put(f"/api/pages/{page['id']}/approval", headers=manager.headers, json={"note": "Checked."})
    assert response.status_code == 200, response.text
    phase = client.get(f"/api/pages/{page['id']}/maturity", headers=ben.headers).json()["phase"]
    events = feed(client, ben)
    assert [e["type"] for e in events] == ["page.phase_changed", "page.approved"]
    assert events[0]["details"]["to"] == phase and events[0]["details"]["from"] != phase
    assert events[1]["actor"]["id"] == manager.id and events[1]["summary"] == "Checked."
    client.delete(f"/api/pages/{page['id']}/approval", headers=manager.headers)
    assert types(client, ben)[:2] == ["page.phase_changed", "page.approval_withdrawn"]


def test_pages_passing_their_valid_until_date(client, team):
    alice, ben, _, _, space = team
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    follow(client, ben, "space", space.id)
    expired = create_page(client, alice, space.id, "Old figures", f"[[Valid until::{yesterday}]] Pay.\n")
    create_page(client, alice, space.id, "Fresh figures", "[[Valid until::2099-12-31]] Pay.\n")
    passed = feed(client, ben, type="page.valid_until_passed")
    assert [(e["page"]["id"], e["details"]) for e in passed] == [(expired["id"], {"valid_until": yesterday})]
    edit(client, alice, expired["id"], f"[[Valid until::{yesterday}]] Pay, reworded.\n")
    again = feed(client, ben, type="page.valid_until_passed")
    assert [e["id"] for e in again] == [passed[0]["id"]]  # the same event: the date did not change
    edit(client, alice, expired["id"], "[[Valid until::2099-01-01]] Reviewed.\n")
    assert feed(client, ben, type="page.valid_until_passed") == []


def test_new_pages_on_followed_topics(client, team, topics):
    alice, ben, _, _, space = team
    follow(client, ben, "topic", topics["Apprenticeships"])
    on_topic = create_page(client, alice, space.id, "Engineering routes", "[[Topic::Apprenticeships]] Routes.\n")
    create_page(client, alice, space.id, "Pay", "[[Topic::Green skills]] Pay.\n")
    later = create_page(client, alice, space.id, "Later", "No topic yet.\n")
    edit(client, alice, on_topic["id"], "[[Topic::Apprenticeships]] Routes, longer.\n")  # keeps it: not new
    edit(client, alice, later["id"], "[[Topic::Apprenticeships]] Now on the topic.\n")
    events = feed(client, ben)
    assert [(e["type"], e["page"]["id"]) for e in events] == [("topic.page_added", later["id"]),
                                                              ("topic.page_added", on_topic["id"])]
    assert events[0]["topic"]["label"] == "Apprenticeships"


def test_tags_about_you_including_hidden_ones(client, session, team, topics):
    alice, ben, carol, _, _ = team
    alice_person = person_of_user(session, alice.id).id
    follow(client, carol, "person", alice_person)
    response = client.post(f"/api/people/{alice_person}/tags", headers=ben.headers,
                           json={"topic": "Apprenticeships", "level": 4})
    assert response.status_code == 201, response.text
    tag_id = response.json()["id"]
    (about_alice,) = feed(client, alice)
    assert about_alice["type"] == "person.tagged" and about_alice["actor"]["id"] == ben.id
    assert about_alice["person"]["id"] == alice_person and about_alice["topic"]["label"] == "Apprenticeships"
    assert about_alice["details"] == {"level": 4, "by_self": False, "hidden": False}
    assert types(client, carol) == ["person.tagged"]
    assert client.post(f"/api/people/{alice_person}/tags/{tag_id}/hide", headers=alice.headers).status_code == 200
    (hidden,) = feed(client, alice)
    assert hidden["details"]["hidden"] is True
    assert types(client, carol) == []  # hidden from everyone else, in the feed too
    assert types(client, ben) == []  # never your own doing


def test_following_a_person_shows_their_edits_but_not_their_ratings(client, session, team):
    alice, ben, carol, _, space = team
    follow(client, carol, "person", person_of_user(session, alice.id).id)
    page = create_page(client, ben, space.id, "Ben's page")
    edit(client, alice, page["id"], "Alice helps.\n")
    rate(client, alice, page["id"])
    assert types(client, carol) == ["page.edited"]


def test_events_on_pages_you_can_no_longer_read_disappear(client, session, team):
    alice, ben, _, _, _ = team
    team_space = make_space(session, alice.user, Visibility.members, {ben.user: MemberRole.editor})
    page = create_page(client, alice, team_space.id, "Team notes")
    follow(client, ben, "space", team_space.id)
    edit(client, alice, page["id"], "Edited.\n")
    assert types(client, ben) == ["page.edited"]
    assert unread(client, ben) == 1
    event_id = feed(client, ben)[0]["id"]
    assert client.delete(f"/api/spaces/{team_space.id}/members/{ben.id}", headers=alice.headers).status_code == 204
    assert types(client, ben) == [] and unread(client, ben) == 0
    response = client.post("/api/feed/read", headers=ben.headers, json={"event_ids": [event_id]})
    assert response.status_code == 404
    client.put(f"/api/spaces/{team_space.id}/members/{ben.id}", headers=alice.headers, json={"role": "reader"})
    assert types(client, ben) == ["page.edited"]  # nothing was stored: access back, events back


def test_a_page_moved_into_a_private_space_takes_its_events_along(client, session, team):
    alice, ben, _, _, space = team
    page = create_page(client, alice, space.id, "Care work")
    follow(client, ben, "page", page["id"])
    edit(client, alice, page["id"], "Edited.\n")
    private = personal_space(session, alice.user)
    response = client.post(f"/api/pages/{page['id']}/move", headers=alice.headers,
                           json={"title": "Care work", "space_id": private.id})
    assert response.status_code == 200, response.text
    assert types(client, ben) == []


def test_unread_counts_and_marking_read(client, team):
    alice, ben, _, _, space = team
    page = create_page(client, alice, space.id, "Care work")
    follow(client, ben, "page", page["id"])
    for number in range(4):
        edit(client, alice, page["id"], f"Edit {number}.\n")
    events = feed(client, ben)
    assert unread(client, ben) == 4 and not any(e["read"] for e in events)
    response = client.post("/api/feed/read", headers=ben.headers, json={"event_ids": [events[0]["id"]]})
    assert response.status_code == 200 and response.json() == {"unread": 3}
    assert [e["read"] for e in feed(client, ben)] == [True, False, False, False]
    # Newest first: "up to" an event covers it and everything older.
    response = client.post("/api/feed/read", headers=ben.headers, json={"up_to": events[2]["id"]})
    assert response.json() == {"unread": 1}
    assert [e["read"] for e in feed(client, ben)] == [True, False, True, True]
    assert [e["id"] for e in feed(client, ben, unread="true")] == [events[1]["id"]]
    client.post("/api/feed/read", headers=ben.headers, json={"up_to": events[3]["id"]})  # never moves back
    assert unread(client, ben) == 1
    client.post("/api/feed/read", headers=ben.headers, json={"up_to": events[0]["id"]})
    assert unread(client, ben) == 0
    edit(client, alice, page["id"], "Another.\n")
    assert unread(client, ben) == 1
    client.post("/api/feed/read", headers=ben.headers, json={"up_to": feed(client, ben)[0]["id"]})
    assert unread(client, ben) == 0


def test_bad_read_marks_and_filters(client, team):
    alice, ben, _, _, space = team
    page = create_page(client, alice, space.id, "Care work")
    follow(client, ben, "page", page["id"])
    edit(client, alice, page["id"], "Edited.\n")
    for body in ({}, {"event_ids": []}, {"event_ids": ["c1"], "up_to": "c1"}, {"up_to": 5}, {"all": True}):
        response = client.post("/api/feed/read", headers=ben.headers, json=body)
        assert response.status_code == 422, body
    for body in ({"event_ids": ["x1"]}, {"up_to": "c999999999"}, {"event_ids": ["c"]}):
        assert client.post("/api/feed/read", headers=ben.headers, json=body).status_code == 404, body
    assert client.get("/api/feed", headers=ben.headers, params={"type": "page.painted"}).status_code == 422
    assert client.get("/api/feed", headers=ben.headers, params={"follow": "space-1"}).status_code == 404
    assert client.get("/api/feed", headers=ben.headers, params={"follow": "shelf"}).status_code == 404
    assert client.get("/api/feed", headers=ben.headers, params={"cursor": "nope"}).status_code == 400
    assert client.get("/api/feed").status_code == 401


def test_paging_and_filtering_by_type_and_by_follow(client, session, team):
    alice, ben, carol, _, space = team
    first = create_page(client, alice, space.id, "First")
    second = create_page(client, carol, space.id, "Second")
    follow(client, ben, "page", first["id"])
    follow(client, ben, "page", second["id"])
    for number in range(3):
        edit(client, alice, first["id"], f"First {number}.\n")
        edit(client, carol, second["id"], f"Second {number}.\n")
    rate(client, carol, first["id"])
    everything = [e["id"] for e in feed(client, ben, limit=200)]
    assert len(everything) == 7
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/feed", headers=ben.headers, params=params).json()
        seen += [e["id"] for e in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == everything
    only_first = feed(client, ben, follow=f"page-{first['id']}")
    assert {e["page"]["id"] for e in only_first} == {first["id"]} and len(only_first) == 4
    assert types(client, ben, type="page.rated") == ["page.rated"]
    response = client.get("/api/feed", headers=ben.headers, params=[("type", "page.rated"), ("type", "page.edited")])
    assert len(response.json()["items"]) == 7
    assert unread(client, ben, type="page.rated") == 1
    assert unread(client, ben, follow=f"page-{second['id']}") == 3


def test_a_followed_space_shows_every_change_to_its_pages(client, team):
    alice, ben, _, _, space = team
    follow(client, ben, "space", space.id)
    page = create_page(client, alice, space.id, "Care work", "First.\n")
    edit(client, alice, page["id"], "Second.\n")
    reverted = client.post(f"/api/pages/{page['id']}/revert", headers=alice.headers,
                           json={"revision_id": page["revision"]["id"], "summary": "Back to the first"})
    assert reverted.status_code == 200, reverted.text
    moved = client.post(f"/api/pages/{page['id']}/move", headers=alice.headers, json={"title": "Care jobs"})
    assert moved.status_code == 200, moved.text
    assert client.delete(f"/api/pages/{page['id']}", headers=alice.headers).status_code == 204
    assert client.post(f"/api/pages/{page['id']}/restore", headers=alice.headers).status_code == 200
    events = feed(client, ben)
    assert [e["type"] for e in events] == ["page.restored", "page.deleted", "page.moved", "page.reverted",
                                           "page.edited", "page.created"]
    revert = events[3]
    assert revert["summary"] == "Back to the first" and revert["links"]["diff"] is not None
    assert client.get(revert["links"]["diff"], headers=ben.headers).status_code == 200
    assert events[-1]["links"]["diff"] is None  # nothing to compare a new page with
    assert {e["page"]["title"] for e in events} == {"Care jobs"}  # pages as they are now


def test_tags_about_a_hidden_profile_stay_out_of_followers_feeds(client, session, team, topics):
    alice, ben, carol, _, _ = team
    alice_person = person_of_user(session, alice.id).id
    follow(client, carol, "person", alice_person)
    client.post(f"/api/people/{alice_person}/tags", headers=ben.headers, json={"topic": "Apprenticeships"})
    assert types(client, carol) == ["person.tagged"]
    response = client.patch(f"/api/people/{alice_person}", headers=alice.headers, json={"hidden": True})
    assert response.status_code == 200, response.text
    assert types(client, carol) == []
    assert types(client, alice) == ["person.tagged"]
