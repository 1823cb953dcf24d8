"""A small hand-made organisation for the report tests.

Topics: Apprenticeships, with the narrower Degree apprenticeships; Pay and earnings.
People and their colleagues' tags (levels are means of each colleague's strongest tag):

| person                 | Apprenticeships (incl. narrower)          | Pay and earnings      |
|------------------------|-------------------------------------------|-----------------------|
| alice                  | ben 4, dan 5 on Degree -> 4.5             | ben 4 -> 4.0          |
| ben                    | alice 3 on Degree -> 3.0 (self-tag 5 ignored) |                   |
| dan                    | alice 2 -> 2.0                            | erin, no level -> 3.0 |
| erin                   | self 5 (ignored); dan 5 hidden by erin     |                       |
| hana (hid her profile) | alice 4 -> 4.0                            |                       |
| ivan (inactive)        | alice 5 (not counted)                     |                       |
| Priya (contact)        | alice 4 -> 4.0                            |                       |
| Quinn (hidden contact) | alice 5 -> 5.0                            |                       |

Team North East: alice, ben, hana. carol is the manager.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.db import utcnow
from app.people.models import Person, PersonTag
from app.topics.models import TopicBroader, TopicConcept, TopicStatus
from app.people.service import person_of_user
from app.topics.service import TOPIC_NAMESPACE, label_key
from app.reports.models import Team, TeamMember
from tests.factories import Person as Caller
from tests.factories import make_person


@dataclass
class Org:
    callers: dict[str, Caller]
    people: dict[str, int]      # name -> person id
    topics: dict[str, int]      # key -> topic id
    team_id: int


def make_topic(session: Session, label: str, broader: int | None = None) -> int:
    now = utcnow()
    topic = TopicConcept(iri=f"{TOPIC_NAMESPACE}test-{label_key(label).replace(' ', '-')}", label=label,
                         label_key=label_key(label), status=TopicStatus.concept, created_at=now, updated_at=now)
    session.add(topic)
    session.flush()
    if broader is not None:
        session.add(TopicBroader(narrower_id=topic.id, broader_id=broader))
    return topic.id


def tag(session: Session, person: int, tagger: Caller, topic: int, level: int | None, **extra) -> PersonTag:
    now = utcnow()
    row = PersonTag(person_id=person, tagger_id=tagger.id, concept_id=topic, level=level, created_at=now,
                    confirmed_at=now, **{"is_self": False, **extra})
    session.add(row)
    session.flush()
    return row


def contact(session: Session, name: str, hidden: bool = False) -> int:
    person = Person(name=name, organisation="North East Chamber", contact="", created_at=utcnow(),
                    hidden_at=utcnow() if hidden else None)
    session.add(person)
    session.flush()
    return person.id


@pytest.fixture
def org(session: Session) -> Org:
    callers = {name: make_person(session, Role.manager if name == "carol" else Role.adviser, username=name)
               for name in ("alice", "ben", "dan", "erin", "hana", "ivan", "carol")}
    people = {name: person_of_user(session, caller.id).id for name, caller in callers.items()}
    session.get(Person, people["hana"]).hidden_at = utcnow()
    session.get(User, callers["ivan"].id).is_active = False
    people["priya"] = contact(session, "Priya Shah")
    people["quinn"] = contact(session, "Quinn Lowe", hidden=True)
    app_id = make_topic(session, "Apprenticeships")
    topics = {"app": app_id, "degree": make_topic(session, "Degree apprenticeships", app_id),
              "pay": make_topic(session, "Pay and earnings")}
    c, p, t = callers, people, topics
    tag(session, p["alice"], c["ben"], t["app"], 4)
    tag(session, p["alice"], c["dan"], t["degree"], 5)
    tag(session, p["alice"], c["dan"], t["app"], 1, superseded_at=utcnow() - timedelta(days=3))  # history only
    tag(session, p["alice"], c["ben"], t["pay"], 4)
    tag(session, p["ben"], c["alice"], t["degree"], 3)
    tag(session, p["ben"], c["ben"], t["app"], 5, is_self=True)
    tag(session, p["dan"], c["alice"], t["app"], 2)
    tag(session, p["dan"], c["erin"], t["pay"], None)
    tag(session, p["erin"], c["erin"], t["app"], 5, is_self=True)
    tag(session, p["erin"], c["dan"], t["app"], 5, hidden_at=utcnow())
    tag(session, p["hana"], c["alice"], t["app"], 4)
    tag(session, p["ivan"], c["alice"], t["app"], 5)
    tag(session, p["priya"], c["alice"], t["app"], 4)
    tag(session, p["quinn"], c["alice"], t["app"], 5)
    team = Team(name="North East", description="", created_at=utcnow())
    session.add(team)
    session.flush()
    session.add_all(TeamMember(team_id=team.id, user_id=c[name].id, added_at=utcnow())
                    for name in ("alice", "ben", "hana"))
    session.commit()
    return Org(callers, people, topics, team.id)


def create_profile(client, org: Org, topics: list[dict], team_id: int | None = None, name: str = "Plan") -> dict:
    response = client.post("/api/reports/profiles", headers=org.callers["carol"].headers,
                           json={"name": name, "team_id": team_id, "topics": topics})
    assert response.status_code == 201, response.text
    return response.json()


def org_profile(client, org: Org) -> dict:
    """Apprenticeships: 3 people at level 3 (high); Pay and earnings: 2 people at level 4."""
    return create_profile(client, org, [
        {"topic_id": org.topics["app"], "required_people": 3, "level": 3, "priority": "high"},
        {"topic_id": org.topics["pay"], "required_people": 2, "level": 4, "priority": "medium"}])
