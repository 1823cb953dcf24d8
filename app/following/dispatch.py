"""Webhook delivery: a dispatcher that follows the event sources into a durable queue, and a sender.

Dispatching follows the change log and the maturity snapshots from a stored position (one per
cluster, in `webhook_cursor`) through the shared app.changelog.LogFollower, which finds entries that
committed late behind the newest one seen, and the valid-until events from a stored time; it queues
one delivery per (hook, event) in the same transaction that moves the position, and a unique
constraint makes queueing idempotent.

Sending claims a due delivery with one conditional UPDATE (attempts = seen value), pushing its next
attempt a lease ahead, so no two processes post it at once and a crashed sender's claim runs out.
Failures are retried with exponential backoff; delivery is at least once (receivers deduplicate on
`X-Mature-Delivery`).
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, true, update
from sqlalchemy.orm import Session

from app.auth.models import Space, User
from app.background import Loop
from app.changelog import Change, LogFollower, Position
from app.db import Database, upsert, utcnow
from app.following import events, webhooks
from app.following.models import DeliveryStatus, Webhook, WebhookCursor, WebhookDelivery
from app.pages.models import Page, Revision
from app.pages.presentation import authors
from app.quality.models import MaturitySnapshot

log = logging.getLogger(__name__)

VALIDITY_RESCAN = timedelta(days=2)  # valid-until events are looked for again this far back
LEASE = timedelta(seconds=60)  # a claimed delivery is due again after this if its sender died
TIMEOUT_SECONDS = 10.0
MAX_ATTEMPTS = 12
BACKOFF_BASE = 2.0  # seconds: 2, 4, 8 ... capped at an hour; about seven hours in all
BACKOFF_CAP = 3600.0
POLL_SECONDS = 1.0
RETENTION = timedelta(days=30)  # delivery history kept; events older than this are never (re)queued
SEND_BATCH = 50


@dataclass(frozen=True)
class Window:
    """The dispatcher's scope: the new rows of one source, or a time (it implements `events.Scope`)."""

    ids: tuple[int, ...] = ()
    since: datetime | None = None

    def pages(self, source, *, at, page_id, event_space_id, page_space_id, actor_id, kind):
        if source == events.VALIDITY:
            return at > self.since
        return Change.id.in_(self.ids) if source == events.CHANGE else true()  # phases: see row_window

    def row_window(self, source, row_id):
        return row_id.in_(self.ids)

    def topics(self, **_):  # not a webhook event type
        raise NotImplementedError

    def tags(self, _tag):  # tags stay inside the service (hidden tags, people's privacy)
        raise NotImplementedError


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1)))


# ---------------------------------------------------------------- dispatching: events -> queued deliveries


def dispatch(session: Session, base_url: str) -> int:
    """Queue deliveries for new events (in the caller's write transaction); returns how many were queued."""
    hooks = list(session.scalars(select(Webhook)))  # paused ones too: their deliveries wait for them
    queued = 0
    for source, model in SOURCES:
        cursor = _cursor(session, source)
        follower = _follower(cursor, model)
        fresh = follower.pending_ids(session)
        if not fresh:
            continue  # nothing new since the last round
        for start in range(0, len(fresh), ID_CHUNK):
            window = Window(ids=tuple(fresh[start:start + ID_CHUNK]))
            if hooks:
                query = (events.change_events(window) if source == "change"
                         else events.phase_events(window, few=True))
                queued += _queue(session, hooks, session.execute(query).all(), base_url)
        follower.applied(fresh)
        cursor.position, cursor.seen = follower.position.newest, sorted(follower.position.seen)
        cursor.updated_at = utcnow()
    queued += _dispatch_validity(session, hooks, base_url)
    return queued


SOURCES = (("change", Change), ("phase", MaturitySnapshot))
VALIDITY_EVERY = 60  # seconds; dates change once a day, so a minute's resolution is plenty
ID_CHUNK = 500  # ids per IN (...) list


def _follower(cursor: WebhookCursor, model: type[Change] | type[MaturitySnapshot]) -> LogFollower:
    return LogFollower(model, Position(cursor.position, set(cursor.seen or ())))


def has_work(session: Session) -> bool:
    """Whether a dispatch round would find anything, read without locks (so idle rounds take no write lock)."""
    cursors = {c.source: c for c in session.scalars(select(WebhookCursor))}
    for source, model in SOURCES:
        cursor = cursors.get(source)
        if cursor is None or _follower(cursor, model).has_pending(session):
            return True
    validity = cursors.get("validity")
    return validity is None or utcnow().timestamp() - validity.position >= VALIDITY_EVERY


