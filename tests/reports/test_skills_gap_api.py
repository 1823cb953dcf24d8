"""The skills-gap report over HTTP on the hand-made organisation of conftest.py (both databases)."""

from __future__ import annotations

import json

from rdflib.namespace import DCTERMS
from sqlalchemy.orm import Session

from app.auth.models import Visibility
from app.pages.models import Page
from app.topics.models import TopicConcept
from app.quality.models import PageMaturity
from app.annotations.models import PageAnnotation
from app.tagging.models import PageTag
from tests.factories import make_page, make_space, personal_space
from tests.reports.conftest import Org, create_profile, org_profile


def report(client, org: Org, profile_id: int, **params) -> dict:
    response = client.get("/api/reports/skills-gap", headers=org.callers["carol"].headers,
                          params={"profile_id": profile_id, **params})
    assert response.status_code == 200, response.text
    return response.json()


def by_label(body: dict) -> dict[str, dict]:
    return {row["topic"]["label"]: row for row in body["topics"]}


def names(people: list[dict]) -> list[str]:
    return [p["name"] for p in people]


def test_organisation_report_pins_the_arithmetic(client, org):
    body = report(client, org, org_profile(client, org)["id"])
    apprenticeships, pay = body["topics"]  # high priority first
    assert apprenticeships["topic"]["label"] == "Apprenticeships"
    # alice 4.5 (narrower tag counts), ben 3.0 (only a narrower tag), hana 4.0 (hidden): 3 of 3.
    assert (apprenticeships["required"], apprenticeships["available"], apprenticeships["gap"]) == (3, 3, 0)
    assert apprenticeships["single_point_of_failure"] is False
    assert [(p["name"], p["level"]) for p in apprenticeships["people"]] == [("Alice", 4.5), ("Ben", 3.0)]
    assert apprenticeships["hidden_people"] == 1
    # dan 2.0 is within a level; erin's self-tag and the tag she hid do not count; ivan is inactive.
    assert names(apprenticeships["training_candidates"]) == ["Dan"]
    assert [(p["name"], p["organisation"]) for p in apprenticeships["external_contacts"]] == [
        ("Priya Shah", "North East Chamber")]
    assert apprenticeships["hidden_contacts"] == 1
    assert apprenticeships["narrower_topics"] == 1
    # Pay at level 4: only alice (4.0); dan's unlevelled tag counts 3, so he is close.
    assert (pay["required"], pay["available"], pay["gap"], pay["single_point_of_failure"]) == (2, 1, 1, True)
    assert names(pay["people"]) == ["Alice"] and names(pay["training_candidates"]) == ["Dan"]
    assert body["summary"] == {"people_in_scope": 6,  # alice ben dan erin hana carol; not ivan
                               "topics": 2, "topics_with_gap": 1, "total_gap": 1,
                               "single_points_of_failure": 1}
    assert body["snapshot_id"] is None


def test_hidden_people_are_never_named_anywhere(client, org):
    profile = org_profile(client, org)
    text = client.get("/api/reports/skills-gap", headers=org.callers["carol"].headers,
                      params={"profile_id": profile["id"]}).text
    csv_text = client.get("/api/reports/skills-gap", headers=org.callers["carol"].headers,
                          params={"profile_id": profile["id"], "format": "csv"}).text
    for hidden in ("Hana", "Quinn", "Ivan"):
        assert hidden not in text and hidden not in csv_text
    shown = {p["person_id"] for row in json.loads(text)["topics"]
             for p in (*row["people"], *row["training_candidates"], *row["external_contacts"])}
    assert shown == {org.people[name] for name in ("alice", "ben", "dan", "priya")}


def test_team_profile_counts_only_the_team(client, org):
    profile = create_profile(client, org, [
        {"topic_id": org.topics["app"], "required_people": 4, "level": 4, "priority": "high"}], team_id=org.team_id)
    body = report(client, org, profile["id"])
    (row,) = body["topics"]
    # alice 4.5 and hana 4.0 (hidden) reach level 4; ben 3.0 is a candidate; dan is not in the team.
    assert (row["available"], row["gap"], names(row["people"]), row["hidden_people"]) == (2, 2, ["Alice"], 1)
    assert names(row["training_candidates"]) == ["Ben"]
    assert body["profile"]["team"] == {"id": org.team_id, "name": "North East"}
    assert body["summary"]["people_in_scope"] == 3


