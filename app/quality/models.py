"""Ratings (with history), the derived maturity of each page, and approvals."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.quality.criteria import CRITERION_KEYS

CRITERIA = CRITERION_KEYS  # the criteria columns of a rating, in the order of app/quality/criteria.py
SCORED = (*CRITERIA, "overall")  # every 1-5 column


class Rating(Base):
    """One person's rating of a page, bound to the revision it was made on.

    A changed rating supersedes the old one (kept, with `superseded_at`), so at most one rating
    per person and page is current: a partial unique index holds that on both databases.
    """

    __tablename__ = "rating"
    __table_args__ = (
        Index("uq_rating_current", "page_id", "rater_id", unique=True,
              sqlite_where=text("superseded_at IS NULL"), postgresql_where=text("superseded_at IS NULL")),
        Index("ix_rating_rater_id", "rater_id"),
        Index("ix_rating_page_id_created_at", "page_id", "created_at"),  # a page's ratings, earlier ones too
        *(CheckConstraint(f"{name} IS NULL OR ({name} BETWEEN 1 AND 5)", name=f"{name}_1_to_5") for name in SCORED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id", ondelete="CASCADE"))
    rater_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    currency: Mapped[int | None] = mapped_column(SmallInteger)
    reliability: Mapped[int | None] = mapped_column(SmallInteger)
    relevance: Mapped[int | None] = mapped_column(SmallInteger)
    impartiality: Mapped[int | None] = mapped_column(SmallInteger)
    accessibility: Mapped[int | None] = mapped_column(SmallInteger)
    comprehensiveness: Mapped[int | None] = mapped_column(SmallInteger)
    equality: Mapped[int | None] = mapped_column(SmallInteger)
    overall: Mapped[int | None] = mapped_column(SmallInteger, comment=(
        "The rater's overall judgement, 1-5; when given it is the rating's value, else the criteria's mean"))
    comment: Mapped[str] = mapped_column(Text, default="")
    issue: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"),
                                        comment="The comment is a problem the page's authors should fix")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False,
                                            comment="Hidden from colleagues; managers still see who rated")
    audience: Mapped[str | None] = mapped_column(String(40), comment=(
        "Key of the audience the rater judged the page for (lmi:AudienceScheme notation); null: not said"))
    purpose: Mapped[str | None] = mapped_column(String(40), comment=(
        "Key of the purpose the rater judged the page for (lmi:PurposeScheme notation); null: not said"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None]


class PageMaturity(Base):
    """The current maturity of a page, recomputed whenever its ratings or revisions change."""

    __tablename__ = "page_maturity"
    __table_args__ = (Index("ix_page_maturity_phase", "phase"),)

    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    phase: Mapped[str] = mapped_column(String(30))
    contributions: Mapped[list[dict]] = mapped_column(JSON, default=list)
    approved_differs: Mapped[bool] = mapped_column(Boolean, default=False)
    assessed: Mapped[bool] = mapped_column(Boolean, default=False, comment="At least one colleague's rating counts")
    flags: Mapped[list[str]] = mapped_column(JSON, default=list, comment="not_assessed, near_empty, undated, expired")
    phase_reason: Mapped[str] = mapped_column(Text, default="")
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class MaturitySnapshot(Base):
    """A page's maturity whenever it changed: the page's score over time."""

    __tablename__ = "maturity_snapshot"
    __table_args__ = (Index("ix_maturity_snapshot_page_id_at", "page_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    score: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    phase: Mapped[str] = mapped_column(String(30))


APPROVAL_KINDS = ("reference", "trial")


class Approval(Base):
    """A manager's approval of a revision as the organisation's reference version, or for trial with clients
    (withdrawable; one live approval per page, of either kind)."""

    __tablename__ = "approval"
    __table_args__ = (
        Index("uq_approval_live", "page_id", unique=True,
              sqlite_where=text("withdrawn_at IS NULL"), postgresql_where=text("withdrawn_at IS NULL")),
        CheckConstraint("kind IN ('reference', 'trial')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id", ondelete="CASCADE"))
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(10), default="reference", server_default="reference",
                                      comment="reference (standardising) or trial (piloting with clients)")


class ClientUse(Base):
    """An adviser's mark that they used the page with a client that day: who and when only, no client data."""

    __tablename__ = "client_use"

    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, comment="UTC day: one mark per person, page and day")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)




class PageView(Base):
    """How often signed-in colleagues opened a page, per UTC day (a usage signal for review queues)."""

    __tablename__ = "page_view"

    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0)


class ReviewItem(Base):
    """A page's turn in one review queue: who works it, by when, and how it was resolved.

    At most one item per page and queue is open (a partial unique index on both databases); a resolved
    item stays as history, and a page that qualifies again later gets a new item.
    """

    __tablename__ = "review_item"
    __table_args__ = (
        Index("uq_review_item_open", "page_id", "queue", unique=True,
              sqlite_where=text("resolved_at IS NULL"), postgresql_where=text("resolved_at IS NULL")),
        Index("ix_review_item_assignee_id", "assignee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    queue: Mapped[str] = mapped_column(String(30), comment="stale, low_rated, low_rated_much_read, conflicting, unassessed")
    reason: Mapped[str] = mapped_column(Text, default="", comment="Why the page was in the queue when the item opened")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                       comment="The assignee themselves when they claimed it")
    assigned_at: Mapped[datetime | None]
    due_on: Mapped[date | None] = mapped_column(Date)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    resolution_note: Mapped[str] = mapped_column(Text, default="")
