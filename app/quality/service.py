"""Ratings, approvals and the page maturity they roll up into.

The maturity of a page is recomputed from all its inputs in the same transaction as any change
to them (a rating, an edit, an approval), so the stored score is always what a full recompute
would give; `mature recompute` rebuilds every page's score the same way.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import changelog
from app.auth.models import Role, User
from app.pages.access import readable_page_filter
from app.db import utcnow
from app.pages import service as page_service
from app.pages.models import Page, Revision
from app.pages.service import PageAccess
from app.quality.exceptions import ApprovalNotFound, ClientUseNotFound, InvalidApproval, RatingNotFound
from app.quality.models import CRITERIA, Approval, ClientUse, Rating
from app.quality.schemas import RatingPut


def put_rating(session: Session, user: User, access: PageAccess, body: RatingPut) -> Rating:
    """Rate the page's current revision; a previous rating by the same person is kept as history."""
    page = page_service.lock(session, access.page.id)  # one current rating per person, even under races
    now = utcnow()
    previous = current_rating(session, page.id, user.id)
    if previous is not None:
        previous.superseded_at = now
        session.flush()
    rating = Rating(page_id=page.id, revision_id=page.current_revision_id, rater_id=user.id, overall=body.overall,
                    comment=body.comment.strip(), issue=body.issue, anonymous=body.anonymous, created_at=now,
                    audience=body.audience, purpose=body.purpose,
                    **body.scores.model_dump())
    session.add(rating)
    session.flush()
    changelog.record(session, "page.rated", actor_id=logged_rater(rating), space_id=page.space_id, page_id=page.id,
                     revision_id=page.current_revision_id, minor=True)
    if rating.issue and not (previous is not None and previous.issue and previous.comment == rating.comment):
        _raise_issue(session, rating, page.space_id)   # raised once: re-saving the same issue is no new one
    return rating


ISSUE_RAISED = "page.issue_raised"


def logged_rater(rating: Rating) -> int | None:
    """The actor the change log names for a rating's events: nobody for an anonymous rating.

    Every view of the log (recent changes, feeds, webhooks, exports) then cannot name an anonymous rater,
    whatever it forgets to filter; who rated stays in the rating itself, under its own rule (may_see_rater)."""
    return None if rating.anonymous else rating.rater_id


def _raise_issue(session: Session, rating: Rating, space_id: int) -> None:
    """A comment marked as an issue reaches the page's authors' feeds through the change log.

    An anonymous rater's issue is logged without an actor (logged_rater)."""
    changelog.record(session, ISSUE_RAISED, actor_id=logged_rater(rating),
                     space_id=space_id, page_id=rating.page_id, revision_id=rating.revision_id,
                     summary=rating.comment, rating_id=rating.id)


def current_rating(session: Session, page_id: int, user_id: int) -> Rating | None:
    return session.scalar(select(Rating).where(Rating.page_id == page_id, Rating.rater_id == user_id,
                                               Rating.superseded_at.is_(None)))


def withdraw_rating(session: Session, user: User, access: PageAccess) -> None:
    """Withdraw your rating (kept in history, no longer counted)."""
    page = page_service.lock(session, access.page.id)
    rating = current_rating(session, page.id, user.id)
    if rating is None:
        raise RatingNotFound(f"You have not rated page {page.id}.")
    rating.superseded_at = utcnow()
    changelog.record(session, "page.rating_withdrawn", actor_id=logged_rater(rating), space_id=page.space_id,
                     page_id=page.id, minor=True)


def page_ratings(session: Session, page: Page, include_history: bool = False) -> list[Rating]:
    query = select(Rating).where(Rating.page_id == page.id)
    if not include_history:
        query = query.where(Rating.superseded_at.is_(None))
    return list(session.scalars(query.order_by(Rating.created_at.desc(), Rating.id.desc())))


def my_ratings(session: Session, user: User) -> list[Rating]:
    """Your ratings of pages you may still read (the one rights rule, in the query)."""
    return list(session.scalars(
        select(Rating).where(Rating.rater_id == user.id, readable_page_filter(user, Rating.page_id, with_deleted=True))
        .order_by(Rating.created_at.desc(), Rating.id.desc())
    ))


def authors_of(session: Session, page_id: int) -> set[int]:
    """Everyone who wrote a revision of the page: their ratings of it do not count."""
    return set(session.scalars(select(Revision.author_id).where(Revision.page_id == page_id).distinct()))


