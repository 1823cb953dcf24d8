"""Snapshots: the report as it stood on an earlier date, and the change between two dates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.people.models import Person
from app.reports.models import ReportSnapshot
from tests.reports.conftest import Org, org_profile, tag


def snapshot(client, org: Org, profile_id: int | None = None) -> list[dict]:
    response = client.post("/api/reports/snapshots", headers=org.callers["carol"].headers,
                           json={} if profile_id is None else {"profile_id": profile_id})
    assert response.status_code == 201, response.text
    return response.json()


def backdate(session: Session, snapshot_id: int, days: int) -> str:
    """Move a snapshot into the past; returns that day as YYYY-MM-DD."""
    when = utcnow() - timedelta(days=days)
    session.execute(update(ReportSnapshot).where(ReportSnapshot.id == snapshot_id).values(taken_at=when))
    session.commit()
    return when.date().isoformat()


def carol_get(client, org: Org, url: str, **params):
    return client.get(url, headers=org.callers["carol"].headers, params=params)


def test_report_as_it_stood_on_an_earlier_date(client, session: Session, org):
    profile = org_profile(client, org)
    (taken,) = snapshot(client, org, profile["id"])
    day = backdate(session, taken["id"], 10)
    # Since then, a colleague rated dan at 4 in apprenticeships: he reaches level 3 (mean of 2 and 4).
    tag(session, org.people["dan"], org.callers["ben"], org.topics["app"], 4)
    session.commit()
    live = carol_get(client, org, "/api/reports/skills-gap", profile_id=profile["id"]).json()
    then = carol_get(client, org, "/api/reports/skills-gap", profile_id=profile["id"], at=day).json()
    assert live["topics"][0]["available"] == 4 and then["topics"][0]["available"] == 3
    assert then["snapshot_id"] == taken["id"] and then["as_of"].startswith(day)
    assert [p["name"] for p in then["topics"][0]["training_candidates"]] == ["Dan"]
    earlier = (utcnow() - timedelta(days=20)).date().isoformat()
    missing = carol_get(client, org, "/api/reports/skills-gap", profile_id=profile["id"], at=earlier)
    assert missing.status_code == 404 and "POST /api/reports/snapshots" in missing.json()["detail"]
    listed = carol_get(client, org, "/api/reports/snapshots", profile_id=profile["id"]).json()["items"]
    assert [s["id"] for s in listed] == [taken["id"]] and listed[0]["taken_by_id"] == org.callers["carol"].id


def test_changes_between_a_snapshot_and_now_and_between_two_snapshots(client, session: Session, org):
    profile = org_profile(client, org)
    (first,) = snapshot(client, org, profile["id"])
    start = backdate(session, first["id"], 30)
    tag(session, org.people["dan"], org.callers["ben"], org.topics["pay"], 5)  # dan: mean(3, 5) = 4 at Pay
    session.commit()
    (second,) = snapshot(client, org, profile["id"])
    middle = backdate(session, second["id"], 5)
    session.execute(update(Person).where(Person.id == org.people["alice"]).values(hidden_at=utcnow()))
    session.commit()
    response = carol_get(client, org, "/api/reports/skills-gap/changes", profile_id=profile["id"],
                         **{"from": start, "to": middle})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from_snapshot_id"], body["to_snapshot_id"]) == (first["id"], second["id"])
    pay = {t["topic"]["label"]: t for t in body["topics"]}["Pay and earnings"]
    assert (pay["before"]["available"], pay["after"]["available"]) == (1, 2)
    assert (pay["available_change"], pay["gap_change"], pay["change"]) == (1, -1, "kept")
    assert [p["name"] for p in pay["joined"]] == ["Dan"] and pay["left"] == []
    assert (body["before"]["total_gap"], body["after"]["total_gap"]) == (1, 0)
    # alice hid her profile after both snapshots: the old snapshots no longer name her.
    then = carol_get(client, org, "/api/reports/skills-gap", profile_id=profile["id"], at=start).json()
    assert [p["name"] for p in then["topics"][0]["people"]] == ["Ben"] and then["topics"][0]["hidden_people"] == 2
    to_now = carol_get(client, org, "/api/reports/skills-gap/changes", profile_id=profile["id"],
                       **{"from": middle}).json()
    assert to_now["to_snapshot_id"] is None
    assert all(t["available_change"] == 0 and t["joined"] == [] for t in to_now["topics"])


def test_changes_see_topics_added_and_removed(client, org):
    carol = org.callers["carol"].headers
    profile = org_profile(client, org)
    snapshot(client, org, profile["id"])
    client.put(f"/api/reports/profiles/{profile['id']}", headers=carol, json={
        "name": "Plan", "topics": [{"topic_id": org.topics["degree"], "required_people": 1, "level": 1}]})
    body = carol_get(client, org, "/api/reports/skills-gap/changes", profile_id=profile["id"],
                     **{"from": utcnow().isoformat()}).json()
    assert {t["topic"]["label"]: t["change"] for t in body["topics"]} == {
        "Degree apprenticeships": "added", "Apprenticeships": "removed", "Pay and earnings": "removed"}
    removed = {t["topic"]["label"]: t for t in body["topics"]}["Apprenticeships"]
    assert removed["after"] is None and removed["available_change"] == -3


def test_bad_dates_are_422_and_snapshots_of_every_profile(client, org):
    profile = org_profile(client, org)
    second = org_profile(client, org)
    assert {s["profile_id"] for s in snapshot(client, org)} == {profile["id"], second["id"]}
    for params, reason in (({"from": "2026-11-20", "to": "2026-11-01"}, "must be before"),
                           ({"from": "soon"}, "YYYY-MM-DD")):
        response = carol_get(client, org, "/api/reports/skills-gap/changes", profile_id=profile["id"], **params)
        assert response.status_code == 422 and reason in response.json()["detail"], response.text
    missing = client.post("/api/reports/snapshots", headers=org.callers["carol"].headers, json={"profile_id": 999999})
    assert missing.status_code == 404


def test_gap_chart_of_an_earlier_date_and_no_heatmap_of_the_past(client, session: Session, org):
    profile = org_profile(client, org)
    (taken,) = snapshot(client, org, profile["id"])
    day = backdate(session, taken["id"], 3)
    tag(session, org.people["dan"], org.callers["ben"], org.topics["pay"], 5)
    session.commit()
    old = carol_get(client, org, "/api/reports/skills-gap/chart.svg", profile_id=profile["id"], at=day)
    assert old.status_code == 200 and "1/2 gap 1 · one person" in old.text
    assert "2/2 covered" in carol_get(client, org, "/api/reports/skills-gap/chart.svg", profile_id=profile["id"]).text
    past_heatmap = carol_get(client, org, "/api/reports/skills-gap/chart.svg", profile_id=profile["id"],
                             kind="heatmap", at=day)
    assert past_heatmap.status_code == 422 and "leave `at` out" in past_heatmap.json()["detail"]
