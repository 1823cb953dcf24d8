"""Load-or-404 dependencies for page routes: each checks the rights rule once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from app.auth.dependencies import CurrentUser
from app.auth.rights import Right
from app.db import SessionDep
from app.pages import service
from app.pages.service import PageAccess

PageId = Annotated[int, Path(description="The page's id.", examples=[12])]


def readable_page(page_id: PageId, user: CurrentUser, session: SessionDep) -> PageAccess:
    """A live page the caller may read."""
    return service.get_access(session, user, page_id)


def readable_history(page_id: PageId, user: CurrentUser, session: SessionDep) -> PageAccess:
    """A page the caller may read, deleted or not (history survives a delete)."""
    return service.get_access(session, user, page_id, allow_deleted=True)


def editable_page(page_id: PageId, user: CurrentUser, session: SessionDep) -> PageAccess:
    """A live page in a space where the caller may edit."""
    return service.get_access(session, user, page_id, need=Right.edit)


def restorable_page(page_id: PageId, user: CurrentUser, session: SessionDep) -> PageAccess:
    """A deleted page in a space where the caller may edit."""
    return service.get_access(session, user, page_id, need=Right.edit, allow_deleted=True)


ReadablePage = Annotated[PageAccess, Depends(readable_page)]
ReadableHistory = Annotated[PageAccess, Depends(readable_history)]
EditablePage = Annotated[PageAccess, Depends(editable_page)]
RestorablePage = Annotated[PageAccess, Depends(restorable_page)]
