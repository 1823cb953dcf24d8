"""CSV and SVG renderings of the report: what a spreadsheet or a slide gets."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

from sqlalchemy.orm import Session

from app.db import utcnow
from app.topics.models import TopicConcept
from app.reports.models import Team, TeamMember
from tests.reports.conftest import Org, create_profile, make_topic, org_profile, tag

SVG = "{http://www.w3.org/2000/svg}"


def get(client, org: Org, url: str, **params):
    response = client.get(url, headers=org.callers["carol"].headers, params=params)
    assert response.status_code == 200, response.text
    return response


def test_csv_has_one_row_per_topic_with_the_figures(client, org):
    profile = org_profile(client, org)
    response = get(client, org, "/api/reports/skills-gap", profile_id=profile["id"], format="csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert f'filename="skills-gap-{profile["id"]}-' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["topic"], r["priority"], r["level"], r["required"], r["available"], r["gap"],
             r["single_point_of_failure"]) for r in rows] == [
        ("Apprenticeships", "high", "3", "3", "3", "0", "no"), ("Pay and earnings", "medium", "4", "2", "1", "1", "yes")]
    assert rows[0]["people"] == "Alice (4.5); Ben (3)"
    assert (rows[0]["hidden_people"], rows[0]["training_candidates"], rows[0]["external_contacts"]) == (
        "1", "Dan (2)", "Priya Shah (4)")
    assert rows[0]["narrower_topics"] == "1"
    by_accept = client.get("/api/reports/skills-gap", params={"profile_id": profile["id"]},
                           headers={**org.callers["carol"].headers, "Accept": "text/csv"})
    assert by_accept.text == response.text


def test_csv_cells_cannot_start_a_formula(client, session: Session, org):
    risky = make_topic(session, "=HYPERLINK(\"http://x\",\"click\")")
    session.commit()
    profile = create_profile(client, org, [{"topic_id": risky, "required_people": 1, "level": 1}])
    text = get(client, org, "/api/reports/skills-gap", profile_id=profile["id"], format="csv").text
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["topic"] == "'=HYPERLINK(\"http://x\",\"click\")"


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode())  # well-formed, or this raises
    assert root.tag == f"{SVG}svg"
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def test_gap_chart_is_well_formed_and_shows_each_topic_escaped(client, session: Session, org):
    odd = make_topic(session, "Pay <&> \"conditions\"")
    tag(session, org.people["alice"], org.callers["ben"], odd, 5)
    session.commit()
    profile = create_profile(client, org, [
        {"topic_id": org.topics["app"], "required_people": 3, "level": 3, "priority": "high"},
        {"topic_id": org.topics["pay"], "required_people": 2, "level": 4},
        {"topic_id": odd, "required_people": 1, "level": 2, "priority": "low"}])
    response = get(client, org, "/api/reports/skills-gap/chart.svg", profile_id=profile["id"], kind="gap")
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "&lt;&amp;&gt;" in response.text
    texts = svg_texts(response.text)
    for label in ("Apprenticeships", "Pay and earnings", "Pay <&> \"conditions\""):
        assert label in texts
    assert "1/2 gap 1 · one person" in texts and "3/3 covered" in texts and "1/1 covered · one person" in texts
    assert not any("Hana" in t for t in texts)


def test_heatmap_has_a_row_per_team_and_a_column_per_topic(client, session: Session, org):
    south = Team(name="South & West", description="", created_at=utcnow())
    session.add(south)
    session.flush()
    session.add(TeamMember(team_id=south.id, user_id=org.callers["dan"].id, added_at=utcnow()))
    session.commit()
    profile = org_profile(client, org)
    svg = get(client, org, "/api/reports/skills-gap/chart.svg", profile_id=profile["id"], kind="heatmap").text
    root = ET.fromstring(svg.encode())
    columns = ["".join(t.itertext()) for t in root.iter(f"{SVG}text") if t.get("class") == "topic"]
    assert columns == ["Apprenticeships", "Pay and earnings"]
    tips = [t.text for t in root.iter(f"{SVG}title")]
    # Whole organisation: 3 at Apprenticeships level 3 (hana hidden but counted), 1 at Pay level 4.
    assert "Whole organisation, Apprenticeships: 3 of 3" in tips and "Whole organisation, Pay and earnings: 1 of 2" in tips
    assert "North East, Apprenticeships: 3 of 3" in tips and "South & West, Apprenticeships: 0 of 3" in tips
    assert "South &amp; West" in svg


def test_a_profile_without_requirements_met_still_draws(client, session: Session, org):
    lonely = make_topic(session, "Green skills")
    session.commit()
    profile = create_profile(client, org, [{"topic_id": lonely, "required_people": 2, "level": 5}])
    texts = svg_texts(get(client, org, "/api/reports/skills-gap/chart.svg", profile_id=profile["id"]).text)
    assert "Green skills" in texts and "0/2 gap 2" in texts
    assert session.get(TopicConcept, lonely) is not None
