"""Follows, feed read state and webhooks with their durable delivery queue.

Events themselves are not stored: the feed derives them at read time from the change log, the
maturity snapshots, annotations and tags (app/following/events.py), so the rights rule always
applies as of now. Only what a person chose (follows, read marks) and what must survive a crash
(webhook deliveries, the dispatcher's position) live here.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.models import _enum
from app.db import Base, utcnow


class FollowKind(str, enum.Enum):
    page = "page"
    space = "space"
    topic = "topic"
    person = "person"


class FollowState(str, enum.Enum):
    """`unfollowed` is remembered for pages only: it overrides following a page you edited or rated."""

    following = "following"
    unfollowed = "unfollowed"


class Follow(Base):
    """One person's explicit choice about one thing: follow it, or (pages) stop following it."""

    __tablename__ = "follow"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "target_id"),
        Index("ix_follow_kind_target_id", "kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[FollowKind] = mapped_column(_enum(FollowKind, "follow_kind"))
    target_id: Mapped[int] = mapped_column(Integer, comment="Page, space, topic or person id, by kind")
    state: Mapped[FollowState] = mapped_column(_enum(FollowState, "follow_state"), default=FollowState.following)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedState(Base):
    """Per person: automatic following on or off, and the position up to which the feed is read."""

    __tablename__ = "feed_state"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    auto_follow: Mapped[bool] = mapped_column(Boolean, default=True,
                                              comment="Follow pages you edit or rate without asking")
    read_up_to_at: Mapped[datetime | None] = mapped_column(comment="Events at or before this position are read")
    read_up_to_source: Mapped[int | None] = mapped_column(SmallInteger)
    read_up_to_id: Mapped[int | None] = mapped_column(BigInteger)


class FeedRead(Base):
    """One event marked as read on its own (beyond the read-up-to position)."""

    __tablename__ = "feed_read"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    source_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_at: Mapped[datetime] = mapped_column(comment="The event's time, to forget marks a read-up-to covers")
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class Webhook(Base):
    """An integration's URL and the event types it wants; organisation-wide or scoped to one space.

    The signing secret is not stored: it is derived from the server's secret key and `secret_salt`,
    so a copy of the database alone cannot forge deliveries.
    """

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), index=True,
                                                 comment="Null: organisation-wide (organisation-visible spaces only)")
    secret_salt: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryStatus(str, enum.Enum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class WebhookDelivery(Base):
    """One event to post to one hook: queued in the dispatching transaction, kept as history.

    A sender claims a due delivery by bumping `attempts` and pushing `next_attempt_at` a lease ahead
    in one conditional UPDATE, so two processes never post it at once and a crashed sender's claim
    simply runs out.
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),
        Index("ix_webhook_delivery_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(40), comment="The feed's event id, e.g. c123")
    event_type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text, comment="The JSON posted, fixed at queueing so retries are identical")
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus, "delivery_status"),
                                                   default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookCursor(Base):
    """How far the dispatcher has read one event source, per cluster (an app.changelog.Position)."""

    __tablename__ = "webhook_cursor"

    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    seen: Mapped[list[int]] = mapped_column(JSON, default=list, server_default=text("'[]'"),
                                            comment="ids applied within the reorder window behind position")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
