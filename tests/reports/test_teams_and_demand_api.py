"""Teams and their members; demand signals from expert searches and pages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from app.auth.models import Visibility
from app.db import utcnow
from app.people.models import ExpertSearchGap
from app.quality.models import PageMaturity
from app.tagging.models import PageTag
from tests.factories import make_page, make_space, personal_space
from tests.reports.conftest import Org, create_profile


def test_teams_and_members(client, org: Org):
    carol = org.callers["carol"].headers
    made = client.post("/api/teams", headers=carol, json={"name": "  Tees Valley ", "description": "Middlesbrough"})
    assert made.status_code == 201, made.text
    team = made.json()
    assert (team["name"], team["members"]) == ("Tees Valley", 0)
    assert made.headers["location"] == f"/api/teams/{team['id']}"
    for name in ("dan", "erin", "dan"):
        added = client.put(f"/api/teams/{team['id']}/members/{org.callers[name].id}", headers=carol)
        assert added.status_code == 200, added.text
    members = client.get(f"/api/teams/{team['id']}/members", headers=carol).json()["items"]
    assert [m["username"] for m in members] == ["dan", "erin"]
    assert client.get(f"/api/teams/{team['id']}", headers=carol).json()["members"] == 2
    assert client.post("/api/teams", headers=carol, json={"name": "tees valley"}).status_code == 409
    assert client.patch(f"/api/teams/{team['id']}", headers=carol, json={"name": "North East"}).status_code == 409
    assert client.put(f"/api/teams/{team['id']}/members/999999", headers=carol).status_code == 404
    assert client.delete(f"/api/teams/{team['id']}/members/{org.callers['dan'].id}", headers=carol).status_code == 204
    assert client.delete(f"/api/teams/{team['id']}/members/{org.callers['dan'].id}", headers=carol).status_code == 404
    assert [t["name"] for t in client.get("/api/teams", headers=carol).json()["items"]] == ["North East", "Tees Valley"]
    profile = create_profile(client, org, [{"topic_id": org.topics["app"], "required_people": 1, "level": 1}],
                             team_id=team["id"])
    assert client.delete(f"/api/teams/{team['id']}", headers=carol).status_code == 204
    assert client.get(f"/api/teams/{team['id']}", headers=carol).status_code == 404
    assert client.get(f"/api/reports/profiles/{profile['id']}", headers=carol).status_code == 404


def test_demand_from_unanswered_searches(client, session: Session, org: Org):
    now = utcnow()
    rows = [(org.topics["pay"], "pay and earnings", "unanswered", 1), (org.topics["pay"], "Pay", "weak", 2),
            (org.topics["degree"], "degree apprenticeships", "weak", 3), (None, "Green hydrogen", "unanswered", 4),
            (None, "green  HYDROGEN", "unanswered", 5), (org.topics["app"], "apprenticeships", "unanswered", 400)]
    session.add_all(ExpertSearchGap(asked_by_id=org.callers["alice"].id, query=q, concept_id=topic, outcome=outcome,
                                    result_count=0, best_score=0.0, asked_at=now - timedelta(days=days))
                    for topic, q, outcome, days in rows)
    session.commit()
    response = client.get("/api/reports/demand", headers=org.callers["carol"].headers)
    assert response.status_code == 200, response.text
    searches = response.json()["searches"]
    found = [((s["topic"] or {}).get("label"), s["query"], s["asked"], s["unanswered"], s["weak"]) for s in searches]
    # older than 90 days is left out; free text is grouped by its wording; askers never appear.
    assert found == [(None, "Green hydrogen", 2, 2, 0), ("Pay and earnings", "pay and earnings", 2, 1, 1),
                     ("Degree apprenticeships", "degree apprenticeships", 1, 0, 1)]
    assert "alice" not in response.text.lower()
    longer = client.get("/api/reports/demand?days=500", headers=org.callers["carol"].headers).json()
    assert "Apprenticeships" in [(s["topic"] or {}).get("label") for s in longer["searches"]]


def test_demand_from_immature_pages_the_manager_may_read(client, session: Session, org: Org):
    alice = org.callers["alice"].user
    space = make_space(session, alice, Visibility.organisation)
    young = make_page(session, alice, space, "Pay notes")
    formal = make_page(session, alice, space, "Pay guide")
    private = make_page(session, alice, personal_space(session, alice), "Private degree notes")
    for page, topic in ((young, "pay"), (formal, "pay"), (private, "degree")):
        session.add(PageTag(page_id=page.id, tagger_id=alice.id, concept_id=org.topics[topic]))
    session.get(PageMaturity, young.id).phase = "expressing_ideas"
    session.get(PageMaturity, formal.id).phase = "formalising"
    session.get(PageMaturity, private.id).phase = "expressing_ideas"
    session.commit()
    knowledge = client.get("/api/reports/demand", headers=org.callers["carol"].headers).json()["knowledge"]
    assert [(k["topic"]["label"], k["pages"], k["stale_pages"], k["immature_pages"]) for k in knowledge] == [
        ("Pay and earnings", 2, 0, 1)]
