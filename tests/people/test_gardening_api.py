"""Growing the topic scheme through the API: candidates, promotion, merges that move tags, synonyms,
hierarchy, renames, who may do what, and the reviewable change log."""

from __future__ import annotations

from sqlalchemy import func, select

from app.people.models import PersonTag
from tests.people.conftest import person_id, tag


def topic_id(client, caller, label: str) -> int:
    found = client.get("/api/topics/suggest", headers=caller.headers, params={"q": label}).json()
    assert found and found[0]["matched"].casefold() == label.casefold(), found
    return found[0]["topic"]["id"]


def test_suggestions_cover_labels_synonyms_candidates_and_typos(client, session, staff):
    ben = staff["ben"]
    tag(client, ben, person_id(session, staff["alice"]), "Green apprenticeships")
    by_prefix = client.get("/api/topics/suggest?q=appren", headers=ben.headers).json()
    assert by_prefix[0]["topic"]["label"] == "Apprenticeships" and by_prefix[0]["match"] == "label"
    assert "Green apprenticeships" in [s["topic"]["label"] for s in by_prefix]
    assert {s["topic"]["status"] for s in by_prefix} == {"concept", "candidate"}
    by_synonym = client.get("/api/topics/suggest?q=ucas", headers=ben.headers).json()
    assert (by_synonym[0]["topic"]["label"], by_synonym[0]["matched"], by_synonym[0]["match"]) == (
        "Higher education", "UCAS", "synonym")
    typo = client.get("/api/topics/suggest?q=apprentiseships", headers=ben.headers).json()
    assert typo[0]["topic"]["label"] == "Apprenticeships" and typo[0]["match"] == "similar"
    assert client.get("/api/topics/suggest?q=", headers=ben.headers).status_code == 422


def test_promote_a_candidate(client, session, staff):
    tag(client, staff["ben"], person_id(session, staff["alice"]), "Green apprenticeships")
    candidate = topic_id(client, staff["ben"], "Green apprenticeships")
    assert client.post(f"/api/topics/{candidate}/promote", headers=staff["ben"].headers).status_code == 403
    promoted = client.post(f"/api/topics/{candidate}/promote", headers=staff["carol"].headers)
    assert promoted.status_code == 200 and promoted.json()["status"] == "concept"
    assert client.post(f"/api/topics/{candidate}/promote", headers=staff["carol"].headers).status_code == 409


def test_merge_moves_tags_with_history_and_the_old_topic_redirects(client, session, staff):
    alice, ben = person_id(session, staff["alice"]), person_id(session, staff["ben"])
    # Dan tagged Alice with both (two opinions of one tagger), Erin only with the candidate, Dan Ben with it
    tag(client, staff["dan"], alice, "Apprenticeships", level=2)
    tag(client, staff["dan"], alice, "Apprentice schemes", level=3)
    tag(client, staff["dan"], alice, "Apprentice schemes", level=4)  # history on the candidate
    tag(client, staff["erin"], alice, "Apprentice schemes", level=5)
    tag(client, staff["dan"], ben, "Apprentice schemes")
    source, target = topic_id(client, staff["dan"], "Apprentice schemes"), topic_id(client, staff["dan"], "Apprenticeships")
    assert client.post(f"/api/topics/{source}/merge", headers=staff["dan"].headers,
                       json={"into_id": target}).status_code == 403
    merged = client.post(f"/api/topics/{source}/merge", headers=staff["carol"].headers, json={"into_id": target})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["id"] == target and "Apprentice schemes" in body["alt_labels"] and body["usage"] == 3
    # every row moved, and one current tag per tagger, person and topic survives (Dan's latest: level 4)
    assert session.scalar(select(func.count()).where(PersonTag.concept_id == source)) == 0
    tags = client.get(f"/api/people/{alice}/tags", headers=staff["ben"].headers).json()["colleague_tags"]
    assert sorted((t["tagger"]["id"], t["level"], t["topic"]["id"]) for t in tags) == [
        (staff["dan"].id, 4, target), (staff["erin"].id, 5, target)]
    history = client.get(f"/api/people/{alice}/tags?history=true", headers=staff["ben"].headers).json()
    assert sorted(t["level"] for t in history["colleague_tags"]) == [2, 3, 4, 5]
    # the old topic redirects; its name and IRI now find the target
    redirect = client.get(f"/api/topics/{source}", headers=staff["ben"].headers, follow_redirects=False)
    assert redirect.status_code == 308 and redirect.headers["location"] == f"/api/topics/{target}"
    assert client.get(f"/api/topics/{source}", headers=staff["ben"].headers).json()["id"] == target
    assert tag(client, staff["erin"], ben, "apprentice schemes").json()["topic"]["id"] == target
    experts = client.get("/api/experts?q=Apprentice schemes", headers=staff["ben"].headers).json()
    assert [t["id"] for t in experts["topics"]] == [target] and len(experts["items"]) == 2
    # a merged topic cannot be changed any more
    assert client.post(f"/api/topics/{source}/synonyms", headers=staff["carol"].headers,
                       json={"label": "x"}).status_code == 409
    assert client.post(f"/api/topics/{target}/merge", headers=staff["carol"].headers,
                       json={"into_id": target}).status_code == 422


