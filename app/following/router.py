"""HTTP: follows, the personal feed, and webhooks (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.auth.dependencies import AdminUser, CurrentUser
from app.db import SessionDep
from app.errors import problem_responses
from app.following import events, feed, service, webhooks
from app.following.events import Position
from app.following.models import DeliveryStatus, FollowKind
from app.following.schemas import (
    DeliveryList, DeliveryRead, FeedList, FollowCreate, FollowList, FollowRead, FollowSettings, ReadMark,
    UnreadCount, WebhookCreate, WebhookCreated, WebhookRead, WebhookUpdate,
)
from app.following.service import FollowKey
from app.pagination import CursorQuery, InvalidCursor, LimitQuery, Page, decode_cursor, page_at, page_of, position

router = APIRouter(prefix="/api", tags=["following"])

TypesQuery = Annotated[list[events.EventType] | None, Query(
    alias="type", description="Only these event types (repeat the parameter for several).")]
FollowQuery = Annotated[str | None, Query(
    alias="follow", description="Only events that reach you through this follow (e.g. page-9, topic-4).",
    max_length=40)]


@router.get("/follows", response_model=FollowList, responses=problem_responses(400, 401, 422))
def list_follows(request: Request, user: CurrentUser, session: SessionDep,
                 kind: Annotated[FollowKind | None, Query(description="Only follows of this kind.")] = None,
                 limit: LimitQuery = 50, cursor: CursorQuery = None) -> FollowList:
    """What you follow, chosen or automatic (pages you edited or rated), of things you may still see."""
    after = decode_cursor(cursor, int, int)
    order = list(FollowKind)
    keys = [key for key in service.followed_keys(session, user) if kind is None or key.kind is kind]
    if after is not None:
        keys = [key for key in keys if (order.index(key.kind), key.target_id) > (after[0], after[1])]
    reads = service.follow_reads(session, user, keys[:limit + 1])
    page = page_of(request, reads, limit, lambda r: [order.index(FollowKind(r.kind)), r.target_id])
    return FollowList(items=page.items, next_cursor=page.next_cursor, next=page.next)


@router.post("/follows", response_model=FollowRead, status_code=status.HTTP_201_CREATED,
             responses={200: {"model": FollowRead, "description": "Already followed; nothing changed"},
                        **problem_responses(401, 404, 422)})
def create_follow(body: FollowCreate, response: Response, user: CurrentUser, session: SessionDep) -> FollowRead:
    """Follow a page, space, topic or person (following again is harmless and answers 200)."""
    key, changed = service.follow(session, user, FollowKind(body.kind), body.id)
    if not changed:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/follows/{key}"
    return service.follow_reads(session, user, [key])[0]


@router.get("/follows/settings", response_model=FollowSettings, responses=problem_responses(401))
def read_follow_settings(user: CurrentUser, session: SessionDep) -> FollowSettings:
    """Whether pages you edit or rate are followed automatically."""
    return FollowSettings(auto_follow=service.auto_follow_on(session, user))


@router.put("/follows/settings", response_model=FollowSettings, responses=problem_responses(401, 422))
def update_follow_settings(body: FollowSettings, user: CurrentUser, session: SessionDep) -> FollowSettings:
    """Turn automatic following of pages you edit or rate on or off (applies to past edits too)."""
    state = service.set_auto_follow(session, user, body.auto_follow)
    return FollowSettings(auto_follow=state.auto_follow)


@router.get("/follows/{follow_id}", response_model=FollowRead, responses=problem_responses(401, 404))
def read_follow(follow_id: str, user: CurrentUser, session: SessionDep) -> FollowRead:
    """One of your follows, by its id (kind-target_id)."""
    key = FollowKey.parse(follow_id)
    if key not in set(service.followed_keys(session, user)):
        raise service.FollowNotFound(f"You do not follow {follow_id}.")
    return service.follow_reads(session, user, [key])[0]


@router.delete("/follows/{follow_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(401, 404))
def delete_follow(follow_id: str, user: CurrentUser, session: SessionDep) -> Response:
    """Stop following. An unfollowed page stays unfollowed when you edit or rate it again (follow it to undo)."""
    service.unfollow(session, user, FollowKey.parse(follow_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- the feed


def _scope(session: SessionDep, user: CurrentUser, follow: str | None) -> feed.FeedScope:
    only = FollowKey.parse(follow) if follow else None
    return feed.scope_for(session, user, service.followed(session, user, only))


def _cursor_position(cursor: str | None) -> Position | None:
    values = decode_cursor(cursor, str, int, int)
    if values is None:
        return None
    try:
        at = datetime.fromisoformat(values[0])
    except ValueError as exc:
        raise InvalidCursor("The cursor is not one this API gave out; start again without `cursor`.") from exc
    if at.tzinfo is None or values[1] not in events.LETTERS:
        raise InvalidCursor("The cursor is not one this API gave out; start again without `cursor`.")
    return Position(at, values[1], values[2])


@router.get("/feed", response_model=FeedList, responses=problem_responses(400, 401, 404, 422))
def read_feed(request: Request, user: CurrentUser, session: SessionDep, types: TypesQuery = None,
              follow: FollowQuery = None,
              unread: Annotated[bool, Query(description="Only unread events.")] = False,
              limit: LimitQuery = 50, cursor: CursorQuery = None) -> FeedList:
    """Events on what you follow, newest first: edits (with a diff link), ratings, maturity phase changes,
    approvals, pages passing their valid-until date, new pages on your topics, tags about you and the people
    you follow. Events on pages you can no longer read are left out."""
    scope = _scope(session, user, follow)
    rows = feed.list_events(session, scope, types=types, unread_only=unread, before=_cursor_position(cursor),
                            limit=limit)
    page = page_of(request, rows, limit, lambda r: [r.at.isoformat(), r.event_id.source, r.event_id.row_id])
    return FeedList(items=feed.event_reads(session, user, page.items), next_cursor=page.next_cursor, next=page.next)


@router.get("/feed/unread-count", response_model=UnreadCount, responses=problem_responses(401, 404, 422))
def feed_unread_count(user: CurrentUser, session: SessionDep, types: TypesQuery = None,
                      follow: FollowQuery = None) -> UnreadCount:
    """How many events in your feed you have not read (with the same filters as the feed)."""
    return UnreadCount(unread=feed.unread_count(session, _scope(session, user, follow), types))


@router.post("/feed/read", response_model=UnreadCount, responses=problem_responses(401, 404, 422))
def mark_feed_read(body: ReadMark, user: CurrentUser, session: SessionDep) -> UnreadCount:
    """Mark events read: single ones (`event_ids`), or everything up to and including one (`up_to`).
    Answers how many are still unread."""
    scope = _scope(session, user, None)
    if body.up_to is not None:
        feed.mark_read_up_to(session, scope, body.up_to)
    else:
        feed.mark_read(session, scope, body.event_ids or [])
    return UnreadCount(unread=feed.unread_count(session, scope))


# ---------------------------------------------------------------- webhooks (admins)


@router.post("/webhooks", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED,
             responses=problem_responses(401, 403, 404, 422))
def create_webhook(request: Request, body: WebhookCreate, admin: AdminUser, session: SessionDep) -> WebhookCreated:
    """Register a URL for event types, organisation-wide (organisation-visible spaces only) or for one space you may
    read. The signing secret is in this answer only: keep it to verify X-Mature-Signature."""
    hook = webhooks.create(session, admin, body)
    read = webhooks.hook_reads(session, [hook])[0]
    return WebhookCreated(**read.model_dump(), secret=webhooks.secret_for(request.app.state.secret_key, hook))


@router.get("/webhooks", response_model=Page[WebhookRead], responses=problem_responses(400, 401, 403))
def list_webhooks(request: Request, admin: AdminUser, session: SessionDep, limit: LimitQuery = 50,
                  cursor: CursorQuery = None) -> Page[WebhookRead]:
    """Registered hooks you may see (organisation-wide ones and those of spaces you may read)."""
    start = position(cursor)
    hooks = list(session.scalars(webhooks.visible_hooks(admin).order_by(webhooks.Webhook.id)
                                 .offset(start).limit(limit + 1)))
    return page_at(request, webhooks.hook_reads(session, hooks), limit, start)


@router.get("/webhooks/{webhook_id}", response_model=WebhookRead, responses=problem_responses(401, 403, 404))
def read_webhook(webhook_id: int, admin: AdminUser, session: SessionDep) -> WebhookRead:
    """One hook (without its secret, which is shown only at creation)."""
    return webhooks.hook_reads(session, [webhooks.get(session, admin, webhook_id)])[0]


@router.patch("/webhooks/{webhook_id}", response_model=WebhookRead, responses=problem_responses(401, 403, 404, 422))
def update_webhook(webhook_id: int, body: WebhookUpdate, admin: AdminUser, session: SessionDep) -> WebhookRead:
    """Change a hook's URL, event types or description, or pause it (`active: false`): its deliveries are still
    queued but wait until it is active again."""
    hook = webhooks.update(webhooks.get(session, admin, webhook_id), body)
    return webhooks.hook_reads(session, [hook])[0]


@router.delete("/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(401, 403, 404))
def delete_webhook(webhook_id: int, admin: AdminUser, session: SessionDep) -> Response:
    """Remove a hook with its queued deliveries and history."""
    session.delete(webhooks.get(session, admin, webhook_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=DeliveryList,
            responses=problem_responses(400, 401, 403, 404, 422))
def list_deliveries(request: Request, webhook_id: int, admin: AdminUser, session: SessionDep,
                    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
                    limit: LimitQuery = 50, cursor: CursorQuery = None) -> DeliveryList:
    """The hook's deliveries, newest first: status, attempts, the last answer or error, the next retry."""
    hook = webhooks.get(session, admin, webhook_id)
    after = decode_cursor(cursor, int)
    rows = webhooks.deliveries(session, hook, status=status_, before_id=after[0] if after else None, limit=limit)
    page = page_of(request, [DeliveryRead.model_validate(row) for row in rows], limit, lambda d: [d.id])
    return DeliveryList(items=page.items, next_cursor=page.next_cursor, next=page.next)
