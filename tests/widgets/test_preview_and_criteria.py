"""The two small API additions the widgets needed: the editor's preview and the rating criteria."""

from __future__ import annotations

from app.auth.models import Visibility
from tests.factories import make_person, make_space, personal_space, post_page


def test_preview_renders_like_a_saved_page_types_annotations_and_saves_nothing(client, session) -> None:
    alice = make_person(session)
    space = make_space(session, alice.user, Visibility.organisation)
    post_page(client, alice, space.id, "Adult social care pay")
    text = ("Pay is [[Median pay::£24,000]] in [[Sector::Health and social care]]; see [[Adult social care pay]] "
            "and [[Nursing associate]].\n\n<script>alert(1)</script>\n[[Category:Pay]]\n")

    response = client.post(f"/api/spaces/{space.id}/preview", headers=alice.headers,
                           json={"content": text, "categories": ["Sector profile"]})

    assert response.status_code == 200, response.text
    body = response.json()
    assert "<script>" not in body["html"] and "&lt;script&gt;" in body["html"]
    assert {(link["title"], link["exists"]) for link in body["links"]} == {
        ("Adult social care pay", True), ("Nursing associate", False)}
    assert body["categories"] == ["Sector profile", "Pay"]
    assert [(a["property"], a["value"]) for a in body["annotations"]] == [
        ("Median pay", "24000 GBP"), ("Sector", "Health and social care")]
    assert body["problems"] == []
    listed = client.get("/api/pages", params={"space_id": space.id}, headers=alice.headers).json()["items"]
    assert [p["title"] for p in listed] == ["Adult social care pay"]


def test_preview_lists_every_refused_annotation_and_keeps_the_good_ones(client, session) -> None:
    alice = make_person(session)
    space = personal_space(session, alice.user)

    response = client.post(f"/api/spaces/{space.id}/preview", headers=alice.headers, json={
        "content": "[[Median pay::about 27k]] [[Sector::Construction]]",
        "annotations": [{"property": "Vacancies", "value": "12,5"}]})

    assert response.status_code == 200, response.text
    body = response.json()
    assert [a["property"] for a in body["annotations"]] == ["Sector"]
    assert [(p["field"], p["annotation"]) for p in body["problems"]] == [
        ("content", "[[Median pay::about 27k]]"), ("annotations[0]", "Vacancies = '12,5'")]
    assert all(p["message"] and p["accepted"] for p in body["problems"])


def test_preview_in_a_space_you_cannot_read_is_not_found(client, session) -> None:
    alice, ben = make_person(session), make_person(session)
    private = personal_space(session, alice.user)

    response = client.post(f"/api/spaces/{private.id}/preview", headers=ben.headers, json={"content": "x"})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_rating_criteria_are_the_ones_a_rating_accepts(client, session) -> None:
    alice = make_person(session)

    criteria = client.get("/api/quality/criteria", headers=alice.headers).json()

    keys = [c["key"] for c in criteria]
    assert keys == ["currency", "reliability", "relevance", "impartiality", "accessibility", "comprehensiveness",
                    "equality"]
    assert all(c["label"] and c["description"] and c["poor"] and c["excellent"] for c in criteria)
    space = make_space(session, alice.user, Visibility.organisation)
    page = post_page(client, alice, space.id, "Care work")
    rated = client.put(f"/api/pages/{page['id']}/ratings/mine", headers=alice.headers,
                       json={"scores": dict.fromkeys(keys, 4)})
    assert rated.status_code == 200, rated.text
    assert rated.json()["scores"] == dict.fromkeys(keys, 4)
    assert client.get("/api/quality/criteria").status_code == 401
