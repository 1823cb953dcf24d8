"""Tagging people through the API: topics or free text, levels, evidence, one tag per tagger with history."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import MemberRole, Visibility
from app.people.models import PersonTag
from app.topics.models import TopicConcept
from tests.factories import make_page, make_space, personal_space
from tests.people.conftest import person_id, tag


def test_a_colleague_tags_with_a_scheme_topic_by_label_synonym_or_iri(client, session, staff):
    alice = person_id(session, staff["alice"])
    by_label = tag(client, staff["ben"], alice, "Apprenticeships", level=4)
    assert by_label.status_code == 201, by_label.text
    body = by_label.json()
    assert body["topic"]["label"] == "Apprenticeships" and body["topic"]["status"] == "concept"
    assert body["by_self"] is False and body["level"] == 4 and body["tagger"]["id"] == staff["ben"].id
    by_synonym = tag(client, staff["dan"], alice, "  apprenticeship ")
    assert by_synonym.json()["topic"]["id"] == body["topic"]["id"]
    by_iri = tag(client, staff["erin"], alice, "https://w3id.org/mature-lmi/topics/apprenticeships")
    assert by_iri.json()["topic"]["id"] == body["topic"]["id"]


def test_free_text_becomes_a_candidate_reused_by_the_next_tagger(client, session, staff):
    alice = person_id(session, staff["alice"])
    first = tag(client, staff["ben"], alice, "Green  Apprenticeships")
    assert first.status_code == 201
    candidate = first.json()["topic"]
    assert candidate["status"] == "candidate" and candidate["label"] == "Green Apprenticeships"
    assert candidate["iri"] == "https://w3id.org/mature-lmi/topics/green-apprenticeships"
    second = tag(client, staff["dan"], alice, "green apprenticeships")
    assert second.json()["topic"]["id"] == candidate["id"]
    assert session.scalar(select(TopicConcept.id).where(TopicConcept.label_key == "green apprenticeships")) == \
        candidate["id"]
    listed = client.get("/api/topics?status=candidate", headers=staff["ben"].headers).json()["items"]
    assert [(t["label"], t["usage"]) for t in listed] == [("Green Apprenticeships", 2)]


def test_self_tags_and_colleague_tags_are_kept_apart(client, session, staff):
    alice = person_id(session, staff["alice"])
    assert tag(client, staff["alice"], alice, "Skills shortages", level=3).json()["by_self"] is True
    tag(client, staff["ben"], alice, "Skills shortages", level=5)
    tags = client.get(f"/api/people/{alice}/tags", headers=staff["dan"].headers).json()
    assert [(t["tagger"]["id"], t["level"]) for t in tags["self_tags"]] == [(staff["alice"].id, 3)]
    assert [(t["tagger"]["id"], t["level"]) for t in tags["colleague_tags"]] == [(staff["ben"].id, 5)]
    profile = client.get(f"/api/people/{alice}", headers=staff["dan"].headers).json()
    (entry,) = profile["topics"]
    assert entry["colleague_count"] == 1 and entry["colleague_levels"] == [5]
    assert entry["self_tagged"] is True and entry["self_level"] == 3


def test_one_tag_per_tagger_person_and_topic_with_history(client, session, staff):
    alice = person_id(session, staff["alice"])
    first = tag(client, staff["ben"], alice, "Apprenticeships", level=2, note="Knows the basics")
    changed = tag(client, staff["ben"], alice, "Apprenticeships", level=4, note="Ran the apprenticeship fair")
    assert (first.status_code, changed.status_code) == (201, 200)
    assert changed.json()["id"] != first.json()["id"]
    current = client.get(f"/api/people/{alice}/tags", headers=staff["ben"].headers).json()["colleague_tags"]
    assert [(t["level"], t["note"]) for t in current] == [(4, "Ran the apprenticeship fair")]
    history = client.get(f"/api/people/{alice}/tags?history=true", headers=staff["ben"].headers).json()
    versions = history["colleague_tags"]
    assert [t["level"] for t in versions] == [4, 2]
    assert versions[0]["superseded_at"] is None and versions[1]["superseded_at"] is not None
    rows = session.scalars(select(PersonTag).where(PersonTag.person_id == alice,
                                                   PersonTag.superseded_at.is_(None))).all()
    assert len(rows) == 1


def test_tagging_again_unchanged_reconfirms_without_a_new_version(client, session, staff):
    alice = person_id(session, staff["alice"])
    first = tag(client, staff["ben"], alice, "Apprenticeships", level=3).json()
    again = tag(client, staff["ben"], alice, "Apprenticeships", level=3)
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    assert again.json()["confirmed_at"] >= first["confirmed_at"]
    history = client.get(f"/api/people/{alice}/tags?history=true", headers=staff["ben"].headers).json()
    assert len(history["colleague_tags"]) == 1


def test_withdrawing_keeps_history_and_only_the_tagger_may(client, session, staff):
    alice = person_id(session, staff["alice"])
    made = tag(client, staff["ben"], alice, "Apprenticeships").json()
    assert client.delete(f"/api/people/{alice}/tags/{made['id']}", headers=staff["dan"].headers).status_code == 403
    assert client.delete(f"/api/people/{alice}/tags/{made['id']}", headers=staff["ben"].headers).status_code == 204
    tags = client.get(f"/api/people/{alice}/tags", headers=staff["ben"].headers).json()
    assert tags["colleague_tags"] == []
    history = client.get(f"/api/people/{alice}/tags?history=true", headers=staff["ben"].headers).json()
    assert history["colleague_tags"][0]["superseded_at"] is not None
    assert client.delete(f"/api/people/{alice}/tags/{made['id']}", headers=staff["ben"].headers).status_code == 404


def test_bad_tags_are_clear_4xx(client, session, staff):
    alice = person_id(session, staff["alice"])
    for fields in ({"level": 0}, {"level": 6}, {"level": "expert"}):
        response = tag(client, staff["ben"], alice, "Apprenticeships", **fields)
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    both = client.post(f"/api/people/{alice}/tags", headers=staff["ben"].headers,
                       json={"topic": "Apprenticeships", "topic_id": 1})
    assert both.status_code == 422
    neither = client.post(f"/api/people/{alice}/tags", headers=staff["ben"].headers, json={"level": 3})
    assert neither.status_code == 422
    assert tag(client, staff["ben"], alice, 999_999).status_code == 422
    assert tag(client, staff["ben"], alice, "https://example.org/no-such-topic").status_code == 422
    assert tag(client, staff["ben"], alice, "   ").status_code == 422
    assert tag(client, staff["ben"], 999_999, "Apprenticeships").status_code == 404
    assert client.post(f"/api/people/{alice}/tags", json={"topic": "Apprenticeships"}).status_code == 401


def test_evidence_page_must_be_readable_by_the_tagger_and_is_named_only_to_readers(client, session, staff):
    alice, ben, dan = staff["alice"], staff["ben"], staff["dan"]
    shared = make_space(session, alice.user, Visibility.members, {ben.user: MemberRole.reader})
    page = make_page(session, alice.user, shared, "Engineering apprenticeships")
    private = make_page(session, alice.user, personal_space(session, alice.user), "Alice's notes")
    pid = person_id(session, alice)
    refused = tag(client, ben, pid, "Apprenticeships", evidence_page_id=private.id)
    assert refused.status_code == 422 and f"no page {private.id} that you can read" in refused.json()["detail"]
    made = tag(client, ben, pid, "Apprenticeships", evidence_page_id=page.id, note="Wrote the guide")
    assert made.status_code == 201 and made.json()["evidence_page"]["title"] == "Engineering apprenticeships"
    seen_by_dan = client.get(f"/api/people/{pid}/tags", headers=dan.headers).json()["colleague_tags"][0]
    assert seen_by_dan["evidence_page"] is None and seen_by_dan["note"] == "Wrote the guide"
    profile = client.get(f"/api/people/{pid}", headers=dan.headers).json()
    assert profile["topics"][0]["evidence"][0]["page"] is None


def test_external_contacts_are_added_by_any_adviser_and_tagged(client, session, staff):
    created = client.post("/api/people", headers=staff["ben"].headers, json={
        "name": "Priya Shah", "organisation": "North East Chamber of Commerce", "contact": "priya@example.org"})
    assert created.status_code == 201, created.text
    priya = created.json()
    assert priya["kind"] == "external" and priya["contact"] == "priya@example.org" and priya["user_id"] is None
    assert created.headers["location"] == f"/api/people/{priya['id']}"
    assert tag(client, staff["dan"], priya["id"], "Employer engagement", level=5).status_code == 201
    assert client.get(f"/api/people/{priya['id']}").status_code == 401
    profile = client.get(f"/api/people/{priya['id']}", headers=staff["alice"].headers).json()
    assert profile["person"]["contact"] == "priya@example.org"
    assert profile["topics"][0]["topic"]["label"] == "Employer engagement"
    # only who added it (or a manager) may change or delete it
    assert client.patch(f"/api/people/{priya['id']}", headers=staff["alice"].headers,
                        json={"contact": "x"}).status_code == 403
    assert client.patch(f"/api/people/{priya['id']}", headers=staff["ben"].headers,
                        json={"contact": "0191 000 0000"}).json()["contact"] == "0191 000 0000"
    assert client.delete(f"/api/people/{priya['id']}", headers=staff["alice"].headers).status_code == 403
    assert client.delete(f"/api/people/{priya['id']}", headers=staff["carol"].headers).status_code == 204
    assert client.get(f"/api/people/{priya['id']}", headers=staff["ben"].headers).status_code == 404


def test_users_cannot_be_renamed_or_deleted_as_people(client, session, staff):
    alice = person_id(session, staff["alice"])
    assert client.patch(f"/api/people/{alice}", headers=staff["alice"].headers,
                        json={"name": "Someone else"}).status_code == 422
    assert client.patch(f"/api/people/{alice}", headers=staff["ben"].headers, json={"hidden": True}).status_code == 403
    assert client.delete(f"/api/people/{alice}", headers=staff["carol"].headers).status_code == 403


def test_directory_lists_users_and_contacts_in_name_order_with_paging(client, session, staff):
    client.post("/api/people", headers=staff["ben"].headers, json={"name": "Aaron Able", "organisation": "DWP"})
    seen, url = [], "/api/people?limit=2"
    while url:
        page = client.get(url, headers=staff["ben"].headers).json()
        seen += page["items"]
        url = page["next"]
    names = [p["name"] for p in seen]
    assert names == sorted(names, key=str.lower) and "Aaron Able" in names
    assert {staff[name].id for name in staff} <= {p["user_id"] for p in seen}
    externals = client.get("/api/people?kind=external", headers=staff["ben"].headers).json()["items"]
    assert [p["name"] for p in externals] == ["Aaron Able"]
    by_org = client.get("/api/people?q=dwp", headers=staff["ben"].headers).json()["items"]
    assert [p["name"] for p in by_org] == ["Aaron Able"]
    assert client.get("/api/people?cursor=nonsense", headers=staff["ben"].headers).status_code == 400


def test_blank_names_and_questions_are_refused(client, staff):
    assert client.post("/api/people", headers=staff["ben"].headers, json={"name": "   "}).status_code == 422
    assert client.get("/api/experts?q=%20%20", headers=staff["ben"].headers).status_code == 422
    trimmed = client.post("/api/people", headers=staff["ben"].headers, json={"name": "  Ann Lee "}).json()
    assert trimmed["name"] == "Ann Lee"
