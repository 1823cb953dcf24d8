"""A person's profile: their topics with colleagues' and their own tags, evidence, and the pages they
wrote on each topic with those pages' maturity (only pages the viewer may read). Hidden tags are left out."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.pages.access import readable_pages
from app.pages.models import Page, Revision
from app.pages.presentation import authors
from app.people import service
from app.topics import service as topics
from app.people.experts import SUBJECT
from app.people.models import Person, PersonTag
from app.topics.models import TopicConcept
from app.people.schemas import AuthoredPage, Evidence, PersonProfile, ProfileTopic
from app.quality.models import PageMaturity
from app.annotations.models import PageAnnotation
from app.tagging.models import PageTag


def profile(session: Session, viewer: User, person: Person) -> PersonProfile:
    tags = list(session.scalars(select(PersonTag).where(
        PersonTag.person_id == person.id, PersonTag.superseded_at.is_(None), PersonTag.hidden_at.is_(None))))
    by_topic: dict[int, list[PersonTag]] = defaultdict(list)
    for tag in tags:
        by_topic[tag.concept_id].append(tag)
    refs = service.topic_refs(session, by_topic)
    taggers = authors(session, (t.tagger_id for t in tags))
    evidence_pages = service.readable_pages(session, viewer, (t.evidence_page_id for t in tags if t.evidence_page_id))
    written = _written_pages(session, viewer, person, set(by_topic))
    entries = []
    for topic_id, topic_tags in by_topic.items():
        colleagues = [t for t in topic_tags if not t.is_self]
        own = next((t for t in topic_tags if t.is_self), None)
        entries.append(ProfileTopic(
            topic=refs[topic_id], colleague_count=len(colleagues),
            colleague_levels=sorted((t.level for t in colleagues if t.level), reverse=True),
            self_tagged=own is not None, self_level=own.level if own else None,
            evidence=[Evidence(tagger=taggers[t.tagger_id], by_self=t.is_self, note=t.note,
                               page=evidence_pages.get(t.evidence_page_id))
                      for t in sorted(topic_tags, key=lambda t: t.confirmed_at, reverse=True)
                      if t.note or t.evidence_page_id in evidence_pages],
            pages=written.get(topic_id, []),
            last_confirmed_at=max(t.confirmed_at for t in topic_tags)))
    entries.sort(key=lambda e: (-e.colleague_count, e.topic.label.casefold()))
    return PersonProfile(person=service.person_reads(session, viewer, [person])[0], topics=entries)


def _tagged_pages(session: Session, viewer: User, person: Person, topic_ids: set[int]) -> list:
    """Live pages the person wrote a revision of, that readers tagged with one of the topics (merged
    topics count for the topic they went into), and the viewer may read."""
    topic = func.coalesce(TopicConcept.merged_into_id, TopicConcept.id)
    return session.execute(
        readable_pages(viewer, Page.id, Page.title, Page.space_id, PageMaturity.score, PageMaturity.phase,
                       topic.label("topic_id"))
        .distinct().join(PageTag, PageTag.page_id == Page.id).join(TopicConcept, TopicConcept.id == PageTag.concept_id)
        .outerjoin(PageMaturity, PageMaturity.page_id == Page.id)
        .where(topic.in_(topic_ids),
               Page.id.in_(select(Revision.page_id).where(Revision.author_id == person.user_id)))).all()


def _written_pages(session: Session, viewer: User, person: Person, topic_ids: set[int]) -> dict[int, list[AuthoredPage]]:
    """Topic id -> live pages on it (dcterms:subject of the current revision) that the person wrote a
    revision of and the viewer may read, most mature first."""
    if person.user_id is None or not topic_ids:
        return {}
    iris = topics.iris_of(session, topic_ids)
    rows = session.execute(
        readable_pages(viewer, Page.id, Page.title, Page.space_id, PageMaturity.score, PageMaturity.phase,
                       PageAnnotation.value_iri)
        .join(PageAnnotation, PageAnnotation.revision_id == Page.current_revision_id)
        .outerjoin(PageMaturity, PageMaturity.page_id == Page.id)
        .where(PageAnnotation.property_iri == SUBJECT, PageAnnotation.value_iri.in_(list(iris)),
               Page.id.in_(select(Revision.page_id).where(Revision.author_id == person.user_id)))).all()
    found: dict[int, dict[int, AuthoredPage]] = defaultdict(dict)
    for row in rows:
        found[iris[row.value_iri]][row.id] = AuthoredPage(id=row.id, title=row.title, space_id=row.space_id,
                                                          maturity_score=row.score, phase=row.phase)
    for row in _tagged_pages(session, viewer, person, topic_ids):  # readers' tags say what a page is about too
        found[row.topic_id][row.id] = AuthoredPage(id=row.id, title=row.title, space_id=row.space_id,
                                                   maturity_score=row.score, phase=row.phase)
    return {topic_id: sorted(pages.values(), key=lambda p: -(p.maturity_score or 0))
            for topic_id, pages in found.items()}
