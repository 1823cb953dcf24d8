"""The organisation's view of its knowledge: pages per phase and space, scores, review queues.

Everything is computed over the pages the caller may read (the one rights rule), so a manager
sees the organisation and an adviser their part of it; no private page is ever counted.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import ConfigDict, Field
from sqlalchemy import Float, Select, and_, case, cast, func, or_, select, union
from sqlalchemy.orm import Session

from app.annotations.models import PageAnnotation
from app.annotations.vocabulary import LMI
from app.auth.models import Space, SpaceKind, User
from app.pages.access import readable_pages
from app.db import utcnow
from app.pages.models import Page, Revision
from app.pages.presentation import authors
from app.pages.schemas import AuthorRead
from app.quality.models import CRITERIA, PageMaturity, PageView, Rating, ReviewItem
from app.schema import Schema

NOT_REVIEWED_AFTER = timedelta(days=365)
LOW_RATED = 2.5
CONFLICT_SPREAD = 2.5
MUCH_READ = 20                      # views in the last READ_WINDOW that make a low-rated page urgent
READ_WINDOW = timedelta(days=30)
RESOLUTION_HOLDS = timedelta(days=365)  # a resolved review keeps the page out of its queue this long at most


class Bucket(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"low": 40, "high": 50, "pages": 7}]})

    low: int
    high: int
    pages: int


class SpaceSummary(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "space_id": 2, "key": "lmi", "name": "Labour Market Information", "pages": 8, "mean_score": 41.2,
        "by_phase": {"distributing": 6, "formalising": 2}}]})

    space_id: int
    key: str
    name: str
    pages: int
    mean_score: float
    by_phase: dict[str, int]


class Overview(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "pages": 16, "by_phase": {"distributing": 12, "expressing_ideas": 2, "formalising": 2},
        "spaces": [{"space_id": 2, "key": "lmi", "name": "Labour Market Information", "pages": 8, "mean_score": 41.2,
                    "by_phase": {"distributing": 6, "formalising": 2}}],
        "score_histogram": [{"low": 0, "high": 10, "pages": 1}],
        "queues": {"stale": 3, "low_rated": 1, "low_rated_much_read": 1, "conflicting": 0, "unassessed": 4},
        "pages_in_queues": 6}]})

    pages: int
    by_phase: dict[str, int]
    spaces: list[SpaceSummary]
    score_histogram: list[Bucket] = Field(description="Pages per score band of 10 points.")
    queues: dict[str, int] = Field(description="How many pages wait in each review queue.")
    pages_in_queues: int = Field(description="How many pages wait in at least one queue (a page may be in several).")


class ReviewState(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "item_id": 4, "state": "assigned", "assignee": {"id": 3, "username": "alice", "display_name": "Alice Okafor"},
        "assigned_by": {"id": 5, "username": "carol", "display_name": "Carol Jones"}, "due_on": "2026-12-15",
        "overdue": False}]})

    item_id: int | None = Field(description="The open review item, or null while nobody has acted on the page here.")
    state: str = Field(description="open (nobody works it), claimed (by the assignee), or assigned (by someone else).")
    assignee: AuthorRead | None = None
    assigned_by: AuthorRead | None = None
    due_on: date | None = None
    overdue: bool = Field(False, description="The due date has passed and the item is still open.")


class QueueItem(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "page_id": 9, "title": "Health and social care in the North East", "space_id": 2, "score": 38.5,
        "phase": "distributing", "reason": "Valid until 2026-03-31 has passed",
        "review": {"item_id": None, "state": "open", "assignee": None, "assigned_by": None, "due_on": None,
                   "overdue": False}}]})

    page_id: int
    title: str
    space_id: int
    score: float | None
    phase: str | None
    reason: str
    review: ReviewState


def _readable(user: User, space_id: int | None, *columns: Any) -> Select:
    """The live pages the caller may read (of one space, if given): the rights rule's statement."""
    query = readable_pages(user, *columns)
    return query if space_id is None else query.where(Page.space_id == space_id)


