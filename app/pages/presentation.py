"""Turning pages and revisions into API answers: rendering, link status, authors."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from urllib.parse import quote

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.pages import links
from app.pages.diff import hunks, line_stats, unified_diff
from app.pages.limits import PageLimits
from app.pages.models import Page, PageCategory, Revision
from app.pages.schemas import (
    AnnotationProblem, AnnotationRead, AuthorRead, DiffRead, HunkRead, LinkRead, PageListItem, PageRead, PreviewRead,
    RevisionRead, RevisionSummary,
)
from app.pages.service import current_revision, etag
from app.pages.wikitext import extract, render_html
from app.annotations import service as annotation_service
from app.annotations.values import Annotation
from app.annotations.exceptions import InvalidAnnotations
from app.annotations.ontology import get_ontology


def authors(session: Session, user_ids: Iterable[int]) -> dict[int, AuthorRead]:
    """Authors by id in one query."""
    ids = set(user_ids)
    if not ids:
        return {}
    return {user.id: AuthorRead.model_validate(user) for user in session.scalars(select(User).where(User.id.in_(ids)))}


def page_href(space_id: int, title: str) -> str:
    return f"/api/spaces/{space_id}/pages/{quote(title, safe='')}"


def render(session: Session, space_id: int, content: str) -> tuple[str, list[LinkRead]]:
    """Sanitised HTML and the status of each wiki link (existing pages resolved through old titles)."""
    found = extract(content).links
    existing = links.resolve(session, space_id, [link.key for link in found])
    html = _html(space_id, content, frozenset(existing))
    return html, [LinkRead(title=link.title, exists=link.key in existing, page_id=existing.get(link.key))
                  for link in found]


@lru_cache(maxsize=512)
def _html(space_id: int, content: str, existing_keys: frozenset[str]) -> str:
    """Rendered HTML depends only on the text, the space and which linked titles exist."""
    return render_html(content, exists=existing_keys.__contains__, href=lambda title: page_href(space_id, title))


def revision_summary(revision: Revision, author: AuthorRead) -> RevisionSummary:
    return RevisionSummary(
        id=revision.id, number=revision.number, parent_id=revision.parent_id, title=revision.title,
        summary=revision.summary, minor=revision.minor, kind=revision.kind,
        reverted_to_id=revision.reverted_to_id, size=revision.size, author=author,
        created_at=revision.created_at, imported_author=revision.imported_author,
    )


def revision_summaries(session: Session, revisions: list[Revision]) -> list[RevisionSummary]:
    by_id = authors(session, (r.author_id for r in revisions))
    return [revision_summary(r, by_id[r.author_id]) for r in revisions]


def annotation_reads(rows: Sequence[Row]) -> list[AnnotationRead]:
    """Typed annotations with their property's label from the ontology.

    Built without validation: the rows were typed when saved, and validating thousands of them
    was most of a big page's read (bench/big_save.py)."""
    labels = {str(iri): spec.label for iri, spec in get_ontology().properties.items()}
    return [
        AnnotationRead.model_construct(
            property=labels.get(row.property_iri, row.property_iri), property_iri=row.property_iri,
            value=row.value_text, raw=row.raw_value, kind=row.kind, iri=row.value_iri, unit=row.unit,
            origin=row.origin,
        )
        for row in rows
    ]


def typed_annotation_read(annotation: Annotation) -> AnnotationRead:
    return AnnotationRead(
        property=annotation.property.label, property_iri=str(annotation.property.iri), value=annotation.value.text,
        raw=annotation.raw, kind=annotation.value.kind.value, iri=annotation.value.iri, unit=annotation.value.unit,
        origin=annotation.origin,
    )


def preview(session: Session, space_id: int, content: str, categories: list[str],
            structured: list[tuple[str, str]], limits: PageLimits = PageLimits()) -> PreviewRead:
    """What saving this text would show, and which annotations it would refuse, saving nothing.

    Each annotation is typed on its own, so one mistake does not hide the others' facts. A page over
    the limits is refused as its save would be (413, 422)."""
    limits.check_text(content)
    limits.check_facts(len(extract(content).annotations) + len(structured))
    html, link_status = render(session, space_id, content)
    inline = [("content", [(a.property, a.value)], []) for a in extract(content).annotations]
    given = [(f"annotations[{n}]", [], [pair]) for n, pair in enumerate(structured)]
    typed: list[AnnotationRead] = []
    problems: list[AnnotationProblem] = []
    for where, text_pairs, structured_pairs in [*inline, *given]:
        try:
            typed.extend(typed_annotation_read(a) for a in annotation_service.type_all(text_pairs, structured_pairs))
        except InvalidAnnotations as error:
            problems.extend(AnnotationProblem.model_validate({**e, "field": where}) for e in error.extra["errors"])
    return PreviewRead(html=html, links=link_status, categories=list(dict.fromkeys([*categories,
                       *extract(content).categories])), annotations=typed, problems=problems)


def page_read(session: Session, page: Page, redirected_from: str | None = None) -> PageRead:
    revision = current_revision(session, page)
    html, link_status = render(session, page.space_id, revision.content)
    return PageRead(
        id=page.id, space_id=page.space_id, title=page.title, content=revision.content, html=html,
        categories=links.effective_categories(revision), links=link_status,
        annotations=annotation_reads(annotation_service.of_revision(session, revision.id)),
        revision=revision_summaries(session, [revision])[0], etag=etag(revision),
        created_at=page.created_at, updated_at=page.updated_at, deleted=page.deleted_at is not None,
        redirected_from=redirected_from,
    )


def revision_read(session: Session, page: Page, revision: Revision) -> RevisionRead:
    html, _ = render(session, page.space_id, revision.content)
    summary = revision_summaries(session, [revision])[0]
    return RevisionRead(**summary.model_dump(), page_id=page.id, content=revision.content,
                        categories=list(revision.categories), html=html,
                        annotations=annotation_reads(annotation_service.of_revision(session, revision.id)))


def page_list_items(session: Session, pages: list[Page]) -> list[PageListItem]:
    """List rows with each page's categories and last editor, in three queries."""
    ids = [page.id for page in pages]
    revisions = {r.id: r for r in session.scalars(select(Revision).where(
        Revision.id.in_([page.current_revision_id for page in pages])))}
    categories: dict[int, list[str]] = {}
    for page_id, name in session.execute(select(PageCategory.page_id, PageCategory.name)
                                         .where(PageCategory.page_id.in_(ids))).all():
        categories.setdefault(page_id, []).append(name)
    by_id = authors(session, (r.author_id for r in revisions.values()))
    return [
        PageListItem(id=page.id, space_id=page.space_id, title=page.title,
                     categories=sorted(categories.get(page.id, [])), revision_id=page.current_revision_id,
                     updated_at=page.updated_at,
                     updated_by=by_id[revisions[page.current_revision_id].author_id])
        for page in pages
    ]


def diff_read(session: Session, page: Page, old: Revision, new: Revision) -> DiffRead:
    summaries = revision_summaries(session, [old, new])
    added, removed = line_stats(old.content, new.content)
    return DiffRead(
        page_id=page.id, from_revision=summaries[0], to_revision=summaries[1],
        unified=unified_diff(old.content, new.content, f"revision {old.number}", f"revision {new.number}"),
        hunks=[HunkRead.model_validate(h, from_attributes=True) for h in hunks(old.content, new.content)],
        added_lines=added, removed_lines=removed, title_changed=old.title != new.title,
        categories_added=[c for c in new.categories if c not in old.categories],
        categories_removed=[c for c in old.categories if c not in new.categories],
    )