def prune(session: Session, now: datetime) -> int:
    """Forget finished deliveries older than the retention (their events are past requeueing too)."""
    result = session.execute(delete(WebhookDelivery).where(
        WebhookDelivery.status != DeliveryStatus.pending, WebhookDelivery.created_at < now - RETENTION))
    return result.rowcount or 0


def _dispatch_validity(session: Session, hooks: list[Webhook], base_url: str) -> int:
    """Pages whose valid-until passed since the last look (time moves the source, not writes)."""
    cursor = _cursor(session, "validity")
    now = utcnow()
    if cursor.position and now.timestamp() - cursor.position < VALIDITY_EVERY:
        return 0
    since = datetime.fromtimestamp(cursor.position, now.tzinfo) - VALIDITY_RESCAN if cursor.position else now - VALIDITY_RESCAN
    queued = 0
    if hooks:
        rows = session.execute(events.validity_events(session, Window(since=since), now.date())).all()
        queued = _queue(session, hooks, rows, base_url)
    cursor.position, cursor.updated_at = int(now.timestamp()), now
    prune(session, now)  # once a minute at most, like this scan
    return queued


def _cursor(session: Session, source: str) -> WebhookCursor:
    """The source's position, locked so two dispatchers take turns."""
    query = select(WebhookCursor).where(WebhookCursor.source == source).with_for_update()
    cursor = session.scalar(query)
    if cursor is None:
        start = session.scalar(select(func.max(Change.id))) if source == "change" else None
        if source == "phase":
            start = session.scalar(select(func.max(MaturitySnapshot.id)))
        session.execute(upsert(session, WebhookCursor).values(source=source, position=start or 0, seen=[],
                                                     updated_at=utcnow()).on_conflict_do_nothing())
        cursor = session.scalar(query)
    assert cursor is not None
    return cursor


def _queue(session: Session, hooks: list[Webhook], rows: list, base_url: str) -> int:
    """One delivery per hook that wants the event and may receive it (see app.following.webhooks)."""
    if not rows:
        return 0
    page_ids = {row.page_id for row in rows}
    pages = {p.id: p for p in session.scalars(select(Page).where(Page.id.in_(page_ids)))}
    space_ids = {row.space_id for row in rows} | {p.space_id for p in pages.values()}
    spaces = {s.id: s for s in session.scalars(select(Space).where(Space.id.in_(space_ids)))}
    creators = {hook.created_by_id: session.get(User, hook.created_by_id) for hook in hooks if hook.space_id}
    reads = {user_id: webhooks.readable_by(session, user) for user_id, user in creators.items() if user}
    bodies: dict[str, str] = {}
    values = []
    horizon = utcnow() - RETENTION
    for row in rows:
        page = pages.get(row.page_id)
        if page is None or row.at < horizon:  # its delivery may have been pruned: never send it again
            continue
        event_id = str(events.EventId(row.source, row.row_id))
        for hook in hooks:
            if row.kind not in hook.event_types or row.at < hook.created_at:
                continue
            event_space = spaces.get(row.space_id)
            if event_space is None or not webhooks.may_receive(hook, event_space, spaces[page.space_id],
                                                               reads.get(hook.created_by_id, set())):
                continue
            if event_id not in bodies:
                bodies[event_id] = _body(session, row, event_id, page, base_url)
            values.append({"webhook_id": hook.id, "event_id": event_id, "event_type": row.kind,
                           "body": bodies[event_id], "status": DeliveryStatus.pending.value, "attempts": 0,
                           "next_attempt_at": utcnow(), "created_at": utcnow()})
    if not values:
        return 0
    inserted = session.execute(upsert(session, WebhookDelivery.__table__).values(values)
                               .on_conflict_do_nothing(index_elements=["webhook_id", "event_id"])
                               .returning(WebhookDelivery.__table__.c.id)).all()
    return len(inserted)


def _body(session: Session, row, event_id: str, page: Page, base_url: str) -> str:
    """The JSON an integration receives; fixed at queueing so every retry sends the same bytes."""
    change = session.get(Change, row.row_id) if row.source == events.CHANGE else None
    actor = None
    if row.actor_id and row.kind not in events.RATING_KINDS:  # ratings may be anonymous
        actor = authors(session, [row.actor_id])[row.actor_id].model_dump()
    page_url = f"{base_url}api/pages/{page.id}"
    diff = None
    if row.kind in ("page.edited", "page.reverted") and row.revision_id:
        parent = session.scalar(select(Revision.parent_id).where(Revision.id == row.revision_id))
        diff = f"{page_url}/diff?from={parent}&to={row.revision_id}" if parent else None
    details = dict(change.details or {}) if change else {}
    if row.kind == events.PHASE_CHANGED:
        details = {"from": row.old_value, "to": row.new_value}
    elif row.kind == events.VALID_UNTIL_PASSED:
        details = {"valid_until": row.new_value}
    return json.dumps({
        "id": event_id, "type": row.kind, "occurred_at": row.at.isoformat(),
        "page": {"id": page.id, "title": page.title, "space_id": page.space_id},
        "actor": actor, "revision_id": row.revision_id, "summary": change.summary if change else "",
        "details": details, "links": {"page": page_url, "diff": diff},
    }, separators=(",", ":"), sort_keys=True)


