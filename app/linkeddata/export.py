"""Gathering pages' RDF facts from the database in batches (for negotiation, dumps and the store)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from app.annotations import service as annotation_service
from app.auth.models import Space, User
from app.pages import access
from app.linkeddata import rdf
from app.linkeddata.rdf import Iris, PageFacts, RevisionFacts
from app.negotiation import RDF_FORMATS
from app.pages.models import Page, PageCategory, Revision
from app.tagging.models import PageTag
from app.topics.models import TopicConcept

BATCH = 500


def page_facts(session: Session, pages: Sequence[Page]) -> list[PageFacts]:
    """Facts for several pages with a fixed number of queries."""
    if not pages:
        return []
    ids = [page.id for page in pages]
    revisions: dict[int, list[Revision]] = {}
    for revision in session.scalars(select(Revision).where(Revision.page_id.in_(ids)).order_by(Revision.number)):
        revisions.setdefault(revision.page_id, []).append(revision)
    currents = {page.id: next(r for r in revisions[page.id] if r.id == page.current_revision_id) for page in pages}
    annotations = annotation_service.of_revisions(session, [r.id for r in currents.values()])
    people_ids = {r.author_id for rs in revisions.values() for r in rs} | {p.created_by_id for p in pages}
    people = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(people_ids))).all())
    spaces = dict(session.execute(select(Space.id, Space.name).where(Space.id.in_({p.space_id for p in pages}))).all())
    titles = _page_titles(session, pages, annotations.values())
    tagged = _tagged_topics(session, ids)
    categories: dict[int, list[str]] = {}
    for page_id, name in session.execute(select(PageCategory.page_id, PageCategory.name)
                                         .where(PageCategory.page_id.in_(ids)).order_by(PageCategory.name)):
        categories.setdefault(page_id, []).append(name)
    return [
        PageFacts(
            id=page.id, title=page.title, space_id=page.space_id, space_name=spaces[page.space_id],
            created_at=page.created_at, updated_at=page.updated_at, created_by=page.created_by_id,
            categories=categories.get(page.id, []), annotations=annotations.get(page.current_revision_id, []),
            revisions=[_revision_facts(r) for r in revisions[page.id]], current_revision_id=page.current_revision_id,
            people={pid: people[pid] for pid in {r.author_id for r in revisions[page.id]} | {page.created_by_id}},
            page_titles=titles.get(page.space_id, {}), tagged_topics=tagged.get(page.id, []),
        )
        for page in pages
    ]


def _tagged_topics(session: Session, page_ids: list[int]) -> dict[int, list[str]]:
    """Per page: IRIs of the topics readers tagged it with (a merged topic's tags count for its target)."""
    target = aliased(TopicConcept)
    rows = session.execute(
        select(PageTag.page_id, func.coalesce(target.iri, TopicConcept.iri)).distinct()
        .join(TopicConcept, TopicConcept.id == PageTag.concept_id)
        .outerjoin(target, target.id == TopicConcept.merged_into_id)
        .where(PageTag.page_id.in_(page_ids)))
    found: dict[int, list[str]] = {}
    for page_id, iri in rows:
        found.setdefault(page_id, []).append(iri)
    return {page_id: sorted(iris) for page_id, iris in found.items()}


def _revision_facts(revision: Revision) -> RevisionFacts:
    return RevisionFacts(revision.id, revision.number, revision.parent_id, revision.author_id, revision.created_at,
                         revision.summary, revision.minor)


def _page_titles(session: Session, pages: Sequence[Page], annotation_lists) -> dict[int, dict[str, int]]:
    """For page-valued annotations: title key -> page id, per space."""
    wanted = {row.value_text.casefold() for rows in annotation_lists for row in rows if row.kind == "page"}
    if not wanted:
        return {}
    found: dict[int, dict[str, int]] = {}
    for space_id, key, page_id in session.execute(
        access.all_live_pages(Page.space_id, Page.title_key, Page.id).where(
            Page.title_key.in_(wanted), Page.space_id.in_({p.space_id for p in pages}))
    ):
        found.setdefault(space_id, {})[key] = page_id
    return found


def page_rdf(session: Session, iris: Iris, page: Page) -> list:
    """The triples of one page as it is now."""
    return rdf.page_triples(iris, page_facts(session, [page])[0])


def revision_rdf(session: Session, iris: Iris, page: Page, revision: Revision) -> list:
    """The triples of one revision: its PROV-O metadata and the annotations it carried."""
    annotations = annotation_service.of_revision(session, revision.id)
    triples = rdf.revision_triples(iris, page.id, _revision_facts(revision))
    return triples + rdf.annotation_triples(iris, iris.revision(revision.id), annotations, {})


def page_document(session: Session, base_iri: str, page: Page, revision: Revision | None, media: str) -> bytes:
    """A page (or one of its revisions) serialised as `media`: the RDF representation the page routes offer."""
    iris = Iris(base_iri)
    triples = page_rdf(session, iris, page) if revision is None else revision_rdf(session, iris, page, revision)
    return rdf.serialise(triples, RDF_FORMATS[media])


def readable_pages(session: Session, user: User) -> Iterator[list[Page]]:
    """The live pages the user may read, in batches (a dump)."""
    return _batches(session, access.readable_pages(user))


def all_live_pages(session: Session) -> Iterator[list[Page]]:
    """Every live page, in batches: for the SPARQL store and a whole backup dump, never for a caller."""
    return _batches(session, access.all_live_pages())


def _batches(session: Session, pages: Select[tuple[Page]]) -> Iterator[list[Page]]:
    query = pages.order_by(Page.id)
    last = 0
    while True:
        batch = list(session.scalars(query.where(Page.id > last).limit(BATCH)))
        if not batch:
            return
        yield batch
        last = batch[-1].id
