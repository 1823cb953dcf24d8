"""Review items: working the review queues (claim, assign to a colleague, due dates, resolve with a note).

The queues stay computed (app/quality/overview.py). An item is written the first time someone acts on a
page in a queue; at most one item per page and queue is open. Resolving keeps the item as history, writes
a `page.review_resolved` change (the page's recent changes and its followers' feeds show it) and keeps the
page out of that queue until it is edited or rated again (or for a year at most). If it still qualifies
then, the next action opens a new item. Claims and assignments are logged too; an assignment reaches the
assignee's feed (the feed's rights rule applies, and only people who may read the page can be assigned).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app import changelog
from app.auth.models import Role, User
from app.db import utcnow
from app.pages import service as page_service
from app.pages.access import readable_page_filter, readable_pages
from app.pages.models import Page
from app.pages.presentation import authors
from app.pages.schemas import AuthorRead
from app.pages.service import PageAccess
from app.quality import overview
from app.quality.exceptions import InvalidReview, NotInQueue, ReviewNotYours, ReviewTaken
from app.quality.models import ReviewItem
from app.schema import RequestSchema, Schema

QueueKind = Literal["stale", "low_rated", "low_rated_much_read", "conflicting", "unassessed"]
QUEUE_NAMES = {"stale": "Stale", "low_rated": "Low rated", "low_rated_much_read": "Low rated, much read",
               "conflicting": "Conflicting ratings", "unassessed": "Unassessed"}
CLAIMED, ASSIGNED, RESOLVED = "page.review_claimed", "page.review_assigned", "page.review_resolved"
_CAROL = {"id": 5, "username": "carol", "display_name": "Carol Jones"}
_ALICE = {"id": 3, "username": "alice", "display_name": "Alice Okafor"}


class ReviewClaim(RequestSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"due_on": "2026-12-15"}, {}]})

    due_on: date | None = Field(None, description="When you mean to have reviewed it (today or later).")


class ReviewAssign(RequestSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"assignee_id": 3, "due_on": "2026-12-15"},
                                                              {"assignee_id": None}]})

    assignee_id: int | None = Field(description="The colleague's user id (they must be able to read the page); "
                                                "null hands the item back to the queue.")
    due_on: date | None = Field(None, description="When it should be reviewed (today or later).")


class ReviewResolve(RequestSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "Checked the figures against ONS; still valid."}]})

    note: str = Field(min_length=1, max_length=2000, description="What was done; shown in the page's history.")


class ReviewItemRead(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 4, "page_id": 9, "page_title": "Health and social care in the North East", "space_id": 2,
        "queue": "stale", "reason": "Valid until 31 March 2026 has passed", "opened_at": "2026-12-01T09:00:00Z",
        "state": "resolved", "assignee": _ALICE, "assigned_by": _CAROL, "assigned_at": "2026-12-01T09:00:00Z",
        "due_on": "2026-12-15", "overdue": False, "resolved_at": "2026-12-03T14:20:00Z", "resolved_by": _ALICE,
        "resolution_note": "Checked the figures against ONS; still valid."}]})

    id: int
    page_id: int
    page_title: str
    space_id: int
    queue: str
    reason: str = Field(description="Why the page was in the queue when the item opened.")
    opened_at: datetime
    state: str = Field(description="open, claimed (by the assignee), assigned (by someone else) or resolved.")
    assignee: AuthorRead | None
    assigned_by: AuthorRead | None
    assigned_at: datetime | None
    due_on: date | None
    overdue: bool
    resolved_at: datetime | None
    resolved_by: AuthorRead | None
    resolution_note: str


# ---------------------------------------------------------------- reading


def item_reads(session: Session, items: list[ReviewItem]) -> list[ReviewItemRead]:
    """Items as the API shows them, with their pages and people in two queries."""
    pages = {page.id: page for page in session.scalars(select(Page).where(Page.id.in_({i.page_id for i in items})))}
    people = authors(session, (pid for i in items for pid in (i.assignee_id, i.assigned_by_id, i.resolved_by_id) if pid))
    reads = []
    for item in items:
        page = pages[item.page_id]
        state = overview.review_state(item.id, item.assignee_id, item.assigned_by_id, item.due_on, people)
        resolved = item.resolved_at is not None
        reads.append(ReviewItemRead(
            id=item.id, page_id=page.id, page_title=page.title, space_id=page.space_id, queue=item.queue,
            reason=item.reason, opened_at=item.opened_at, state="resolved" if resolved else state.state,
            assignee=state.assignee, assigned_by=state.assigned_by, assigned_at=item.assigned_at, due_on=item.due_on,
            overdue=state.overdue and not resolved, resolved_at=item.resolved_at,
            resolved_by=people.get(item.resolved_by_id) if item.resolved_by_id else None,
            resolution_note=item.resolution_note))
    return reads


def page_items(session: Session, access: PageAccess) -> list[ReviewItem]:
    """The page's review items, open and resolved, newest first: its review history."""
    page = access.page
    return list(session.scalars(select(ReviewItem).where(ReviewItem.page_id == page.id)
                                .order_by(ReviewItem.opened_at.desc(), ReviewItem.id.desc())))


