"""How expert colleagues think someone is in some topics: a number other packages can weight by.

For example the quality package may weight a rating of a page about apprenticeships by the rater's
`expertise_in(session, rater_id, page_topic_iris)`. Import it by module:
`from app.people import expertise` then `expertise.expertise_in(...)`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.topics import service as topics
from app.people.models import Person, PersonTag
from app.topics.models import TopicConcept

UNLEVELLED = 3.0  # a colleague's tag without a level says "knows about it": the middle of the scale


def expertise_in(session: Session, user_id: int, concept_iris: Iterable[str]) -> float:
    """The mean level (1-5) colleagues tagged the user with in these topics or narrower ones; 0.0 if none.

    Only colleagues' current tags count: not self-tags, not tags the user hid, and not merged-away
    IRIs' old names (they redirect to their topic). Tags without a level count as 3. Age does not
    fade it (expert search does that); it is a property of the person, not of a question.
    """
    return expertise_of(session, [user_id], concept_iris).get(user_id, 0.0)


def expertise_of(session: Session, user_ids: Iterable[int], concept_iris: Iterable[str]) -> dict[int, float]:
    """`expertise_in` for several users at once, in three queries (e.g. every rater of a page)."""
    ids = set(user_ids)
    topic_ids = _topic_ids(session, concept_iris)
    if not topic_ids or not ids:
        return dict.fromkeys(ids, 0.0)
    levels: dict[int, list[float]] = {}
    for user_id, level in session.execute(
            select(Person.user_id, PersonTag.level).join(Person, Person.id == PersonTag.person_id)
            .where(Person.user_id.in_(ids), PersonTag.concept_id.in_(topics.with_narrower(session, topic_ids)),
                   PersonTag.is_self.is_(False), PersonTag.superseded_at.is_(None), PersonTag.hidden_at.is_(None))):
        levels.setdefault(user_id, []).append(UNLEVELLED if level is None else float(level))
    return {user_id: round(sum(levels[user_id]) / len(levels[user_id]), 3) if user_id in levels else 0.0
            for user_id in ids}


def _topic_ids(session: Session, concept_iris: Iterable[str]) -> set[int]:
    iris = set(concept_iris)
    if not iris:
        return set()
    return {topics.follow(session, topic).id
            for topic in session.scalars(select(TopicConcept).where(TopicConcept.iri.in_(iris)))}


def expertise_share(session: Session, user_id: int, concept_iris: Iterable[str]) -> float:
    """`expertise_in` on the 0-1 scale the maturity model's `RatingInput.expertise` takes (level / 5)."""
    return round(min(1.0, expertise_in(session, user_id, concept_iris) / 5), 3)


def expertise_shares(session: Session, user_ids: Iterable[int], concept_iris: Iterable[str]) -> dict[int, float]:
    """`expertise_share` for several users at once (every rater of a page in three queries)."""
    return {user_id: round(min(1.0, level / 5), 3)
            for user_id, level in expertise_of(session, user_ids, concept_iris).items()}
