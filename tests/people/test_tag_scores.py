"""The database's tag scores agree with the pure ranking (`ranking.score`) on both databases."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import utcnow
from app.people import ranking, tag_scores
from app.topics import service as topics
from app.people.models import PersonTag
from app.topics.models import TopicConcept
from tests.factories import make_person
from tests.people.conftest import person_id


def test_sql_scores_equal_python_scores(session, scheme):
    rng = random.Random(7)
    now = utcnow()
    root = topics.resolve(session, "Apprenticeships")
    scope = topics.with_narrower(session, [root.id])
    outside = topics.resolve(session, "Higher education")
    people = [make_person(session) for _ in range(6)]
    pids = [person_id(session, p) for p in people]
    for _ in range(120):
        subject, tagger = rng.randrange(6), rng.randrange(6)
        concept = rng.choice([*scope, outside.id])
        if session.scalar(select(PersonTag.id).where(
                PersonTag.person_id == pids[subject], PersonTag.tagger_id == people[tagger].id,
                PersonTag.concept_id == concept, PersonTag.superseded_at.is_(None))):
            continue
        when = now - timedelta(days=rng.uniform(-2, 900))
        session.add(PersonTag(person_id=pids[subject], tagger_id=people[tagger].id, concept_id=concept,
                              is_self=subject == tagger, level=rng.choice([None, 1, 2, 3, 4, 5]),
                              note=rng.choice(["", "", "seen it"]), created_at=when, confirmed_at=when,
                              hidden_at=now if rng.random() < 0.1 else None))
    session.flush()
    from_sql = tag_scores.tag_scores(session, scope, {root.id}, None, now)
    labels = dict(session.execute(select(TopicConcept.id, TopicConcept.label)).all())
    tags = session.scalars(select(PersonTag).where(PersonTag.concept_id.in_(scope), PersonTag.hidden_at.is_(None),
                                                   PersonTag.superseded_at.is_(None))).all()
    expected: dict[int, list[ranking.TagFact]] = {}
    for tag in tags:
        expected.setdefault(tag.person_id, []).append(ranking.TagFact(
            tag.tagger_id, tag.is_self, tag.level, tag.confirmed_at, labels[tag.concept_id],
            tag.concept_id != root.id, bool(tag.note or tag.evidence_page_id)))
    assert set(from_sql) == set(expected) and len(expected) == 6
    for pid, facts in expected.items():
        assert ranking.combine(*from_sql[pid], []) == pytest.approx(ranking.score(facts, [], now), abs=2e-3)
