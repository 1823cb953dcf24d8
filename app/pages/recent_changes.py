"""Recent changes: the change log, filtered by the rights rule (both where it happened and where the page is)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, aliased

from app.auth.models import Space, User
from app.auth.rights import readable_space_clause
from app.changelog import Change
from app.pages.models import Page
from app.pages.presentation import authors
from app.pages.schemas import ChangeRead


def recent_changes(session: Session, user: User, *, space_id: int | None, include_minor: bool,
                   before_id: int | None, limit: int) -> list[ChangeRead]:
    """Page changes the caller may see, newest first."""
    happened_in = aliased(Space)
    page_space = aliased(Space)
    query = (
        select(Change, Page.title)
        .join(Page, Page.id == Change.page_id)
        .join(happened_in, happened_in.id == Change.space_id)
        .join(page_space, page_space.id == Page.space_id)
        .where(Change.kind.startswith("page."), _readable(user, happened_in), _readable(user, page_space))
        .order_by(Change.id.desc())
        .limit(limit)
    )
    if space_id is not None:
        query = query.where(Change.space_id == space_id)
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


def _readable(user: User, space: type[Space]) -> ColumnElement[bool]:
    """The rights rule applied to an aliased space."""
    return space.id.in_(select(Space.id).where(readable_space_clause(user)))