def overview(session: Session, user: User, space_id: int | None = None) -> Overview:
    """Counts, scores and queue sizes over the pages the caller may read."""
    rows = session.execute(
        _readable(user, space_id, Page.space_id, Space.key, Space.name, PageMaturity.phase, PageMaturity.score)
        .join(PageMaturity, PageMaturity.page_id == Page.id)
    ).all()
    by_phase: dict[str, int] = {}
    spaces: dict[int, SpaceSummary] = {}
    histogram = [Bucket(low=low, high=low + 10, pages=0) for low in range(0, 100, 10)]
    for space, key, name, phase, score in rows:
        by_phase[phase] = by_phase.get(phase, 0) + 1
        summary = spaces.setdefault(space, SpaceSummary(space_id=space, key=key, name=name, pages=0,
                                                        mean_score=0.0, by_phase={}))
        summary.mean_score = (summary.mean_score * summary.pages + score) / (summary.pages + 1)
        summary.pages += 1
        summary.by_phase[phase] = summary.by_phase.get(phase, 0) + 1
        histogram[min(int(score // 10), 9)].pages += 1
    for summary in spaces.values():
        summary.mean_score = round(summary.mean_score, 1)
    queued = {kind: queue_pages(kind, user, space_id).subquery() for kind in QUEUES}
    queues = {kind: session.scalar(select(func.count()).select_from(sub)) for kind, sub in queued.items()}
    any_queue = union(*(select(sub.c.page_id) for sub in queued.values())).subquery()
    return Overview(pages=len(rows), by_phase=by_phase, spaces=sorted(spaces.values(), key=lambda s: s.key),
                    score_histogram=histogram, queues=queues,
                    pages_in_queues=session.scalar(select(func.count()).select_from(any_queue)))


def _rater_mean():
    """One rating's value in portable SQL, by the model's rule (RatingInput.value): the overall judgement when
    given, else the mean over the criteria it scored."""
    total = sum(func.coalesce(getattr(Rating, name), 0) for name in CRITERIA)
    scored = sum(case((getattr(Rating, name).is_not(None), 1), else_=0) for name in CRITERIA)
    return case((Rating.overall.is_not(None), cast(Rating.overall, Float)),
                else_=cast(total, Float) / func.nullif(scored, 0))


def _rating_stats():
    mean = _rater_mean()
    authors = select(Revision.author_id).where(Revision.page_id == Rating.page_id).correlate(Rating)
    return (select(Rating.page_id.label("page_id"), func.count().label("raters"), func.avg(mean).label("mean"),
                   (func.max(mean) - func.min(mean)).label("spread"))
            .where(Rating.superseded_at.is_(None), Rating.rater_id.not_in(authors))  # as the score: authors not counted
            .group_by(Rating.page_id).subquery())


def stale_pages(user: User, space_id: int | None) -> Select:
    """Valid-until passed, or no substantial edit and no rating for a year."""
    today = utcnow().date()
    cutoff = utcnow() - NOT_REVIEWED_AFTER
    expired = (select(PageAnnotation.value_date).where(
        PageAnnotation.revision_id == Page.current_revision_id, PageAnnotation.property_iri == str(LMI.validUntil),
        PageAnnotation.value_date < today).limit(1).scalar_subquery())
    recent_rating = select(Rating.id).where(Rating.page_id == Page.id, Rating.created_at >= cutoff).exists()
    return (_readable(user, space_id, Page.id.label("page_id"), expired.label("expired"),
                      Page.updated_at.label("updated_at"))
            .where(or_(expired.is_not(None), and_(Page.updated_at < cutoff, ~recent_rating))))


def low_rated_pages(user: User, space_id: int | None) -> Select:
    stats = _rating_stats()
    return (_readable(user, space_id, Page.id.label("page_id"), stats.c.mean, stats.c.raters)
            .join(stats, stats.c.page_id == Page.id)
            .where(stats.c.raters >= 2, stats.c.mean <= LOW_RATED))


def low_rated_much_read_pages(user: User, space_id: int | None) -> Select:
    """Low-rated pages that colleagues keep opening: poor material in heavy use is reviewed first."""
    stats = _rating_stats()
    since = utcnow().date() - READ_WINDOW
    reads = (select(PageView.page_id.label("page_id"), func.sum(PageView.views).label("views"))
             .where(PageView.day >= since).group_by(PageView.page_id).subquery())
    return (_readable(user, space_id, Page.id.label("page_id"), stats.c.mean, stats.c.raters, reads.c.views)
            .join(stats, stats.c.page_id == Page.id).join(reads, reads.c.page_id == Page.id)
            .where(stats.c.raters >= 2, stats.c.mean <= LOW_RATED, reads.c.views >= MUCH_READ))


def conflicting_pages(user: User, space_id: int | None) -> Select:
    stats = _rating_stats()
    return (_readable(user, space_id, Page.id.label("page_id"), stats.c.spread, stats.c.raters)
            .join(stats, stats.c.page_id == Page.id)
            .where(stats.c.raters >= 3, stats.c.spread >= CONFLICT_SPREAD))


def unassessed_pages(user: User, space_id: int | None) -> Select:
    """Pages in organisational spaces that nobody but their authors has rated: shared, yet never assessed."""
    by_colleague = (select(Rating.id).where(Rating.page_id == Page.id, Rating.superseded_at.is_(None),
                                            Rating.rater_id.not_in(select(Revision.author_id)
                                                                   .where(Revision.page_id == Page.id).correlate(Page)))
                    .exists())
    by_author = select(Rating.id).where(Rating.page_id == Page.id, Rating.superseded_at.is_(None)).exists()
    return (_readable(user, space_id, Page.id.label("page_id"), Page.created_at.label("created_at"),
                      by_author.label("author_rated"))
            .where(Space.kind == SpaceKind.organisation, ~by_colleague))


QUEUES = {"stale": stale_pages, "low_rated": low_rated_pages, "low_rated_much_read": low_rated_much_read_pages,
          "conflicting": conflicting_pages, "unassessed": unassessed_pages}
ORDER = {"stale": "updated_at", "low_rated": "mean", "low_rated_much_read": "views", "conflicting": "spread",
         "unassessed": "created_at"}
MOST_FIRST = ("conflicting", "low_rated_much_read")
FILTERS = ("mine", "unassigned", "overdue")


def queue_pages(kind: str, user: User, space_id: int | None) -> Select:
    """One queue's pages for the caller, without those a review resolved since the page last changed.

    A resolution holds until the page is edited or rated again, and at most RESOLUTION_HOLDS: then the page
    is back if it still qualifies, and the next action on it opens a new item (the resolved one stays)."""
    since = utcnow() - RESOLUTION_HOLDS
    rated_after = (select(Rating.id).where(Rating.page_id == Page.id, Rating.created_at > ReviewItem.resolved_at)
                   .correlate(Page, ReviewItem).exists())  # two levels down: name both outer tables
    resolved = (select(ReviewItem.id).where(ReviewItem.page_id == Page.id, ReviewItem.queue == kind,
                                            ReviewItem.resolved_at >= since, ReviewItem.resolved_at >= Page.updated_at,
                                            ~rated_after).exists())
    return QUEUES[kind](user, space_id).where(~resolved)


def _filtered(query: Select, user: User, wanted: str | None) -> Select:
    """Keep the queue rows whose open item (outer-joined as ReviewItem) is the caller's, nobody's, or late."""
    if wanted == "mine":
        return query.where(ReviewItem.assignee_id == user.id)
    if wanted == "unassigned":
        return query.where(ReviewItem.assignee_id.is_(None))
    if wanted == "overdue":
        return query.where(ReviewItem.due_on < utcnow().date())
    return query


def queue(session: Session, user: User, kind: str, space_id: int | None, offset: int, limit: int,
          wanted: str | None = None, page_id: int | None = None) -> list[QueueItem]:
    """One review queue, worst first, with the reason each page is in it and who works it (filtered by
    `wanted`: mine, unassigned or overdue)."""
    sub = queue_pages(kind, user, space_id).subquery()
    order = ORDER[kind]
    order_by = sub.c[order].desc() if kind in MOST_FIRST else sub.c[order]
    query = (select(sub, Page.title, Page.space_id, PageMaturity.score, PageMaturity.phase,
                    ReviewItem.id.label("item_id"), ReviewItem.assignee_id, ReviewItem.assigned_by_id,
                    ReviewItem.due_on)
             .join(Page, Page.id == sub.c.page_id).outerjoin(PageMaturity, PageMaturity.page_id == Page.id)
             .outerjoin(ReviewItem, and_(ReviewItem.page_id == Page.id, ReviewItem.queue == kind,
                                         ReviewItem.resolved_at.is_(None))))
    if page_id is not None:
        query = query.where(Page.id == page_id)
    rows = session.execute(_filtered(query, user, wanted).order_by(order_by, Page.id).offset(offset).limit(limit)
                           ).mappings().all()
    people = authors(session, (r[key] for r in rows for key in ("assignee_id", "assigned_by_id") if r[key]))
    return [QueueItem(page_id=r["page_id"], title=r["title"], space_id=r["space_id"], score=r["score"],
                      phase=r["phase"], reason=_reason(kind, r),
                      review=review_state(r["item_id"], r["assignee_id"], r["assigned_by_id"], r["due_on"], people))
            for r in rows]


def review_state(item_id: int | None, assignee_id: int | None, assigned_by_id: int | None, due_on: date | None,
                 people: dict[int, AuthorRead]) -> ReviewState:
    """Who works an open item, in words the dashboard shows (claimed: the assignee took it themselves)."""
    state = "open" if assignee_id is None else "claimed" if assignee_id == assigned_by_id else "assigned"
    return ReviewState(item_id=item_id, state=state, assignee=people.get(assignee_id) if assignee_id else None,
                       assigned_by=people.get(assigned_by_id) if assigned_by_id else None, due_on=due_on,
                       overdue=due_on is not None and due_on < utcnow().date())


def _reason(kind: str, row) -> str:
    if kind == "unassessed":
        return ("Rated only by its authors: no colleague has assessed it yet" if row["author_rated"]
                else "No colleague has rated it yet")
    if kind == "stale":
        if row["expired"] is not None:
            return f"Valid until {row['expired']:%d %B %Y} has passed"
        return f"Not edited or rated since {row['updated_at']:%d %B %Y}"
    if kind == "low_rated":
        return f"Rated {row['mean']:.1f} out of 5 on average by {row['raters']} colleagues"
    if kind == "low_rated_much_read":
        return (f"Rated {row['mean']:.1f} out of 5 on average by {row['raters']} colleagues, yet opened "
                f"{row['views']} times in the last {READ_WINDOW.days} days")
    return f"{row['raters']} colleagues disagree: their ratings differ by {row['spread']:.1f} points out of 5"


