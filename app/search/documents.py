"""What the index holds for a page, read from the database (the source of truth) in batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rdflib.namespace import DCTERMS
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.pages import access
from app.pages.models import Page, Revision
from app.pages.wikitext import plain_text
from app.topics.models import TopicConcept
from app.quality.maturity import Phase
from app.quality.models import PageMaturity
from app.search.index import IndexDocument
from app.annotations import service as annotation_service
from app.annotations.ontology import ValueType, get_ontology
from app.tagging import page_tags

BATCH = 500
TOPIC_FACET = "topic"
FACETED_TYPES = {ValueType.concept, ValueType.text}  # short, repeated values; numbers and dates are not
MAX_FACET_VALUE = 120


@dataclass(frozen=True)
class Facet:
    key: str  # in URLs and the query box: `sector`, `region`, `subject` ...
    label: str
    property_iri: str


@lru_cache(maxsize=1)
def annotation_facets() -> dict[str, Facet]:
    """Facets offered for annotations, by property IRI: concept- and text-valued properties."""
    facets = {}
    for spec in get_ontology().properties.values():
        if spec.value_type in FACETED_TYPES and spec.iri != DCTERMS.subject:  # topics: the `topic` facet
            key = spec.curie.partition(":")[2]
            facets[str(spec.iri)] = Facet(key, spec.label, str(spec.iri))
    return facets


def documents_for(session: Session, page_ids: Sequence[int]) -> tuple[list[IndexDocument], set[int]]:
    """Index documents for the live pages among `page_ids`, and the ids to drop (deleted or gone)."""
    pages = list(session.scalars(
        access.all_live_pages().where(Page.id.in_(page_ids)).order_by(Page.id)))
    live = {page.id for page in pages}
    return build(session, pages), set(page_ids) - live


def all_documents(session: Session) -> Iterator[list[IndexDocument]]:
    """Every live page, a batch at a time (for a rebuild)."""
    last = 0
    while True:
        pages = list(session.scalars(
            access.all_live_pages().where(Page.id > last).order_by(Page.id).limit(BATCH)))
        if not pages:
            return
        yield build(session, pages)
        last = pages[-1].id
        session.expunge_all()  # a rebuild reads every page: keep memory flat


def build(session: Session, pages: Sequence[Page]) -> list[IndexDocument]:
    """Index documents for several pages with a fixed number of queries."""
    if not pages:
        return []
    revision_ids = [page.current_revision_id for page in pages if page.current_revision_id is not None]
    revisions = {revision.id: revision for revision in session.scalars(
        select(Revision).where(Revision.id.in_(revision_ids)))}
    annotations = annotation_service.of_revisions(session, revision_ids)
    maturity = dict(session.execute(select(PageMaturity.page_id, PageMaturity)
                                    .where(PageMaturity.page_id.in_([page.id for page in pages]))).all())
    facets = annotation_facets()
    topic_ids = page_tags.page_topic_ids(session, pages)
    labels = dict(session.execute(select(TopicConcept.id, TopicConcept.label).where(
        TopicConcept.id.in_({i for ids in topic_ids.values() for i in ids}))).all())
    documents = []
    for page in pages:
        revision = revisions[page.current_revision_id]  # type: ignore[index]
        rows = annotations.get(revision.id, [])
        values: dict[str, list[str]] = {}
        for row in rows:
            facet = facets.get(row.property_iri)
            if facet is not None and len(row.value_text) <= MAX_FACET_VALUE:
                values.setdefault(facet.key, [])
                if row.value_text not in values[facet.key]:
                    values[facet.key].append(row.value_text)
        if topic_ids.get(page.id):  # by id: renames need no re-indexing, merges are resolved when asked
            values[TOPIC_FACET] = [str(i) for i in sorted(topic_ids[page.id])]
        topic_words = " ".join(labels[i] for i in sorted(topic_ids.get(page.id, ())))
        scored = maturity.get(page.id)
        documents.append(IndexDocument(
            page_id=page.id, space_id=page.space_id, title=page.title, body=plain_text(revision.content),
            categories=tuple(revision.categories or ()),
            annotations={key: tuple(found) for key, found in values.items()},
            annotation_text=" ".join([*(row.value_text for row in rows), topic_words]),
            maturity=scored.score if scored else 0.0,
            phase=scored.phase if scored else Phase.expressing_ideas.value,
            modified=revision.created_at,
        ))
    return documents