def readable_items(user: User, *, wanted: str | None, queue: str | None, resolved: bool) -> Select:
    """Review items on pages the caller may read (the rights rule), filtered: mine, unassigned or overdue."""
    query = select(ReviewItem).where(readable_page_filter(user, ReviewItem.page_id),
                                     ReviewItem.resolved_at.is_not(None) if resolved else ReviewItem.resolved_at.is_(None))
    if queue is not None:
        query = query.where(ReviewItem.queue == queue)
    if wanted == "mine":
        query = query.where(ReviewItem.assignee_id == user.id)
    elif wanted == "unassigned":
        query = query.where(ReviewItem.assignee_id.is_(None))
    elif wanted == "overdue":
        query = query.where(ReviewItem.due_on < utcnow().date())
    order = (ReviewItem.resolved_at.desc(),) if resolved else (ReviewItem.due_on.is_(None), ReviewItem.due_on,
                                                              ReviewItem.opened_at)
    return query.order_by(*order, ReviewItem.id)


def list_items(session: Session, user: User, *, wanted: str | None, queue: str | None, resolved: bool,
               offset: int, limit: int) -> list[ReviewItemRead]:
    """Open (or resolved) items the caller may see, soonest due first."""
    items = list(session.scalars(readable_items(user, wanted=wanted, queue=queue, resolved=resolved)
                                 .offset(offset).limit(limit)))
    return item_reads(session, items)


# ---------------------------------------------------------------- working an item


def _open_item(session: Session, page: Page, kind: str) -> ReviewItem | None:
    return session.scalar(select(ReviewItem).where(ReviewItem.page_id == page.id, ReviewItem.queue == kind,
                                                   ReviewItem.resolved_at.is_(None)))


def _item_for(session: Session, user: User, page: Page, kind: str, existing: ReviewItem | None) -> ReviewItem:
    """The open item, or a new one if the page is in the queue now (for the caller); 409 otherwise."""
    if existing is not None:
        return existing
    waiting = overview.queue(session, user, kind, None, 0, 1, page_id=page.id)
    if not waiting:
        raise NotInQueue(f"Page {page.id} is not in the {QUEUE_NAMES[kind]} review queue now.")
    item = ReviewItem(page_id=page.id, queue=kind, reason=waiting[0].reason, opened_at=utcnow(), resolution_note="")
    session.add(item)
    session.flush()
    return item


def _manages(user: User) -> bool:
    return user.role in (Role.manager, Role.admin)


def _due(due_on: date | None) -> date | None:
    if due_on is not None and due_on < utcnow().date():
        raise InvalidReview(f"The due date {due_on.isoformat()} has passed; give today or a later date.")
    return due_on


