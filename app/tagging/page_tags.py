"""Readers tag pages with topics; a page's topics are its Topic annotations plus readers' tags.

Tags point at a topic row; when the scheme's gardeners merge a topic into another, reads follow
`merged_into_id` (merging repoints every chain to the final topic), so tags carry over without being
rewritten and a reader who had tagged both topics counts once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib.namespace import DCTERMS
from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from app import changelog
from app.auth.models import User
from app.auth.rights import organisation_wide
from app.pages.access import readable_pages
from app.pages.models import Page
from app.pages.service import PageAccess
from app.topics import service as topics
from app.topics.models import TopicConcept, TopicStatus
from app.quality.models import PageMaturity
from app.annotations.models import PageAnnotation
from app.tagging.exceptions import PageTagNotFound
from app.tagging.models import PageTag

SUBJECT = str(DCTERMS.subject)


def effective_topic_id(concept: type[TopicConcept] | object = TopicConcept):
    """The topic a tag counts for: the topic itself, or the one it was merged into."""
    return func.coalesce(concept.merged_into_id, concept.id)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PageTopic:
    topic: TopicConcept
    annotated: bool     # the page's text or structured annotations name it (Topic::...)
    readers: int        # distinct readers who tagged the page with it
    mine: bool          # the caller is one of them


def private_tag(access: PageAccess) -> bool:
    """Whether a tag on this page is not for everyone to see: a new topic from it stays its proposer's."""
    return not organisation_wide(access.space)


def proposed_topic(session: Session, user: User, access: PageAccess, topic_id: int | None,
                   text: str | None) -> TopicConcept:
    """The topic a tag of this page names, or a new candidate (private to the caller on a private page)."""
    return topics.named_or_proposed(session, user, topic_id, text, private=private_tag(access))


def tag_page(session: Session, user: User, access: PageAccess, topic: TopicConcept) -> bool:
    """Tag the page with the topic for the caller; False when they had already tagged it so."""
    page = access.page
    if not private_tag(access):
        topics.used_openly(topic)  # a private candidate used where everyone may read becomes an ordinary one
    mine = _my_tags(session, page.id, user.id, topic.id)
    if mine:
        return False
    try:
        with session.begin_nested():
            session.add(PageTag(page_id=page.id, tagger_id=user.id, concept_id=topic.id))
    except IntegrityError:  # the same reader's other request got there first
        return False
    changelog.record(session, "page.tagged", actor_id=user.id, space_id=page.space_id, page_id=page.id,
                     summary=f"Tagged with {topic.label}", topic_id=topic.id, topic=topic.label)
    return True


def untag_page(session: Session, user: User, access: PageAccess, topic: TopicConcept) -> None:
    """Remove the caller's tag of the page with the topic (also one made on a topic since merged into it)."""
    page = access.page
    ids = _my_tags(session, page.id, user.id, topic.id)
    if not ids:
        raise PageTagNotFound(f"You have not tagged this page with '{topic.label}'.")
    session.execute(delete(PageTag).where(PageTag.id.in_(ids)))
    changelog.record(session, "page.untagged", actor_id=user.id, space_id=page.space_id, page_id=page.id,
                     summary=f"Removed tag {topic.label}", topic_id=topic.id, topic=topic.label)


def _my_tags(session: Session, page_id: int, user_id: int, topic_id: int) -> list[int]:
    return list(session.scalars(
        select(PageTag.id).join(TopicConcept, TopicConcept.id == PageTag.concept_id)
        .where(PageTag.page_id == page_id, PageTag.tagger_id == user_id, effective_topic_id() == topic_id)))


def annotated_topic_ids(session: Session, revision_ids: Iterable[int]) -> dict[int, set[int]]:
    """Per revision: the topics its Topic annotations name (followed through merges)."""
    found: dict[int, set[int]] = {}
    rows = session.execute(
        select(PageAnnotation.revision_id, effective_topic_id())
        .join(TopicConcept, TopicConcept.iri == PageAnnotation.value_iri)
        .where(PageAnnotation.revision_id.in_(list(revision_ids)), PageAnnotation.property_iri == SUBJECT))
    for revision_id, topic_id in rows:
        found.setdefault(revision_id, set()).add(topic_id)
    return found


def tag_counts(session: Session, page_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """Per page: topic -> how many distinct readers tagged it so."""
    counts: dict[int, dict[int, int]] = {}
    rows = session.execute(
        select(PageTag.page_id, effective_topic_id(), func.count(func.distinct(PageTag.tagger_id)))
        .join(TopicConcept, TopicConcept.id == PageTag.concept_id)
        .where(PageTag.page_id.in_(list(page_ids))).group_by(PageTag.page_id, effective_topic_id()))
    for page_id, topic_id, readers in rows:
        counts.setdefault(page_id, {})[topic_id] = readers
    return counts


def page_topic_ids(session: Session, pages: Iterable[Page]) -> dict[int, set[int]]:
    """Per page: every topic it is about (annotations of its current revision, and readers' tags)."""
    pages = list(pages)
    annotated = annotated_topic_ids(session, [p.current_revision_id for p in pages if p.current_revision_id])
    tagged = tag_counts(session, [p.id for p in pages])
    return {page.id: annotated.get(page.current_revision_id, set()) | set(tagged.get(page.id, {})) for page in pages}


def page_topics(session: Session, user: User, page: Page) -> list[PageTopic]:
    """The page's topics with reader counts, most tagged first (the caller may read the page)."""
    annotated = annotated_topic_ids(session, [page.current_revision_id]).get(page.current_revision_id, set())
    counts = tag_counts(session, [page.id]).get(page.id, {})
    mine = set(session.scalars(
        select(effective_topic_id()).select_from(PageTag).join(TopicConcept, TopicConcept.id == PageTag.concept_id)
        .where(PageTag.page_id == page.id, PageTag.tagger_id == user.id)))
    ids = annotated | set(counts)
    by_id = {t.id: t for t in session.scalars(select(TopicConcept).where(TopicConcept.id.in_(ids)))}
    found = [PageTopic(by_id[i], i in annotated, counts.get(i, 0), i in mine) for i in ids]
    return sorted(found, key=lambda t: (-t.readers, not t.annotated, t.topic.label.casefold()))


def pages_on_topic(user: User, topic_ids: set[int]) -> Select:
    """Live pages the caller may read that are about any of these topics (by annotation or tag)."""
    tagged = (select(PageTag.page_id).join(TopicConcept, TopicConcept.id == PageTag.concept_id)
              .where(effective_topic_id().in_(topic_ids)))
    concept = aliased(TopicConcept)
    annotated = (select(PageAnnotation.revision_id).join(concept, concept.iri == PageAnnotation.value_iri)
                 .where(PageAnnotation.property_iri == SUBJECT, effective_topic_id(concept).in_(topic_ids)))
    return (readable_pages(user, Page, PageMaturity.score, PageMaturity.phase)
            .outerjoin(PageMaturity, PageMaturity.page_id == Page.id)
            .where(or_(Page.id.in_(tagged), Page.current_revision_id.in_(annotated))))


def merged_sources(session: Session, topic_ids: set[int]) -> set[int]:
    """The topics merged into these (whose old tags now count for them)."""
    return set(session.scalars(select(TopicConcept.id).where(
        and_(TopicConcept.merged_into_id.in_(topic_ids), TopicConcept.status == TopicStatus.merged))))