# ---------------------------------------------------------------- sending


@dataclass
class Outcome:
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect is an answer, not a new destination
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT_SECONDS) -> Outcome:
    """POST once; any answer other than 2xx, or none, is a failure to retry."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Outcome(response.status, None)
    except urllib.error.HTTPError as exc:
        return Outcome(exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Outcome(None, f"{type(exc).__name__}: {reason}"[:500])


class Sender:
    """Posts due deliveries, one claim at a time."""

    def __init__(self, database: Database, server_key: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.database = database
        self.server_key = server_key
        self.clock = clock

    def send_due(self, limit: int = SEND_BATCH) -> int:
        """Try every due delivery once; returns how many were attempted."""
        now = self.clock()
        with self.database.transaction(write=False) as session:
            due = session.execute(
                select(WebhookDelivery.id, WebhookDelivery.attempts).join(Webhook)
                .where(WebhookDelivery.status == DeliveryStatus.pending, WebhookDelivery.next_attempt_at <= now,
                       Webhook.active.is_(True))
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)).all()
        attempted = 0
        for delivery_id, attempts in due:
            claimed = self._claim(delivery_id, attempts, now)
            if claimed is None:
                continue  # another process took it
            self._finish(delivery_id, attempts + 1, self._send(*claimed))
            attempted += 1
        return attempted

    def _claim(self, delivery_id: int, attempts: int, now: datetime) -> tuple[str, str, str, int, str] | None:
        with self.database.transaction(write=True) as session:
            result = session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == DeliveryStatus.pending,
                       WebhookDelivery.attempts == attempts, WebhookDelivery.next_attempt_at <= now)
                .values(attempts=attempts + 1, next_attempt_at=now + LEASE, last_attempt_at=now)
                .execution_options(synchronize_session=False))
            if result.rowcount != 1:
                return None
            delivery = session.get(WebhookDelivery, delivery_id)
            hook = session.get(Webhook, delivery.webhook_id)
            return hook.url, webhooks.secret_for(self.server_key, hook), delivery.body, delivery.id, delivery.event_type

    def _send(self, url: str, secret: str, body: str, delivery_id: int, event_type: str) -> Outcome:
        payload = body.encode()
        headers = {"Content-Type": "application/json", "User-Agent": "MATURE-LMI-Webhooks",
                   webhooks.SIGNATURE_HEADER: webhooks.signature(secret, int(time.time()), payload),
                   "X-Mature-Event": event_type, "X-Mature-Delivery": str(delivery_id)}
        return post(url, payload, headers)

    def _finish(self, delivery_id: int, attempts: int, outcome: Outcome) -> None:
        now = self.clock()
        with self.database.transaction(write=True) as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is None:  # the hook was deleted meanwhile
                return
            delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error
            if outcome.ok:
                delivery.status, delivery.delivered_at = DeliveryStatus.delivered, now
            elif attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.failed
            else:
                delivery.next_attempt_at = now + backoff(attempts)
        if not outcome.ok:
            log.warning("webhook delivery %s failed (attempt %s): %s", delivery_id, attempts, outcome.error)


# ---------------------------------------------------------------- the background loop of a server process


class WebhookWorker:
    """Dispatches and sends in a thread, woken after each committed write and on a short timer."""

    def __init__(self, database: Database, server_key: str, base_url: str) -> None:
        self.database = database
        self.base_url = base_url
        self.sender = Sender(database, server_key)
        self._loop = Loop("webhook-worker", self._rounds, POLL_SECONDS, first=self._rounds)

    def run_once(self) -> int:
        """One round: queue new events, then post what is due; returns deliveries attempted."""
        with self.database.transaction(write=False) as session:
            hooks = session.scalar(select(Webhook.id).limit(1)) is not None
            work = hooks and has_work(session)
        if work:  # no write lock while nobody has registered a hook or nothing happened
            with self.database.transaction(write=True) as session:
                dispatch(session, self.base_url)
        return self.sender.send_due()

    def _rounds(self) -> None:
        while self.run_once() and not self._loop.stopping:
            pass  # a full batch may leave more due

    def start(self) -> None:
        self._loop.start()

    def wake(self) -> None:
        self._loop.wake()

    def stop(self, timeout: float = 10.0) -> None:
        self._loop.stop(timeout)
