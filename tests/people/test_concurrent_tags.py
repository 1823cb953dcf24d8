"""Many colleagues tagging at once, against the real server with two workers, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.people.models import PersonTag
from app.topics.models import TopicConcept
from tests.conftest import SharedServer
from tests.factories import person_ids, users_with_tokens
from tests.live_server import all_at_once

TAGGERS = 8


@pytest.fixture(scope="module")
def live(shared_server: SharedServer) -> dict:
    """The shared server (its topic scheme seeded) and taggers of this module's own (the tests tag different
    topics)."""
    with shared_server.database.transaction() as session:
        users, tokens = users_with_tokens(session, TAGGERS, "tagger")
        people = person_ids(session, users)
    return {"server": shared_server.server, "database": shared_server.database, "tokens": tokens, "people": people}


def _tag(live: dict, token: str, person_id: int, **body):
    url = f"{live['server'].url}/api/people/{person_id}/tags"
    return lambda client: client.post(url, headers={"Authorization": f"Bearer {token}"}, json=body)


def test_the_same_new_topic_typed_at_once_makes_one_candidate(live):
    calls = [_tag(live, token, live["people"][(n + 1) % TAGGERS], topic="Hydrogen vehicle maintenance")
             for n, token in enumerate(live["tokens"])]
    responses = all_at_once(calls)
    assert sorted(r.status_code for r in responses) == [201] * TAGGERS, [r.text for r in responses]
    assert len({r.json()["topic"]["id"] for r in responses}) == 1
    with live["database"].transaction(write=False) as session:
        candidates = session.scalars(select(TopicConcept).where(
            TopicConcept.label_key == "hydrogen vehicle maintenance")).all()
    assert len(candidates) == 1


def test_one_tagger_tagging_at_once_keeps_one_current_tag_with_history(live):
    token, person = live["tokens"][0], live["people"][1]
    responses = all_at_once([_tag(live, token, person, topic="Apprenticeships", level=1 + n % 5)
                              for n in range(TAGGERS)])
    assert {r.status_code for r in responses} <= {200, 201} and [r.status_code for r in responses].count(201) == 1
    [topic_id] = {r.json()["topic"]["id"] for r in responses}
    with live["database"].transaction(write=False) as session:
        rows = session.scalars(select(PersonTag).where(PersonTag.person_id == person,
                                                       PersonTag.concept_id == topic_id)).all()
    assert sum(r.superseded_at is None for r in rows) == 1 and len(rows) >= 5
