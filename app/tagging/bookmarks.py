"""Bookmarks: a page about one external LMI source, so it is versioned, tagged, rated and searched
like any page, plus the URL, its publisher and the result of the last reachability check."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth import space_service
from app.auth.models import Space, User
from app.auth.rights import Right
from app.pages.access import readable_pages
from app.pages import events as page_events
from app.pages import service as page_service
from app.pages.events import PageChanged
from app.pages.exceptions import SourceAlreadyBookmarked
from app.pages.models import Page
from app.tagging import page_tags
from app.tagging.exceptions import DuplicateBookmark
from app.tagging.models import Bookmark
from app.tagging.schemas import BookmarkCreate
from app.tagging.urls import check_url, url_key

CATEGORY = "Bookmark"


def create_bookmark(session: Session, user: User, body: BookmarkCreate) -> tuple[Page, Bookmark]:
    """Bookmark a source in a space where the caller may edit; a URL already there is a 409 naming it."""
    space, right = space_service.get_space(session, user, body.space_id, need=Right.edit)  # before revealing duplicates
    url = check_url(body.url)
    key = url_key(url)
    _refuse_duplicate(session, body.space_id, key)
    annotations = [("Source URL", url)] + ([("Published by", body.publisher.strip())] if body.publisher.strip() else [])
    page = page_service.create_page(
        session, user, body.space_id, body.title, body.note, [CATEGORY, *body.categories],
        body.summary or f"Bookmarked {url}", annotations)
    bookmark = Bookmark(page_id=page.id, space_id=body.space_id, url=url, url_key=key,
                        publisher=body.publisher.strip(), created_by_id=user.id)
    try:
        with session.begin_nested():
            session.add(bookmark)
    except IntegrityError:  # a colleague bookmarked it at the same moment (the request rolls back)
        _refuse_duplicate(session, body.space_id, key)
        raise
    access = page_service.PageAccess(page, space, right)
    for topic in body.topics:
        page_tags.tag_page(session, user, access, page_tags.proposed_topic(session, user, access, None, topic))
    return page, bookmark


def _refuse_duplicate(session: Session, space_id: int, key: str) -> None:
    existing = session.scalar(select(Bookmark).where(Bookmark.space_id == space_id, Bookmark.url_key == key))
    if existing is None:
        return
    page = session.get(Page, existing.page_id)
    deleted = " (deleted: restore it instead)" if page is not None and page.deleted_at is not None else ""
    raise DuplicateBookmark(
        f"This source is already bookmarked in this space as '{page.title if page else existing.url}'{deleted}; "
        f"open /api/pages/{existing.page_id} to rate, tag or update it.",
        headers={"Location": f"/api/pages/{existing.page_id}"}, existing_page_id=existing.page_id,
        existing_url=existing.url)


def bookmarks(session: Session, user: User, *, space_id: int | None, dead: bool | None, after: int | None,
              limit: int) -> list[tuple[Page, Bookmark]]:
    """Live bookmarks the caller may read, newest first (keyset on page id)."""
    query = readable_pages(user, Page, Bookmark).join(Bookmark, Bookmark.page_id == Page.id)
    if space_id is not None:
        query = query.where(Page.space_id == space_id)
    if dead is not None:
        query = query.where(Bookmark.dead.is_(dead))
    if after is not None:
        query = query.where(Page.id < after)
    return [(page, bookmark) for page, bookmark in session.execute(query.order_by(Page.id.desc()).limit(limit))]



def keep_one_url_per_space(session: Session, event: PageChanged) -> None:
    """A bookmark page moved to another space keeps the one-URL-per-space rule there (a page-write subscriber)."""
    if event.kind != page_events.MOVED or event.from_space_id in (None, event.space_id):
        return
    bookmark = session.get(Bookmark, event.page_id)
    if bookmark is None:
        return
    clash = session.scalar(select(Bookmark.page_id).where(Bookmark.space_id == event.space_id,
                                                          Bookmark.url_key == bookmark.url_key))
    if clash is not None:
        target = session.get(Space, event.space_id)
        raise SourceAlreadyBookmarked(f"'{target.key if target else event.space_id}' already bookmarks "
                                      f"{bookmark.url} (page {clash}); rate or tag that one instead of moving "
                                      "this one.", existing_page_id=clash)
    bookmark.space_id = event.space_id


def register() -> None:
    """At start-up: page moves check the bookmark rule in the same transaction."""
    page_events.subscribe("tagging.bookmark-url-per-space", keep_one_url_per_space)