def test_levels_decide_who_counts(client, org):
    profile = create_profile(client, org, [
        {"topic_id": org.topics["app"], "required_people": 1, "level": 5},
        {"topic_id": org.topics["degree"], "required_people": 1, "level": 1}])
    rows = by_label(report(client, org, profile["id"]))
    assert rows["Apprenticeships"]["available"] == 0 and rows["Apprenticeships"]["gap"] == 1
    assert names(rows["Apprenticeships"]["training_candidates"]) == ["Alice"]  # 4.5, and hana 4.0 hidden
    assert rows["Apprenticeships"]["hidden_candidates"] == 1
    assert names(rows["Apprenticeships"]["external_contacts"]) == []  # Priya 4.0 < 5; Quinn hidden
    assert rows["Apprenticeships"]["hidden_contacts"] == 1
    # Only the Degree tags count for the narrower topic: alice (dan's 5), ben (alice's 3).
    assert [(p["name"], p["level"]) for p in rows["Degree apprenticeships"]["people"]] == [("Alice", 5.0),
                                                                                             ("Ben", 3.0)]
    assert rows["Degree apprenticeships"]["narrower_topics"] == 0


def test_knowledge_base_counts_mature_organisational_pages_only(client, session: Session, org):
    alice = org.callers["alice"].user
    space = make_space(session, alice, Visibility.organisation)
    members_only = make_space(session, alice, Visibility.members)
    pages = [make_page(session, alice, space, "Degree routes"), make_page(session, alice, space, "Apprenticeship pay"),
             make_page(session, alice, members_only, "Draft levy notes"),
             make_page(session, alice, personal_space(session, alice), "My private notes")]
    for page, topic in zip(pages, ("degree", "app", "app", "app"), strict=True):
        session.add(PageTag(page_id=page.id, tagger_id=alice.id, concept_id=org.topics[topic]))
    session.get(PageMaturity, pages[0].id).phase = "formalising"
    session.get(PageMaturity, pages[3].id).phase = "standardising"  # private: never counted
    session.commit()
    body = report(client, org, org_profile(client, org)["id"])
    # the manager reads organisational spaces, members-only ones too; never a personal space.
    assert by_label(body)["Apprenticeships"]["knowledge_base"] == {"pages": 3, "mature_pages": 1}
    assert by_label(body)["Pay and earnings"]["knowledge_base"] == {"pages": 0, "mature_pages": 0}
    assert session.get(Page, pages[3].id).space_id != space.id
    # A page whose text annotates the topic counts as one tagged with it (and once when both).
    pay_iri = session.get(TopicConcept, org.topics["pay"]).iri
    for title, tagged in (("Pay rates", True), ("Pay in care", False)):
        page = make_page(session, alice, space, title)
        session.add(PageAnnotation(revision_id=page.current_revision_id, position=0, origin="structured",
                                   property_iri=str(DCTERMS.subject), raw_value="Pay and earnings", kind="concept",
                                   value_text="Pay and earnings", value_iri=pay_iri))
        if tagged:
            session.add(PageTag(page_id=page.id, tagger_id=alice.id, concept_id=org.topics["pay"]))
    session.commit()
    body = report(client, org, org_profile(client, org)["id"])
    assert by_label(body)["Pay and earnings"]["knowledge_base"] == {"pages": 2, "mature_pages": 0}


def test_a_topic_merged_after_the_profile_was_written_redirects(client, session, org):
    profile = create_profile(client, org, [{"topic_id": org.topics["degree"], "required_people": 1, "level": 3}])
    merged = client.post(f"/api/topics/{org.topics['degree']}/merge", headers=org.callers["carol"].headers,
                         json={"into_id": org.topics["app"]})
    assert merged.status_code == 200, merged.text
    (row,) = report(client, org, profile["id"])["topics"]
    assert row["topic"]["label"] == "Apprenticeships"
    assert row["available"] == 3


