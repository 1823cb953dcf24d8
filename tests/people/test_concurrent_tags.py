"""Many colleagues tagging at once, against the real server with two workers, on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from app.topics import skos
from app.people.models import PersonTag
from app.topics.models import TopicConcept
from tests.conftest import SECRET, migrated_database
from tests.factories import person_ids, users_with_tokens
from tests.live_server import LiveServer, all_at_once

TAGGERS = 8


@pytest.fixture(scope="module")
def live(backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[dict]:
    """One server per database for the module (the tests tag different topics)."""
    tmp_path = tmp_path_factory.mktemp("concurrent-tags")
    url, database = migrated_database(backend, tmp_path, request)
    with database.transaction() as session:
        skos.seed(session)
        users, tokens = users_with_tokens(session, TAGGERS, "tagger")
        people = person_ids(session, users)
    server = LiveServer(url, tmp_path, SECRET, workers=2)
    try:
        server.wait_until_up()
        yield {"server": server, "database": database, "tokens": tokens, "people": people}
    finally:
        server.stop()
        database.dispose()


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
