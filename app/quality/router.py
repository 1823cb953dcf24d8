"""HTTP: ratings, maturity and approvals of pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.dependencies import CurrentUser, require_role
from app.auth.models import Role, User
from app.db import SessionDep, utcnow
from app.errors import problem_responses
from app.pages.dependencies import ReadablePage
from app.pages.presentation import authors
from app.pages.service import PageAccess, current_revision
from app.pagination import CursorQuery, LimitQuery, OffsetQuery, Page, page_at, page_of_list, position
from app.quality import overview, reviews, scoring, service
from app.quality.exceptions import ApprovalNotFound
from app.quality.models import Approval, MaturitySnapshot, PageMaturity, Rating
from app.quality.schemas import (
    ApprovalPut, ApprovalRead, ClientUsesRead, ContributionRead, CriterionRead, MaturityPoint, MaturityRead,
    MyRatingRead, RatingPut, RatingRead, Scores, criteria,
)
from app.quality.schemas import AudiencesRead, audiences


router = APIRouter(prefix="/api", tags=["quality"])
STALE_AFTER = timedelta(days=1)
ManagerUser = Annotated[User, Depends(require_role(Role.manager, Role.admin))]


def _rating_reads(session: Session, viewer: User, ratings: list[Rating]) -> list[RatingRead]:
    people = authors(session, (r.rater_id for r in ratings))
    authored: dict[int, set[int]] = {}
    reads = []
    for rating in ratings:
        page_authors = authored.setdefault(rating.page_id, service.authors_of(session, rating.page_id))
        reads.append(RatingRead(
            id=rating.id, page_id=rating.page_id, revision_id=rating.revision_id,
            rater=people[rating.rater_id] if service.may_see_rater(viewer, rating) else None,
            overall=rating.overall, scores=Scores.model_construct(**service.scores_of(rating)),
            comment=rating.comment, issue=rating.issue, anonymous=rating.anonymous,
            by_author=rating.rater_id in page_authors, counted=service.counts(rating, page_authors),
            audience=rating.audience, purpose=rating.purpose,
            created_at=rating.created_at, superseded_at=rating.superseded_at,
        ))
    return reads


def _maturity_read(session: Session, access: PageAccess) -> MaturityRead:
    """The stored maturity, or a fresh assessment when it is missing or a day old (currency decays
    with time alone; `mature recompute` refreshes the stored scores, e.g. nightly)."""
    stored = session.get(PageMaturity, access.page.id)
    approval = service.live_approval(session, access.page.id)
    if stored is None or stored.computed_at < utcnow() - STALE_AFTER:
        fresh = scoring.assess_page(session, access.page)
        return MaturityRead(
            page_id=access.page.id, score=fresh.score, confidence=fresh.confidence, phase=fresh.phase.value,
            contributions=[ContributionRead(key=c.key, points=c.points, explanation=c.explanation)
                           for c in fresh.contributions],
            approved_revision_id=approval.revision_id if approval else None,
            approved_differs=fresh.approved_differs, computed_at=utcnow(),
            assessed=fresh.assessed, flags=list(fresh.flags), phase_reason=fresh.phase_reason,
        )
    return MaturityRead(
        page_id=access.page.id, score=stored.score, confidence=stored.confidence, phase=stored.phase,
        contributions=[ContributionRead(**c) for c in stored.contributions],
        approved_revision_id=approval.revision_id if approval else None,
        approved_differs=stored.approved_differs, computed_at=stored.computed_at,
        assessed=stored.assessed, flags=list(stored.flags), phase_reason=stored.phase_reason,
    )


@router.get("/pages/{page_id}/ratings/mine", response_model=MyRatingRead, responses=problem_responses(401, 404, 410))
def read_my_rating(access: ReadablePage, user: CurrentUser, session: SessionDep) -> MyRatingRead:
    """Your current rating of the page, if any, and whether your rating counts: a rating by someone who wrote
    part of the page is shown but not counted (the rating form says so before you rate)."""
    wrote = user.id in service.authors_of(session, access.page.id)
    rating = service.current_rating(session, access.page.id, user.id)
    return MyRatingRead(by_author=wrote, counted=not wrote,
                        rating=_rating_reads(session, user, [rating])[0] if rating is not None else None)


@router.put("/pages/{page_id}/ratings/mine", response_model=RatingRead, responses=problem_responses(401, 404, 410, 422))
def rate_page(body: RatingPut, access: ReadablePage, user: CurrentUser, session: SessionDep) -> RatingRead:
    """Rate the page's current revision: an overall judgement (1-5) and/or any of the LMI quality criteria
    (1-5 each), with an optional comment; `issue` marks the comment as a problem for the page's authors (it
    reaches their feed). Rating again replaces your rating (the old one stays in the history). Your ratings
    of pages you wrote are shown but not counted."""
    rating = service.put_rating(session, user, access, body)
    scoring.refresh(session, access.page.id)
    return _rating_reads(session, user, [rating])[0]


@router.delete("/pages/{page_id}/ratings/mine", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(401, 404, 410))
def withdraw_rating(access: ReadablePage, user: CurrentUser, session: SessionDep) -> Response:
    """Withdraw your rating of the page."""
    service.withdraw_rating(session, user, access)
    scoring.refresh(session, access.page.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/pages/{page_id}/ratings", response_model=Page[RatingRead],
            responses=problem_responses(400, 401, 404, 410))
def list_ratings(request: Request, access: ReadablePage, user: CurrentUser, session: SessionDep,
                 history: Annotated[bool, Query(description="Include replaced and withdrawn ratings.")] = False,
                 limit: LimitQuery = 50, cursor: CursorQuery = None) -> Page[RatingRead]:
    """The page's ratings, newest first; raters who chose anonymity are named only to managers."""
    start = position(cursor)
    ratings = service.page_ratings(session, access.page, include_history=history)[start:start + limit + 1]
    return page_at(request, _rating_reads(session, user, ratings), limit, start)


