"""Recent changes: the change log, filtered by the rights rule (both where it happened and where the page is)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.rights import readable_space_filter
from app.changelog import Change
from app.pages.models import Page
from app.pages.presentation import authors
from app.pages.schemas import ChangeRead


def recent_changes(session: Session, user: User, *, space_id: int | None, include_minor: bool,
                   before_id: int | None, limit: int, page_id: int | None = None) -> list[ChangeRead]:
    """Page changes the caller may see, newest first."""
    query = (
        select(Change, Page.title)
        .join(Page, Page.id == Change.page_id)
        .where(Change.kind.startswith("page."), readable_space_filter(user, Change.space_id),
               readable_space_filter(user, Page.space_id))
        .order_by(Change.id.desc())
        .limit(limit)
    )
    if space_id is not None:
        query = query.where(Change.space_id == space_id)
    if page_id is not None:
        query = query.where(Change.page_id == page_id)
    if before_id is not None:
        query = query.where(Change.id < before_id)
    if not include_minor:
        query = query.where(Change.minor.is_(False))
    rows = session.execute(query).all()
    people = authors(session, (change.actor_id for change, _ in rows if change.actor_id))
    return [
        ChangeRead(id=change.id, at=change.at, kind=change.kind, summary=change.summary, page_id=change.page_id,
                   page_title=title, space_id=change.space_id, revision_id=change.revision_id,
                   actor=people.get(change.actor_id), minor=change.minor,
                   details=change.details)
        for change, title in rows
    ]