def test_only_managers_and_admins_run_reports(client, org):
    profile = org_profile(client, org)
    adviser = org.callers["alice"].headers
    for method, url in (("get", f"/api/reports/skills-gap?profile_id={profile['id']}"),
                        ("get", f"/api/reports/skills-gap/chart.svg?profile_id={profile['id']}"),
                        ("get", f"/api/reports/skills-gap/changes?profile_id={profile['id']}&from=2026-01-01"),
                        ("get", "/api/reports/profiles"), ("get", f"/api/reports/profiles/{profile['id']}"),
                        ("post", "/api/reports/snapshots"), ("get", "/api/reports/demand"), ("get", "/api/teams"),
                        ("put", f"/api/teams/{org.team_id}/members/{org.callers['dan'].id}")):
        response = client.request(method, url, headers=adviser, json={} if method == "post" else None)
        assert response.status_code == 403, (url, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/reports/profiles").status_code == 401


def test_unknown_profile_is_404_and_bad_values_are_422_with_a_reason(client, org):
    carol = org.callers["carol"].headers
    assert client.get("/api/reports/skills-gap?profile_id=999999", headers=carol).status_code == 404
    assert client.get("/api/reports/profiles/999999", headers=carol).status_code == 404
    bad = [
        ({"name": "X", "topics": [{"topic_id": org.topics["app"], "required_people": 1, "level": 6}]}, "level"),
        ({"name": "X", "topics": [{"topic_id": org.topics["app"], "required_people": 0, "level": 3}]},
         "required_people"),
        ({"name": "X", "topics": []}, "topics"),
        ({"name": "X", "topics": [{"topic_id": org.topics["app"], "required_people": 1, "level": 3}] * 2},
         "listed twice"),
        ({"name": "X", "topics": [{"topic_id": 999999, "required_people": 1, "level": 3}]}, "no topic 999999"),
        ({"name": "X", "team_id": 999999, "topics": [{"topic_id": org.topics["app"], "required_people": 1,
                                                      "level": 3}]}, "no team 999999"),
        ({"name": " ", "topics": [{"topic_id": org.topics["app"], "required_people": 1, "level": 3}]}, "name"),
    ]
    for body, reason in bad:
        response = client.post("/api/reports/profiles", headers=carol, json=body)
        assert response.status_code == 422, (body, response.text)
        assert reason in response.json()["detail"], response.json()["detail"]
    profile = org_profile(client, org)
    for params, reason in (({"at": "last tuesday"}, "YYYY-MM-DD"), ({"at": "2999-01-01"}, "future"),
                           ({"format": "xml"}, "format")):
        response = client.get("/api/reports/skills-gap", headers=carol, params={"profile_id": profile["id"], **params})
        assert response.status_code == 422 and reason in response.json()["detail"], response.text


def test_profiles_crud(client, org):
    carol = org.callers["carol"].headers
    profile = org_profile(client, org)
    assert [t["topic"]["label"] for t in profile["topics"]] == ["Apprenticeships", "Pay and earnings"]
    assert profile["team"] is None
    replaced = client.put(f"/api/reports/profiles/{profile['id']}", headers=carol, json={
        "name": "North East plan", "team_id": org.team_id,
        "topics": [{"topic_id": org.topics["pay"], "required_people": 1, "level": 2, "priority": "low"}]})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["team"]["name"] == "North East"
    assert [(t["topic"]["label"], t["priority"]) for t in replaced.json()["topics"]] == [("Pay and earnings", "low")]
    listed = client.get(f"/api/reports/profiles?team_id={org.team_id}", headers=carol).json()["items"]
    assert [p["id"] for p in listed] == [profile["id"]]
    assert client.delete(f"/api/reports/profiles/{profile['id']}", headers=carol).status_code == 204
    assert client.get(f"/api/reports/profiles/{profile['id']}", headers=carol).status_code == 404