def _log(session: Session, kind: str, user: User, page: Page, item: ReviewItem, summary: str) -> None:
    changelog.record(session, kind, actor_id=user.id, space_id=page.space_id, page_id=page.id, summary=summary,
                     minor=True, queue=item.queue, item_id=item.id, assignee_id=item.assignee_id,
                     due_on=item.due_on.isoformat() if item.due_on else None)


def claim(session: Session, user: User, access: PageAccess, kind: str, due_on: date | None) -> ReviewItem:
    """Take the page's item in a queue yourself (again, to change its due date); 409 if a colleague holds it."""
    page = page_service.lock(session, access.page.id)  # one open item per page and queue, even under races
    due = _due(due_on)
    item = _item_for(session, user, page, kind, _open_item(session, page, kind))
    if item.assignee_id is not None and item.assignee_id != user.id:
        holder = authors(session, [item.assignee_id])[item.assignee_id]
        raise ReviewTaken(f"{holder.display_name} already works on this review; a manager can reassign it.")
    if item.assignee_id is None:
        item.assigned_by_id, item.assigned_at = user.id, utcnow()
    item.assignee_id, item.due_on = user.id, due if due is not None else item.due_on
    session.flush()
    _log(session, CLAIMED, user, page, item, f"{QUEUE_NAMES[kind]} review claimed")
    return item


def assign(session: Session, user: User, access: PageAccess, kind: str, body: ReviewAssign) -> ReviewItem:
    """A manager, or whoever holds the item, gives it to a colleague who may read the page (or back to the queue)."""
    page = page_service.lock(session, access.page.id)
    existing = _open_item(session, page, kind)
    if not _manages(user) and (existing is None or existing.assignee_id != user.id):
        raise ReviewNotYours("Only managers, or the colleague who holds the review, may assign it.")
    due = _due(body.due_on)
    assignee = _assignee(session, page, body.assignee_id)
    item = _item_for(session, user, page, kind, existing)
    item.assignee_id = assignee.id if assignee else None
    item.assigned_by_id, item.assigned_at = (user.id, utcnow()) if assignee else (None, None)
    item.due_on = due
    session.flush()
    summary = (f"{QUEUE_NAMES[kind]} review assigned to {assignee.display_name}" if assignee
               else f"{QUEUE_NAMES[kind]} review handed back to the queue")
    _log(session, ASSIGNED, user, page, item, summary)
    return item


def _assignee(session: Session, page: Page, user_id: int | None) -> User | None:
    """The colleague to assign; 422 when there is none or they cannot read the page."""
    if user_id is None:
        return None
    assignee = session.get(User, user_id)
    if assignee is None or not assignee.is_active:
        raise InvalidReview(f"There is no active user {user_id} to assign the review to.")
    if session.scalar(readable_pages(assignee, Page.id).where(Page.id == page.id)) is None:
        raise InvalidReview(f"{assignee.display_name} cannot read this page, so cannot review it; share its space "
                            "with them first or choose someone who can.")
    return assignee


def resolve(session: Session, user: User, access: PageAccess, kind: str, note: str) -> ReviewItem:
    """Close the item with a note (whoever holds it, a manager, or anyone while nobody holds it)."""
    page = page_service.lock(session, access.page.id)
    text = note.strip()
    if not text:
        raise InvalidReview("Say in the note what the review found or did.")
    item = _item_for(session, user, page, kind, _open_item(session, page, kind))
    if item.assignee_id not in (None, user.id) and not _manages(user):
        holder = authors(session, [item.assignee_id])[item.assignee_id]
        raise ReviewNotYours(f"{holder.display_name} works on this review; only they or a manager may resolve it.")
    item.resolved_at, item.resolved_by_id, item.resolution_note = utcnow(), user.id, text
    session.flush()
    _log(session, RESOLVED, user, page, item, text)
    return item