@router.get("/users/me/ratings", response_model=Page[RatingRead], responses=problem_responses(400, 401))
def list_my_ratings(request: Request, user: CurrentUser, session: SessionDep,
                    page_id: Annotated[int | None, Query(description="Only your ratings of this page.")] = None,
                    limit: LimitQuery = 50, cursor: CursorQuery = None) -> Page[RatingRead]:
    """Every rating you have made (with history) of pages you may still read, newest first."""
    start = position(cursor)
    ratings = [r for r in service.my_ratings(session, user) if page_id is None or r.page_id == page_id]
    ratings = ratings[start:start + limit + 1]
    return page_at(request, _rating_reads(session, user, ratings), limit, start)


@router.get("/pages/{page_id}/maturity", response_model=MaturityRead, responses=problem_responses(401, 404, 410))
def read_maturity(access: ReadablePage, session: SessionDep) -> MaturityRead:
    """The page's maturity score (0-100), confidence, knowledge-maturing phase and why: each contribution in words."""
    return _maturity_read(session, access)


@router.get("/pages/{page_id}/maturity/history", response_model=list[MaturityPoint],
            responses=problem_responses(401, 404, 410))
def maturity_history(access: ReadablePage, session: SessionDep,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[MaturityPoint]:
    """The page's score and phase over time (each change), oldest first."""
    rows = session.scalars(select(MaturitySnapshot).where(MaturitySnapshot.page_id == access.page.id)
                           .order_by(MaturitySnapshot.at.desc(), MaturitySnapshot.id.desc()).limit(limit))
    return [MaturityPoint.model_validate(row) for row in reversed(list(rows))]


def _approval_read(session: Session, access: PageAccess, approval: Approval) -> ApprovalRead:
    current = current_revision(session, access.page)
    return ApprovalRead(page_id=access.page.id, revision_id=approval.revision_id,
                        approved_by=authors(session, [approval.approved_by_id])[approval.approved_by_id],
                        approved_at=approval.approved_at, note=approval.note, current_revision_id=current.id,
                        differs=current.id != approval.revision_id, kind=approval.kind)


@router.get("/pages/{page_id}/approval", response_model=ApprovalRead, responses=problem_responses(401, 404, 410))
def read_approval(access: ReadablePage, session: SessionDep) -> ApprovalRead:
    """The revision a manager approved as the organisation's reference version, and whether the page changed since."""
    approval = service.live_approval(session, access.page.id)
    if approval is None:
        raise ApprovalNotFound(f"Page {access.page.id} has no approved revision.")
    return _approval_read(session, access, approval)


@router.put("/pages/{page_id}/approval", response_model=ApprovalRead,
            responses=problem_responses(401, 403, 404, 410, 422))
def approve_page(body: ApprovalPut, access: ReadablePage, user: ManagerUser, session: SessionDep) -> ApprovalRead:
    """Approve a revision as the organisation's reference version (managers and admins): the page is then
    'standardising'; or, with `kind: "trial"`, approve it for trial with clients: 'piloting'. Approving again
    moves the approval to the new revision (and kind)."""
    approval = service.approve(session, user, access, body.revision_id, body.note, body.kind)
    scoring.refresh(session, access.page.id)
    return _approval_read(session, access, approval)


@router.delete("/pages/{page_id}/approval", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(401, 403, 404, 410))
def withdraw_approval(access: ReadablePage, user: ManagerUser, session: SessionDep) -> Response:
    """Withdraw the approval (managers and admins)."""
    service.withdraw_approval(session, user, access)
    scoring.refresh(session, access.page.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _client_uses_read(session: Session, user: User, access: PageAccess) -> ClientUsesRead:
    since = utcnow().date() - timedelta(days=scoring.USES_WINDOW_DAYS - 1)
    uses, people, mine = service.client_uses(session, user, access.page, since)
    return ClientUsesRead(page_id=access.page.id, uses=uses, people=people, since=since, my_latest=mine)


@router.get("/pages/{page_id}/uses", response_model=ClientUsesRead, responses=problem_responses(401, 404, 410))
def read_client_uses(access: ReadablePage, user: CurrentUser, session: SessionDep) -> ClientUsesRead:
    """How often colleagues marked the page as used with a client in the last 12 months."""
    return _client_uses_read(session, user, access)


@router.post("/pages/{page_id}/uses", response_model=ClientUsesRead, status_code=status.HTTP_201_CREATED,
             responses={200: {"model": ClientUsesRead, "description": "Already marked today: the same mark."},
                        **problem_responses(401, 404, 410)})
def mark_client_use(access: ReadablePage, user: CurrentUser, session: SessionDep, response: Response) -> ClientUsesRead:
    """Mark that you used the page with a client today (only who and when are kept, no client data). One mark
    per person, page and day: marking again the same day changes nothing (200). Counts towards piloting."""
    _mark, new = service.mark_client_use(session, user, access)
    if new:
        scoring.refresh(session, access.page.id)
    else:
        response.status_code = status.HTTP_200_OK
    return _client_uses_read(session, user, access)


@router.delete("/pages/{page_id}/uses/mine", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(401, 404, 410))
def withdraw_client_use(access: ReadablePage, user: CurrentUser, session: SessionDep) -> Response:
    """Take back your latest 'used with a client' mark of the page."""
    service.withdraw_client_use(session, user, access)
    scoring.refresh(session, access.page.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/quality/criteria", response_model=list[CriterionRead], responses=problem_responses(401))
def rating_criteria(_user: CurrentUser) -> list[CriterionRead]:
    """The LMI quality criteria a rating scores, in order, with what each means (for rating forms)."""
    return criteria()


@router.get("/quality/audiences", response_model=AudiencesRead, responses=problem_responses(401))
def rating_audiences(_user: CurrentUser) -> AudiencesRead:
    """The audiences and purposes a rating may name (`audience`, `purpose`), with what each means (for rating forms)."""
    return audiences()


@router.get("/quality/overview", response_model=overview.Overview, responses=problem_responses(401))
def quality_overview(user: CurrentUser, session: SessionDep,
                     space_id: Annotated[int | None, Query(description="Only this space.")] = None) -> overview.Overview:
    """Pages per knowledge-maturing phase and per space, the score distribution and the review queues' sizes,
    over the pages you may read."""
    return overview.overview(session, user, space_id)


@router.get("/quality/review-queue", response_model=Page[overview.QueueItem],
            responses=problem_responses(400, 401, 422))
def review_queue(request: Request, user: CurrentUser, session: SessionDep,
                 kind: Annotated[reviews.QueueKind, Query(
                     description="stale (valid-until passed or not reviewed for a year), low_rated, "
                                 "low_rated_much_read (low-rated and opened at least 20 times in 30 days, "
                                 "most read first), conflicting (colleagues' ratings disagree), or unassessed "
                                 "(in an organisational space and rated by nobody but its authors)")],
                 space_id: Annotated[int | None, Query()] = None,
                 filter: Annotated[Literal["mine", "unassigned", "overdue"] | None, Query(
                     description="mine (claimed by or assigned to you), unassigned, or overdue (due date passed)")
                 ] = None,
                 offset: OffsetQuery = 0, limit: LimitQuery = 50, cursor: CursorQuery = None,
                 ) -> Page[overview.QueueItem]:
    """Pages that need a review, worst first, each with the reason and who works on it (its review item)."""
    start = position(cursor, offset)
    return page_at(request, overview.queue(session, user, kind, space_id, start, limit + 1, filter), limit, start)


@router.get("/quality/review-items", response_model=Page[reviews.ReviewItemRead],
            responses=problem_responses(400, 401, 422))
def list_review_items(request: Request, user: CurrentUser, session: SessionDep,
                      filter: Annotated[Literal["mine", "unassigned", "overdue"] | None, Query(
                          description="mine (claimed by or assigned to you), unassigned, or overdue")] = None,
                      queue: Annotated[reviews.QueueKind | None, Query(description="Only this queue.")] = None,
                      resolved: Annotated[bool, Query(description="Resolved items (newest first) instead of "
                                                                  "open ones (soonest due first).")] = False,
                      offset: OffsetQuery = 0, limit: LimitQuery = 50, cursor: CursorQuery = None,
                      ) -> Page[reviews.ReviewItemRead]:
    """Review items someone has acted on, on pages you may read: e.g. `filter=mine` is your review work."""
    start = position(cursor, offset)
    items = reviews.list_items(session, user, wanted=filter, queue=queue, resolved=resolved, offset=start,
                               limit=limit + 1)
    return page_at(request, items, limit, start)


@router.get("/pages/{page_id}/reviews", response_model=Page[reviews.ReviewItemRead],
            responses=problem_responses(400, 401, 404, 410))
def page_reviews(request: Request, access: ReadablePage, session: SessionDep,
                 limit: LimitQuery = 50, cursor: CursorQuery = None) -> Page[reviews.ReviewItemRead]:
    """The page's review items, open and resolved (with who resolved them, when and the note), newest first."""
    return page_of_list(request, reviews.item_reads(session, reviews.page_items(session, access)), limit, cursor)


@router.post("/pages/{page_id}/reviews/{kind}/claim", response_model=reviews.ReviewItemRead,
             responses=problem_responses(401, 404, 409, 410, 422))
def claim_review(kind: reviews.QueueKind, access: ReadablePage, user: CurrentUser, session: SessionDep,
                 body: reviews.ReviewClaim | None = None) -> reviews.ReviewItemRead:
    """Claim the page's review in a queue for yourself, optionally with a due date (claim again to change it).
    409 if the page is not in that queue or a colleague already works on it."""
    item = reviews.claim(session, user, access, kind, body.due_on if body else None)
    return reviews.item_reads(session, [item])[0]


@router.post("/pages/{page_id}/reviews/{kind}/assign", response_model=reviews.ReviewItemRead,
             responses=problem_responses(401, 403, 404, 409, 410, 422))
def assign_review(kind: reviews.QueueKind, body: reviews.ReviewAssign, access: ReadablePage, user: CurrentUser,
                  session: SessionDep) -> reviews.ReviewItemRead:
    """Assign the page's review to a colleague (managers, or whoever holds it), with a due date; the colleague
    must be able to read the page (422 otherwise) and finds the assignment in their feed."""
    item = reviews.assign(session, user, access, kind, body)
    return reviews.item_reads(session, [item])[0]


@router.post("/pages/{page_id}/reviews/{kind}/resolve", response_model=reviews.ReviewItemRead,
             responses=problem_responses(401, 403, 404, 409, 410, 422))
def resolve_review(kind: reviews.QueueKind, body: reviews.ReviewResolve, access: ReadablePage, user: CurrentUser,
                   session: SessionDep) -> reviews.ReviewItemRead:
    """Resolve the page's review with a note (who holds it, a manager, or anyone while nobody does). The note
    shows in the page's recent changes; the page leaves the queue until it is edited or rated again."""
    item = reviews.resolve(session, user, access, kind, body.note)
    return reviews.item_reads(session, [item])[0]
