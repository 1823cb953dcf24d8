"""People's tags as uses of the topic scheme: counted in topic lists, moved when topics merge.

Registered with app.topics at start-up (app.observers), so the scheme below people never imports them.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.people.models import Person, PersonTag
from app.topics import service as topics
from app.topics.models import TopicConcept


def counts() -> Select[tuple[int, int]]:
    """(topic id, current tags) leaving out hidden tags and hidden profiles (they appear in no answer)."""
    return (select(PersonTag.concept_id.label("concept_id"), func.count().label("uses"))
            .join(Person, Person.id == PersonTag.person_id)
            .where(PersonTag.superseded_at.is_(None), PersonTag.hidden_at.is_(None), Person.hidden_at.is_(None))
            .group_by(PersonTag.concept_id))


def move(session: Session, source: TopicConcept, target: TopicConcept) -> int:
    """Repoint every tag row (history too); where a tagger tagged the person with both topics, the
    more recently confirmed tag stays current and the other becomes history."""
    now = utcnow()
    current_target = {(t.person_id, t.tagger_id): t for t in session.scalars(
        select(PersonTag).where(PersonTag.concept_id == target.id, PersonTag.superseded_at.is_(None)))}
    for tag in session.scalars(select(PersonTag).where(PersonTag.concept_id == source.id,
                                                       PersonTag.superseded_at.is_(None))):
        other = current_target.get((tag.person_id, tag.tagger_id))
        if other is not None:
            older = tag if tag.confirmed_at < other.confirmed_at else other
            older.superseded_at = now
    session.flush()
    moved = session.execute(update(PersonTag).where(PersonTag.concept_id == source.id)
                            .values(concept_id=target.id))
    return moved.rowcount or 0


def register() -> None:
    topics.register_uses(topics.TopicUses(counts=counts, move=move))