def test_merge_moves_narrower_topics(client, session, staff):
    carol = staff["carol"]
    source = topic_id(client, carol, "Student finance")
    target = topic_id(client, carol, "Careers leaders")
    parent = topic_id(client, carol, "Higher education")
    merged = client.post(f"/api/topics/{parent}/merge", headers=carol.headers, json={"into_id": target}).json()
    assert source in [t["id"] for t in merged["narrower"]]


def test_synonyms_rename_and_definition(client, session, staff):
    ben, carol = staff["ben"], staff["carol"]
    topic = topic_id(client, ben, "Apprenticeships")
    added = client.post(f"/api/topics/{topic}/synonyms", headers=ben.headers, json={"label": "Apprentice jobs"})
    assert added.status_code == 200 and "Apprentice jobs" in added.json()["alt_labels"]
    taken = client.post(f"/api/topics/{topic}/synonyms", headers=ben.headers, json={"label": "ucas"})
    assert taken.status_code == 409 and "Higher education" in taken.json()["detail"]
    assert client.patch(f"/api/topics/{topic}", headers=ben.headers, json={"label": "x"}).status_code == 403
    renamed = client.patch(f"/api/topics/{topic}", headers=carol.headers,
                           json={"label": "Apprenticeships in England", "definition": "Paid jobs with training."})
    assert renamed.status_code == 200
    body = renamed.json()
    assert body["label"] == "Apprenticeships in England" and "Apprenticeships" in body["alt_labels"]
    assert body["definition"] == "Paid jobs with training."
    assert client.patch(f"/api/topics/{topic}", headers=carol.headers,
                        json={"label": "Higher education"}).status_code == 409
    removed = client.delete(f"/api/topics/{topic}/synonyms/Apprentice%20jobs", headers=carol.headers)
    assert removed.status_code == 200 and "Apprentice jobs" not in removed.json()["alt_labels"]
    assert client.delete(f"/api/topics/{topic}/synonyms/nothing", headers=carol.headers).status_code == 404


def test_broader_and_narrower_with_cycles_refused(client, session, staff):
    carol = staff["carol"]
    child = topic_id(client, carol, "Skills Bootcamps")
    new_parent = topic_id(client, carol, "Digital careers work")
    moved = client.put(f"/api/topics/{child}/broader", headers=carol.headers, json={"broader_ids": [new_parent]})
    assert moved.status_code == 200 and [t["id"] for t in moved.json()["broader"]] == [new_parent]
    parent = client.get(f"/api/topics/{new_parent}", headers=carol.headers).json()
    assert child in [t["id"] for t in parent["narrower"]]
    cycle = client.put(f"/api/topics/{new_parent}/broader", headers=carol.headers, json={"broader_ids": [child]})
    assert cycle.status_code == 422 and "cannot be broader than itself" in cycle.json()["detail"]
    assert client.put(f"/api/topics/{child}/broader", headers=staff["ben"].headers,
                      json={"broader_ids": []}).status_code == 403
    assert client.put(f"/api/topics/{child}/broader", headers=carol.headers,
                      json={"broader_ids": [999_999]}).status_code == 404


