"""The rights rule's page statements: the pages a caller may read, and "every live page" by its own name.

The rule itself (who may read which space) is app/auth/rights.py; these build on it for the Page table,
one layer up, so that auth never imports pages. Every query on pages starts here (the rights lint).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select

from app.auth.models import Space, User
from app.auth.rights import caller, readable_space_filter
from app.pages.models import Page


def readable_pages(user: User, *columns: Any, with_deleted: bool = False) -> Select[Any]:
    """SELECT the live pages the caller may read (`Page`, or these columns), joined to their `Space`.

    Add joins and conditions to it; `with_deleted` keeps deleted pages of readable spaces (follows and
    ratings outlive a deletion, so that a restore brings them back).
    """
    query = select(*(columns or (Page,))).join(Space, Space.id == Page.space_id)
    conditions = [readable_space_filter(caller(user), Space.id)]
    if not with_deleted:
        conditions.insert(0, Page.deleted_at.is_(None))
    return query.where(*conditions)


def readable_page_filter(user: User, page_id: ColumnElement[Any] | Any, *, with_deleted: bool = False
                         ) -> ColumnElement[bool]:
    """A WHERE clause keeping the rows of a page-scoped table (`Model.page_id`) whose page the caller may read."""
    return page_id.in_(readable_pages(user, Page.id, with_deleted=with_deleted))


def all_live_pages(*columns: Any) -> Select[Any]:
    """SELECT every live page, whoever may read it: only for the derived stores (search index, SPARQL
    store, dump builder), which keep every page and apply the rule when they answer."""
    return select(*(columns or (Page,))).where(Page.deleted_at.is_(None))


def live_page_filter(page_id: ColumnElement[Any] | Any) -> ColumnElement[bool]:
    """A WHERE clause keeping the rows whose page is live, whoever may read it (the derived stores)."""
    return page_id.in_(all_live_pages(Page.id))
