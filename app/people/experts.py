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

from app.auth.models import User
from app.pages.access import readable_pages
from app.db import Database, utcnow
from app.pages.models import Page, Revision
from app.people import ranking, service, tag_scores
from app.topics import service as topics
from app.people.models import ExpertSearchGap, Person, PersonTag
from app.topics.models import TopicConcept
from app.quality.models import PageMaturity
from app.annotations.models import PageAnnotation

SUBJECT = "http://purl.org/dc/terms/subject"


@dataclass(frozen=True)
class Expert:
    person: Person
    ranked: ranking.Ranked
    topic_ids: tuple[int, ...]


@dataclass(frozen=True)
class Answer:
    """Everyone found, best first (`total`), explained for the requested slice (`experts`)."""

    query: str
    asked: list[TopicConcept]
    narrower_count: int
    total: int
    best_score: float
    experts: list[Expert]

    @property
    def outcome(self) -> str:
        if not self.total:
            return "unanswered"
        return "weak" if self.best_score < ranking.WEAK_BELOW else "answered"


def understand(session: Session, viewer: User, query: str) -> list[TopicConcept]:
    """The topics (that the viewer may see) a question is about: the one it names exactly, else those whose
    labels contain it."""
    exact = topics.resolve(session, query)
    if exact is not None and topics.may_see(viewer, exact):
        return [exact]
    return topics.matching(session, viewer, query) if len(topics.label_key(query)) >= 3 else []


def find(session: Session, viewer: User, query: str, kind: str | None = None, offset: int = 0, limit: int = 20,
         now: datetime | None = None) -> Answer:
    """Everyone who knows about `query`, best first; the people in [offset, offset + limit) come with the
    reasons for their place. The database scores everyone's tags; only the shown people are explained."""
    now = now or utcnow()
    asked = understand(session, viewer, query)
    roots = {t.id for t in asked}
    scope = topics.with_narrower(session, roots)
    tag_points = tag_scores.tag_scores(session, scope, roots, kind, now)
    pages = _pages_by_author(session, viewer, topics.iris_of(session, scope), kind)
    page_facts = {person_id: [ranking.PageFact(title, score) for title, score, _ in written]
                  for person_id, written in pages.items()}
    scores = sorted(((ranking.combine(*tag_points.get(pid, (0.0, 0.0)), page_facts.get(pid, [])), pid)
                     for pid in tag_points.keys() | page_facts.keys()), key=lambda item: (-item[0], item[1]))
    shown_ids = [pid for _, pid in scores[offset:offset + limit]]
    facts, matched = _tag_facts(session, scope, roots, shown_ids)
    for person_id in shown_ids:
        for _, _, topic_ids in pages.get(person_id, []):
            matched[person_id].update(topic_ids)
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(shown_ids)))}
    asked_label = " / ".join(t.label for t in asked[:3]) or query
    shown = [Expert(people[pid], ranking.rank(facts.get(pid, []), page_facts.get(pid, []), now, asked_label),
                    tuple(sorted(matched[pid]))) for pid in shown_ids]
    return Answer(query, asked, len(scope - roots), len(scores), scores[0][0] if scores else 0.0, shown)


def _tag_facts(session: Session, scope: set[int], roots: set[int],
               person_ids: list[int]) -> tuple[dict[int, list[ranking.TagFact]], dict[int, set[int]]]:
    """The shown people's current, visible tags on the topics, as facts for the explanation."""
    facts: dict[int, list[ranking.TagFact]] = defaultdict(list)
    matched: dict[int, set[int]] = defaultdict(set)
    if not scope or not person_ids:
        return facts, matched
    rows = session.execute(
        select(PersonTag.person_id, PersonTag.tagger_id, PersonTag.concept_id, PersonTag.is_self, PersonTag.level,
               PersonTag.confirmed_at, PersonTag.note != "", PersonTag.evidence_page_id, TopicConcept.label)
        .join(TopicConcept, TopicConcept.id == PersonTag.concept_id)
        .where(PersonTag.person_id.in_(person_ids), PersonTag.concept_id.in_(scope),
               PersonTag.superseded_at.is_(None), PersonTag.hidden_at.is_(None))).all()
    for person_id, tagger_id, concept_id, is_self, level, confirmed_at, has_note, page_id, label in rows:
        facts[person_id].append(ranking.TagFact(tagger_id, is_self, level, confirmed_at, label,
                                                concept_id not in roots, bool(has_note or page_id)))
        matched[person_id].add(concept_id)
    return facts, matched


def _pages_by_author(session: Session, viewer: User, iris: dict[str, int],
                     kind: str | None) -> dict[int, list[tuple[str, float | None, set[int]]]]:
    """Person id -> (title, maturity, topic ids) of live pages on the topics, readable by the viewer, whose
    current revision says so (dcterms:subject), for every listed person who wrote a revision of them.
    A page about several of the topics is one page."""
    if not iris or kind == "external":
        return {}
    rows = session.execute(
        readable_pages(viewer, Page.id, Page.title, PageMaturity.score, PageAnnotation.value_iri)
        .join(PageAnnotation, PageAnnotation.revision_id == Page.current_revision_id)
        .outerjoin(PageMaturity, PageMaturity.page_id == Page.id)
        .where(PageAnnotation.property_iri == SUBJECT, PageAnnotation.value_iri.in_(list(iris)))).all()
    if not rows:
        return {}
    on_page: dict[int, tuple[str, float | None, set[int]]] = {}
    for row in rows:
        on_page.setdefault(row.id, (row.title, row.score, set()))[2].add(iris[row.value_iri])
    writers = session.execute(select(Revision.page_id, Person.id).join(Person, Person.user_id == Revision.author_id)
                              .join(User, User.id == Person.user_id)
                              .where(Revision.page_id.in_(list(on_page)), service.listed_clause()).distinct()).all()
    found: dict[int, list[tuple[str, float | None, set[int]]]] = defaultdict(list)
    for page_id, person_id in writers:
        found[person_id].append(on_page[page_id])
    return found


def record_gap(database: Database, viewer_id: int, answer: Answer, kind: str | None) -> None:
    """Write down an unanswered or weakly answered question for the skills-gap reports, in its own
    short write transaction (the question itself is a read)."""
    if answer.outcome == "answered":
        return
    with database.transaction() as session:
        session.add(ExpertSearchGap(
            asked_by_id=viewer_id, query=answer.query[:200], concept_id=answer.asked[0].id if answer.asked else None,
            outcome=answer.outcome, result_count=answer.total, best_score=answer.best_score, kind_filter=kind,
            asked_at=utcnow()))
