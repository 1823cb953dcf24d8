"""Hiding: a hidden profile or tag appears in no answer to anyone else (directory, profiles, tag lists,
expert search, topic usage and suggestions), while the person still sees everything about them."""

from __future__ import annotations

import json

import pytest

from app.people import expertise
from tests.people.conftest import person_id, tag

TOPIC = "Gatsby benchmarks"


def answers(client, caller, pid: int) -> dict[str, str]:
    """Every answer in which a person or their tags could show up, as text."""
    get = lambda url: json.dumps(client.get(url, headers=caller.headers).json())
    topic_id = client.get(f"/api/topics/suggest?q={TOPIC}", headers=caller.headers).json()[0]["topic"]["id"]
    return {
        "directory": get("/api/people?limit=200"),
        "experts": get(f"/api/experts?q={TOPIC}"),
        "experts-broader": get("/api/experts?q=Careers education"),
        "topic": get(f"/api/topics/{topic_id}"),
        "topics": get(f"/api/topics?q={TOPIC}"),
        "suggest": get(f"/api/topics/suggest?q={TOPIC}"),
        "tags": get(f"/api/people/{pid}/tags?history=true"),
        "profile": get(f"/api/people/{pid}"),
    }


@pytest.fixture
def tagged(client, session, staff) -> int:
    alice = person_id(session, staff["alice"])
    assert tag(client, staff["ben"], alice, TOPIC, level=5, note="Leads our Gatsby work").status_code == 201
    return alice


def test_a_hidden_profile_appears_in_no_answer(client, session, staff, tagged):
    before = answers(client, staff["dan"], tagged)
    assert "Leads our Gatsby work" in before["profile"] and staff["alice"].user.display_name in before["experts"]
    hidden = client.patch(f"/api/people/{tagged}", headers=staff["alice"].headers, json={"hidden": True})
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
    name = staff["alice"].user.display_name
    for caller in (staff["dan"], staff["ben"], staff["carol"]):
        seen = answers(client, caller, tagged)
        for where, text in seen.items():
            assert name not in text and "Leads our Gatsby work" not in text, f"{where} shows the hidden profile"
        assert client.get(f"/api/people/{tagged}", headers=caller.headers).status_code == 404
        assert '"usage": 0' in seen["topic"]
    assert tag(client, staff["dan"], tagged, TOPIC).status_code == 404
    # Alice herself still sees her profile and every tag
    mine = client.get("/api/people/me", headers=staff["alice"].headers).json()
    assert mine["person"]["hidden"] is True and mine["topics"][0]["colleague_count"] == 1
    assert client.get(f"/api/people/{tagged}/tags", headers=staff["alice"].headers).json()["colleague_tags"]
    # and can come back
    client.patch(f"/api/people/{tagged}", headers=staff["alice"].headers, json={"hidden": False})
    assert name in answers(client, staff["dan"], tagged)["experts"]


def test_a_hidden_tag_appears_only_to_the_person_it_is_about(client, session, staff, tagged):
    tag_id = client.get(f"/api/people/{tagged}/tags", headers=staff["alice"].headers).json()["colleague_tags"][0]["id"]
    assert client.post(f"/api/people/{tagged}/tags/{tag_id}/hide", headers=staff["dan"].headers).status_code == 403
    hidden = client.post(f"/api/people/{tagged}/tags/{tag_id}/hide", headers=staff["alice"].headers)
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
    for caller in (staff["dan"], staff["carol"]):
        for where, text in answers(client, caller, tagged).items():
            assert "Leads our Gatsby work" not in text, f"{where} shows the hidden tag"
            if where in ("experts", "experts-broader"):
                assert staff["alice"].user.display_name not in text
    assert client.post(f"/api/people/{tagged}/tags/{tag_id}/hide", headers=staff["dan"].headers).status_code == 404
    assert expertise.expertise_in(session, staff["alice"].id, ["https://w3id.org/mature-lmi/topics/gatsby-benchmarks"]) == 0
    mine = client.get(f"/api/people/{tagged}/tags", headers=staff["alice"].headers).json()["colleague_tags"]
    assert [(t["id"], t["hidden"]) for t in mine] == [(tag_id, True)]
    # the profile (the public face) leaves it out, even for Alice
    assert client.get("/api/people/me", headers=staff["alice"].headers).json()["topics"] == []


def test_a_changed_tag_stays_hidden(client, session, staff, tagged):
    tag_id = client.get(f"/api/people/{tagged}/tags", headers=staff["alice"].headers).json()["colleague_tags"][0]["id"]
    client.post(f"/api/people/{tagged}/tags/{tag_id}/hide", headers=staff["alice"].headers)
    changed = tag(client, staff["ben"], tagged, TOPIC, level=3, note="Still leads it")
    assert changed.status_code == 200 and changed.json()["hidden"] is True
    assert "Still leads it" not in answers(client, staff["dan"], tagged)["tags"]
    shown = client.post(f"/api/people/{tagged}/tags/{tag_id}/unhide", headers=staff["alice"].headers)
    assert shown.status_code == 200 and shown.json()["note"] == "Still leads it" and shown.json()["hidden"] is False
    assert "Still leads it" in answers(client, staff["dan"], tagged)["tags"]


def test_self_tags_are_withdrawn_not_hidden(client, session, staff):
    alice = person_id(session, staff["alice"])
    own = tag(client, staff["alice"], alice, TOPIC).json()
    response = client.post(f"/api/people/{alice}/tags/{own['id']}/hide", headers=staff["alice"].headers)
    assert response.status_code == 422


def test_a_hidden_contact_is_seen_only_by_who_added_it_and_managers(client, session, staff):
    priya = client.post("/api/people", headers=staff["ben"].headers, json={"name": "Priya Shah"}).json()
    tag(client, staff["dan"], priya["id"], TOPIC, level=4)
    assert client.patch(f"/api/people/{priya['id']}", headers=staff["dan"].headers,
                        json={"hidden": True}).status_code == 403
    assert client.patch(f"/api/people/{priya['id']}", headers=staff["ben"].headers,
                        json={"hidden": True}).status_code == 200
    for where, text in answers(client, staff["dan"], person_id(session, staff["alice"])).items():
        assert "Priya Shah" not in text, where
    assert client.get(f"/api/people/{priya['id']}", headers=staff["dan"].headers).status_code == 404
    assert client.get(f"/api/people/{priya['id']}", headers=staff["carol"].headers).status_code == 200
    assert client.get(f"/api/people/{priya['id']}", headers=staff["ben"].headers).status_code == 200
