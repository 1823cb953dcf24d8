""""Who knows about X": the question understood as topics, the facts gathered, people ranked.

X is an IRI, a label or synonym (one topic), or other free text (every topic whose label or
synonym contains it). Narrower topics are searched too. Only visible profiles and tags count, and
only pages the asker may read are evidence, so an answer never reveals what the asker may not see.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Space, User
from app.auth.rights import readable_space_clause
from app.db import Database, utcnow
from app.pages.models import Page, Revision
from app.people import ranking, service, topics
from app.people.models import ExpertSearchGap, Person, PersonTag, TopicConcept
from app.quality.models import PageMaturity
from app.semantics.models import PageAnnotation

SUBJECT = "http://purl.org/dc/terms/subject"


@dataclass(frozen=True)
class Expert:
    person: Person
    ranked: ranking.Ranked
    topic_ids: tuple[int, ...]


@dataclass(frozen=True)
class Answer:
    query: str
    asked: list[TopicConcept]
    narrower_count: int
    experts: list[Expert]

    @property
    def outcome(self) -> str:
        if not self.experts:
            return "unanswered"
        return "weak" if self.experts[0].ranked.score < ranking.WEAK_BELOW else "answered"


def understand(session: Session, query: str) -> list[TopicConcept]:
    """The topics a question is about: the one it names exactly, else those whose labels contain it."""
    exact = topics.resolve(session, query)
    if exact is not None:
        return [exact]
    return topics.matching(session, query) if len(topics.label_key(query)) >= 3 else []


def find(session: Session, viewer: User, query: str, kind: str | None = None,
         now: datetime | None = None) -> Answer:
    """Everyone who knows about `query`, best first, each with the reasons for their place."""
    now = now or utcnow()
    asked = understand(session, query)
    roots = {t.id for t in asked}
    scope = topics.with_narrower(session, roots)
    labels = dict(session.execute(select(TopicConcept.id, TopicConcept.label)
                                  .where(TopicConcept.id.in_(scope))).all())
    tags = _tags(session, scope, kind)
    pages = _pages_by_author(session, viewer, topics.iris_of(session, scope)) if kind != "external" else {}
    people = _people(session, {person_id for person_id, _ in tags} | set(pages), kind)
    facts: dict[int, list[ranking.TagFact]] = defaultdict(list)
    matched: dict[int, set[int]] = defaultdict(set)
    for person_id, tag in tags:
        facts[person_id].append(ranking.TagFact(
            tagger_id=tag.tagger_id, is_self=tag.is_self, level=tag.level, confirmed_at=tag.confirmed_at,
            topic_label=labels[tag.concept_id], narrower=tag.concept_id not in roots,
            has_evidence=bool(tag.note or tag.evidence_page_id)))
        matched[person_id].add(tag.concept_id)
    asked_label = " / ".join(t.label for t in asked[:3]) or query
    experts = []
    for person_id, person in people.items():
        page_facts = [ranking.PageFact(title, score) for title, score, _ in pages.get(person_id, [])]
        for _, _, topic_id in pages.get(person_id, []):
            matched[person_id].add(topic_id)
        ranked = ranking.rank(facts.get(person_id, []), page_facts, now, asked_label)
        experts.append(Expert(person, ranked, tuple(sorted(matched[person_id]))))
    experts.sort(key=lambda e: (-e.ranked.score, e.person.id))
    return Answer(query, asked, len(scope - roots), experts)


def _tags(session: Session, scope: set[int], kind: str | None) -> list[tuple[int, PersonTag]]:
    """Current, visible tags on the topics, of people the directory shows."""
    if not scope:
        return []
    statement = (select(PersonTag.person_id, PersonTag)
                 .join(Person, Person.id == PersonTag.person_id).outerjoin(User, User.id == Person.user_id)
                 .where(PersonTag.concept_id.in_(scope), PersonTag.superseded_at.is_(None),
                        PersonTag.hidden_at.is_(None), service.listed_clause()))
    statement = _kind(statement, kind)
    return [(person_id, tag) for person_id, tag in session.execute(statement).all()]


def _kind(statement, kind: str | None):
    if kind == "internal":
        return statement.where(Person.user_id.is_not(None))
    if kind == "external":
        return statement.where(Person.user_id.is_(None))
    return statement


def _pages_by_author(session: Session, viewer: User, iris: dict[str, int]) -> dict[int, list[tuple[str, float | None, int]]]:
    """Person id -> (title, maturity, topic id) of live pages on the topics, readable by the viewer,
    whose current revision says so (dcterms:subject), for everyone who wrote a revision of them."""
    if not iris:
        return {}
    rows = session.execute(
        select(Page.id, Page.title, PageMaturity.score, PageAnnotation.value_iri)
        .join(PageAnnotation, PageAnnotation.revision_id == Page.current_revision_id)
        .join(Space, Space.id == Page.space_id)
        .outerjoin(PageMaturity, PageMaturity.page_id == Page.id)
        .where(PageAnnotation.property_iri == SUBJECT, PageAnnotation.value_iri.in_(list(iris)),
               Page.deleted_at.is_(None), readable_space_clause(viewer))).all()
    if not rows:
        return {}
    on_page = {row.id: (row.title, row.score, iris[row.value_iri]) for row in rows}
    writers = session.execute(select(Revision.page_id, Person.id).join(Person, Person.user_id == Revision.author_id)
                              .where(Revision.page_id.in_(list(on_page))).distinct()).all()
    found: dict[int, list[tuple[str, float | None, int]]] = defaultdict(list)
    for page_id, person_id in writers:
        found[person_id].append(on_page[page_id])
    return found


def _people(session: Session, ids: set[int], kind: str | None) -> dict[int, Person]:
    if not ids:
        return {}
    statement = (select(Person).outerjoin(User, User.id == Person.user_id)
                 .where(Person.id.in_(ids), service.listed_clause()))
    return {p.id: p for p in session.scalars(_kind(statement, kind))}


def record_gap(database: Database, viewer_id: int, answer: Answer, kind: str | None) -> None:
    """Write down an unanswered or weakly answered question for the skills-gap reports, in its own
    short write transaction (the question itself is a read)."""
    if answer.outcome == "answered":
        return
    with database.transaction() as session:
        session.add(ExpertSearchGap(
            asked_by_id=viewer_id, query=answer.query[:200], concept_id=answer.asked[0].id if answer.asked else None,
            outcome=answer.outcome, result_count=len(answer.experts),
            best_score=answer.experts[0].ranked.score if answer.experts else 0.0, kind_filter=kind,
            asked_at=utcnow()))
