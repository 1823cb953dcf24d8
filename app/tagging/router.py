"""HTTP: readers' topic tags on pages, a topic's pages, and bookmarks of external sources."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy import func, select

from app.auth.dependencies import CurrentUser
from app.db import SessionDep
from app.errors import problem_responses
from app.pages.dependencies import ReadablePage
from app.pages.models import Page as PageRow
from app.pagination import CursorQuery, LimitQuery, Page, decode_cursor, page_of
from app.topics import service as topics
from app.topics.models import TopicConcept
from app.quality.models import PageMaturity
from app.tagging import bookmarks, page_tags
from app.tagging.models import Bookmark
from app.tagging.schemas import (
    BookmarkCreate,
    BookmarkRead,
    PageTagCreate,
    PageTopicRead,
    PageTopics,
    TopicBrief,
    TopicPageItem,
    TopicPages,
)

router = APIRouter(prefix="/api", tags=["tagging"])


def _topic_ref(topic: TopicConcept) -> TopicBrief:
    return TopicBrief(id=topic.id, iri=topic.iri, label=topic.label, status=topic.status.value)


def _page_topics(session, user, access) -> PageTopics:
    return PageTopics(page_id=access.page.id, topics=[
        PageTopicRead(topic=_topic_ref(t.topic), annotated=t.annotated, readers=t.readers, mine=t.mine)
        for t in page_tags.page_topics(session, user, access.page)])


@router.get("/pages/{page_id}/topics", response_model=PageTopics, responses=problem_responses(401, 404, 410))
def page_topics(access: ReadablePage, user: CurrentUser, session: SessionDep) -> PageTopics:
    """What the page is about: its Topic annotations and readers' tags, with how many readers tagged each."""
    return _page_topics(session, user, access)


@router.post("/pages/{page_id}/tags", response_model=PageTopics,
             responses={201: {"model": PageTopics, "description": "Tagged now (200: you had already tagged it)"},
                        **problem_responses(401, 404, 410, 422)})
def tag_page(body: PageTagCreate, access: ReadablePage, user: CurrentUser, session: SessionDep,
             response: Response) -> PageTopics:
    """Tag a page you may read with a topic (no edit needed). Free text that names no topic becomes a
    candidate topic; check `/api/topics/suggest` first to reuse an existing one. Answers the page's topics."""
    topic = page_tags.proposed_topic(session, user, access, body.topic_id, body.topic)
    created = page_tags.tag_page(session, user, access, topic)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return _page_topics(session, user, access)


@router.delete("/pages/{page_id}/tags/{topic_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(401, 404, 410))
def untag_page(topic_id: int, access: ReadablePage, user: CurrentUser, session: SessionDep) -> Response:
    """Remove your tag of the page with this topic."""
    topic = topics.get_topic(session, topic_id, user)
    page_tags.untag_page(session, user, access, topics.follow(session, topic))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/topics/{topic_id}/pages", response_model=TopicPages, responses=problem_responses(401, 404))
def topic_pages(topic_id: int, user: CurrentUser, session: SessionDep,
                narrower: Annotated[bool, Query(description="Include pages on narrower topics.")] = True,
                offset: Annotated[int, Query(ge=0, le=100_000)] = 0, limit: LimitQuery = 50) -> TopicPages:
    """Pages you may read about this topic (annotated or tagged), most mature first."""
    topic = topics.follow(session, topics.get_topic(session, topic_id, user))
    ids = topics.with_narrower(session, {topic.id}) if narrower else {topic.id}
    query = page_tags.pages_on_topic(user, ids)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(func.coalesce(PageMaturity.score, 0).desc(),
                                          PageRow.id).offset(offset).limit(limit)).all()
    return TopicPages(topic=_topic_ref(topic), narrower=narrower, total=total, offset=offset, items=[
        TopicPageItem(page_id=page.id, title=page.title, space_id=page.space_id, url=f"/api/pages/{page.id}",
                      score=score, phase=phase) for page, score, phase in rows])


def _bookmark_read(page, bookmark: Bookmark) -> BookmarkRead:
    return BookmarkRead(page_id=page.id, url=bookmark.url, title=page.title, publisher=bookmark.publisher,
                        space_id=page.space_id, page=f"/api/pages/{page.id}", created_at=page.created_at,
                        last_checked_at=bookmark.last_checked_at, last_status=bookmark.last_status,
                        dead=bookmark.dead, check_state=bookmark.check_state, check_error=bookmark.check_error)


@router.post("/bookmarks", response_model=BookmarkRead, status_code=status.HTTP_201_CREATED,
             responses=problem_responses(401, 403, 404, 409, 422))
def create_bookmark(body: BookmarkCreate, user: CurrentUser, session: SessionDep, response: Response) -> BookmarkRead:
    """Bookmark an external source in a space where you may edit. It becomes a page (category
    'Bookmark', annotated with its Source URL and publisher) that colleagues rate, tag and search like any
    other. A URL already bookmarked in that space answers 409 with `existing_page_id` and a Location."""
    page, bookmark = bookmarks.create_bookmark(session, user, body)
    response.headers["Location"] = f"/api/pages/{page.id}"
    return _bookmark_read(page, bookmark)


@router.get("/bookmarks", response_model=Page[BookmarkRead], responses=problem_responses(400, 401))
def list_bookmarks(request: Request, user: CurrentUser, session: SessionDep,
                   space_id: Annotated[int | None, Query()] = None,
                   dead: Annotated[bool | None, Query(description="Only sources the last check found gone (or alive).")] = None,
                   limit: LimitQuery = 50, cursor: CursorQuery = None) -> Page[BookmarkRead]:
    """Bookmarks in spaces you may read, newest first."""
    after = decode_cursor(cursor, int)
    rows = bookmarks.bookmarks(session, user, space_id=space_id, dead=dead, after=after[0] if after else None,
                               limit=limit + 1)
    return page_of(request, [_bookmark_read(page, bookmark) for page, bookmark in rows], limit,
                   lambda item: [item.page_id])
