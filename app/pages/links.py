"""Derived link and category tables, link resolution, backlinks and wanted pages."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, delete, exists, insert, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.pages.access import readable_pages
from app.pages.models import Page, PageAlias, PageCategory, PageLink, Revision
from app.pages.wikitext import extract


def effective_categories(revision: Revision) -> list[str]:
    """Explicit categories plus `[[Category:...]]` in the text, in order, without duplicates."""
    return list(dict.fromkeys([*revision.categories, *extract(revision.content).categories]))


def refresh(session: Session, page: Page, revision: Revision) -> set[str]:
    """Rebuild the page's category and link rows from its (new) current revision.

    Returns the title keys that gained or lost this page's link (their backlinks changed)."""
    before = set(link_keys(session, page.id))
    found = extract(revision.content).links
    session.execute(delete(PageCategory).where(PageCategory.page_id == page.id))
    session.execute(delete(PageLink).where(PageLink.page_id == page.id))
    categories = [{"page_id": page.id, "name": name} for name in effective_categories(revision)]
    if categories:  # bulk INSERTs: a big page has thousands of rows
        session.execute(insert(PageCategory), categories)
    if found:
        session.execute(insert(PageLink), [{"page_id": page.id, "target_key": link.key, "target_title": link.title}
                                           for link in found])
    return before ^ {link.key for link in found}


def link_keys(session: Session, page_id: int) -> list[str]:
    return list(session.scalars(select(PageLink.target_key).where(PageLink.page_id == page_id)))


def resolve(session: Session, space_id: int, keys: Iterable[str]) -> dict[str, int]:
    """Map title keys in a space to live page ids, following old titles of moved pages."""
    keys = list(set(keys))
    if not keys:
        return {}
    found = dict(session.execute(
        select(Page.title_key, Page.id)
        .where(Page.space_id == space_id, Page.title_key.in_(keys), Page.deleted_at.is_(None))
    ).all())
    rest = [key for key in keys if key not in found]
    if rest:
        found.update(session.execute(
            select(PageAlias.title_key, PageAlias.page_id)
            .join(Page, Page.id == PageAlias.page_id)
            .where(PageAlias.space_id == space_id, PageAlias.title_key.in_(rest), Page.deleted_at.is_(None))
        ).all())
    return found


def backlinks(session: Session, user: User, page: Page, offset: int = 0, limit: int | None = None) -> list[Page]:
    """Readable live pages that link to this page by its title or an old title (from `offset`, at most `limit`)."""
    by_title = and_(Page.space_id == page.space_id, PageLink.target_key == page.title_key)
    by_old_title = exists().where(
        PageAlias.page_id == page.id, PageAlias.space_id == Page.space_id, PageAlias.title_key == PageLink.target_key
    )
    return list(session.scalars(
        readable_pages(user)
        .join(PageLink, PageLink.page_id == Page.id)
        .where(by_title | by_old_title, Page.id != page.id)
        .order_by(Page.title_key, Page.id)
        .distinct()
        .offset(offset).limit(limit)
    ))


def wanted_pages(session: Session, space_id: int) -> dict[str, list[Page]]:
    """Titles that live pages in the space link to but that do not exist: title -> linking pages."""
    rows = session.execute(
        select(PageLink.target_title, PageLink.target_key, Page)
        .join(Page, Page.id == PageLink.page_id)
        .where(Page.space_id == space_id, Page.deleted_at.is_(None))
        .order_by(PageLink.target_key, Page.title_key)
    ).all()
    existing = resolve(session, space_id, [row.target_key for row in rows])
    wanted: dict[str, list[Page]] = {}
    for target_title, target_key, source in rows:
        if target_key not in existing:
            wanted.setdefault(target_title, []).append(source)
    return wanted