def test_create_topics_candidates_for_all_concepts_for_managers(client, session, staff):
    proposed = client.post("/api/topics", headers=staff["ben"].headers, json={"label": "Space industry careers"})
    assert proposed.status_code == 201 and proposed.json()["status"] == "candidate"
    assert client.post("/api/topics", headers=staff["ben"].headers,
                       json={"label": "Other", "status": "concept"}).status_code == 403
    duplicate = client.post("/api/topics", headers=staff["ben"].headers, json={"label": "space  INDUSTRY careers"})
    assert duplicate.status_code == 409
    concept = client.post("/api/topics", headers=staff["carol"].headers, json={
        "label": "Satellite engineering", "status": "concept", "broader_ids": [proposed.json()["id"]]})
    assert concept.status_code == 201 and concept.json()["broader"][0]["label"] == "Space industry careers"


def test_every_change_is_listed_with_who_and_when(client, session, staff):
    carol = staff["carol"]
    tag(client, staff["ben"], person_id(session, staff["alice"]), "Green apprenticeships")
    candidate = topic_id(client, carol, "Green apprenticeships")
    client.post(f"/api/topics/{candidate}/promote", headers=carol.headers)
    client.post(f"/api/topics/{candidate}/synonyms", headers=staff["dan"].headers, json={"label": "Green apprentices"})
    changes = client.get(f"/api/topics/changes?topic_id={candidate}", headers=staff["ben"].headers).json()["items"]
    assert [(c["action"], c["actor"]["id"]) for c in changes] == [
        ("synonym.add", staff["dan"].id), ("promote", carol.id), ("candidate.created", staff["ben"].id)]
    assert all(c["at"] and c["topic"]["id"] == candidate for c in changes)
    everything = client.get("/api/topics/changes?limit=2", headers=staff["ben"].headers).json()
    assert len(everything["items"]) == 2 and everything["next"]
    rest = client.get(everything["next"], headers=staff["ben"].headers).json()["items"]
    assert rest and rest[0]["id"] < everything["items"][-1]["id"]
    assert any(c["action"] == "scheme.seeded" and c["actor"] is None for c in
               client.get("/api/topics/changes?limit=200", headers=staff["ben"].headers).json()["items"])


def test_topic_lists_filter_and_sort_by_usage(client, session, staff):
    alice, ben = person_id(session, staff["alice"]), person_id(session, staff["ben"])
    tag(client, staff["dan"], alice, "Rare topic")
    tag(client, staff["dan"], alice, "Common topic")
    tag(client, staff["dan"], ben, "Common topic")
    by_usage = client.get("/api/topics?status=candidate&sort=usage", headers=staff["dan"].headers).json()["items"]
    assert [(t["label"], t["usage"]) for t in by_usage] == [("Common topic", 2), ("Rare topic", 1)]
    concepts = client.get("/api/topics?status=concept&limit=200", headers=staff["dan"].headers).json()
    assert len(concepts["items"]) == 80 and concepts["next"] is None
    assert client.get("/api/topics/999999", headers=staff["dan"].headers).status_code == 404
    assert client.get("/api/topics").status_code == 401


def test_merging_a_topic_into_its_narrower_topic_keeps_the_hierarchy(client, session, staff):
    carol = staff["carol"]
    parent = topic_id(client, carol, "Apprenticeships")
    child = topic_id(client, carol, "Higher and degree apprenticeships")
    grandparent = topic_id(client, carol, "Education and training routes")
    merged = client.post(f"/api/topics/{parent}/merge", headers=carol.headers, json={"into_id": child}).json()
    assert [t["id"] for t in merged["broader"]] == [grandparent] and merged["narrower"] == []
    assert "Apprenticeships" in merged["alt_labels"]
    assert child in [t["id"] for t in client.get(f"/api/topics/{grandparent}", headers=carol.headers).json()["narrower"]]


def test_directory_text_is_matched_literally(client, session, staff):
    client.post("/api/people", headers=staff["ben"].headers, json={"name": "Percy 100% Jones"})
    assert [p["name"] for p in client.get("/api/people?q=100%25", headers=staff["ben"].headers).json()["items"]] == [
        "Percy 100% Jones"]
    assert client.get("/api/people?q=_", headers=staff["ben"].headers).json()["items"] == []