def may_see_rater(viewer: User, rating: Rating) -> bool:
    """Anonymous ratings name the rater only to themselves, managers and admins."""
    return not rating.anonymous or viewer.id == rating.rater_id or viewer.role in (Role.manager, Role.admin)


def scores_of(rating: Rating) -> dict[str, int | None]:
    return {name: getattr(rating, name) for name in CRITERIA}


def counts(rating: Rating, page_authors: set[int]) -> bool:
    """A rating counts towards the maturity while it is current and its rater wrote none of the page."""
    return rating.superseded_at is None and rating.rater_id not in page_authors


def live_approval(session: Session, page_id: int) -> Approval | None:
    return session.scalar(select(Approval).where(Approval.page_id == page_id, Approval.withdrawn_at.is_(None)))


def approve(session: Session, user: User, access: PageAccess, revision_id: int | None, note: str,
            kind: str = "reference") -> Approval:
    """A manager marks a revision as the organisation's reference version, or approves it for trial with
    clients (either replaces an earlier approval of the page)."""
    page = page_service.lock(session, access.page.id)
    revision = page_service.get_revision(session, page, revision_id or page.current_revision_id)
    if access.space.kind.value == "personal":
        raise InvalidApproval("Pages in a personal space cannot be approved; move the page to an organisational "
                              "space first.")
    previous = live_approval(session, page.id)
    now = utcnow()
    if previous is not None:
        previous.withdrawn_at, previous.withdrawn_by_id = now, user.id
        session.flush()
    approval = Approval(page_id=page.id, revision_id=revision.id, approved_by_id=user.id, approved_at=now,
                        note=note.strip(), kind=kind)
    session.add(approval)
    session.flush()
    changelog.record(session, "page.approved", actor_id=user.id, space_id=page.space_id, page_id=page.id,
                     revision_id=revision.id, summary=note, approval_kind=kind)
    return approval


def withdraw_approval(session: Session, user: User, access: PageAccess) -> None:
    page = page_service.lock(session, access.page.id)
    approval = live_approval(session, page.id)
    if approval is None:
        raise ApprovalNotFound(f"Page {page.id} has no approved revision.")
    approval.withdrawn_at, approval.withdrawn_by_id = utcnow(), user.id
    changelog.record(session, "page.approval_withdrawn", actor_id=user.id, space_id=page.space_id, page_id=page.id)


def mark_client_use(session: Session, user: User, access: PageAccess) -> tuple[ClientUse, bool]:
    """Note that you used the page with a client today (who and when only); a second mark the same day is the
    same mark. Returns the mark and whether it is new."""
    page = page_service.lock(session, access.page.id)   # two clicks at once make one mark
    today = utcnow().date()
    existing = session.get(ClientUse, (page.id, user.id, today))
    if existing is not None:
        return existing, False
    mark = ClientUse(page_id=page.id, user_id=user.id, day=today, created_at=utcnow())
    session.add(mark)
    session.flush()
    changelog.record(session, "page.used_with_client", actor_id=user.id, space_id=page.space_id, page_id=page.id,
                     minor=True, day=today.isoformat())
    return mark, True


def withdraw_client_use(session: Session, user: User, access: PageAccess) -> None:
    """Take back your latest 'used with a client' mark of the page (a click made by mistake)."""
    page = page_service.lock(session, access.page.id)
    mark = session.scalar(select(ClientUse).where(ClientUse.page_id == page.id, ClientUse.user_id == user.id)
                          .order_by(ClientUse.day.desc()).limit(1))
    if mark is None:
        raise ClientUseNotFound(f"You have not marked page {page.id} as used with a client.")
    session.delete(mark)
    session.flush()
    changelog.record(session, "page.client_use_withdrawn", actor_id=user.id, space_id=page.space_id,
                     page_id=page.id, minor=True, day=mark.day.isoformat())


def client_uses(session: Session, user: User, page: Page, since: date) -> tuple[int, int, date | None]:
    """Marks of the page since that day, by how many colleagues, and the day of your latest mark."""
    count, people = session.execute(select(func.count(), func.count(func.distinct(ClientUse.user_id)))
                                    .where(ClientUse.page_id == page.id, ClientUse.day >= since)).one()
    mine = session.scalar(select(func.max(ClientUse.day)).where(ClientUse.page_id == page.id,
                                                                ClientUse.user_id == user.id))
    return int(count), int(people), mine
