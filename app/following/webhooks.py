"""Webhooks: registration by admins, the scope rule, signing, and the delivery history.

The scope rule (which events a hook may ever receive; it lives in app.auth.rights with the rest of the rule):

- a hook scoped to a space receives the events of pages in that space. Only an admin who may read the
  space can create it (personal spaces: only if the admin owns or shares it), and it receives nothing
  while its creator can no longer read the space;
- an organisation-wide hook (no space) receives only events from organisation spaces visible to the
  whole organisation, so members-only and personal pages never leave through it.

Both the space where a change happened and the page's space now must pass. Signing: each hook has a
secret shown once at creation, derived from the server's secret key and a random salt stored with the
hook (the database alone cannot forge deliveries). Every POST carries
`X-Mature-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.auth.models import Space, User
from app.auth.rights import Right, readable_space_ids, right_in_space, visible_webhook_filter, webhook_may_receive
from app.following.events import WEBHOOK_EVENT_TYPES
from app.following.exceptions import InvalidWebhook, WebhookNotFound
from app.following.models import DeliveryStatus, Webhook, WebhookDelivery
from app.following.schemas import WebhookCreate, WebhookRead, WebhookUpdate
from app.pages.presentation import authors

SIGNATURE_HEADER = "X-Mature-Signature"


# ---------------------------------------------------------------- secrets and signatures


def secret_for(server_key: str, hook: Webhook) -> str:
    """The hook's signing secret (never stored, never logged)."""
    digest = hmac.new(server_key.encode(), f"webhook:{hook.id}:{hook.secret_salt}".encode(), hashlib.sha256).digest()
    return "whsec_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value receivers check: HMAC-SHA256 over `timestamp + "." + body`."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: recompute the signature and refuse old timestamps (replays)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not parts.get("t", "").isdigit() or abs(now - int(parts["t"])) > tolerance:
        return False
    expected = signature(secret, int(parts["t"]), body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# ---------------------------------------------------------------- registration


def _check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidWebhook("url: give an absolute http:// or https:// URL.")
    if parts.username or parts.password:
        raise InvalidWebhook("url: credentials in the URL would be stored in clear; verify the signature instead.")
    return url


def _check_types(event_types: list[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(WEBHOOK_EVENT_TYPES))
    if unknown:
        raise InvalidWebhook(f"event_types: unknown {', '.join(unknown)}; choose from {', '.join(WEBHOOK_EVENT_TYPES)}.")
    return sorted(set(event_types), key=WEBHOOK_EVENT_TYPES.index)


def create(session: Session, admin: User, body: WebhookCreate) -> Webhook:
    """Register a hook; a space-scoped one only in a space the admin may read (404 otherwise)."""
    if body.space_id is not None:
        space = session.get(Space, body.space_id)
        if space is None or right_in_space(session, admin, space) < Right.read:
            raise InvalidWebhook(f"space_id: there is no space {body.space_id} that you can read.", status=404,
                                 title="Space not found")
    hook = Webhook(url=_check_url(body.url), event_types=_check_types(body.event_types), space_id=body.space_id,
                   description=body.description.strip(), secret_salt=secrets.token_hex(16), active=True,
                   created_by_id=admin.id)
    session.add(hook)
    session.flush()
    return hook


def visible_hooks(admin: User) -> Select[tuple[Webhook]]:
    """Hooks an admin may see: organisation-wide ones and those of spaces they may read."""
    return select(Webhook).where(visible_webhook_filter(admin, Webhook.space_id))


def get(session: Session, admin: User, hook_id: int) -> Webhook:
    hook = session.scalar(visible_hooks(admin).where(Webhook.id == hook_id))
    if hook is None:
        raise WebhookNotFound(f"There is no webhook {hook_id} that you can see.")
    return hook


def update(hook: Webhook, body: WebhookUpdate) -> Webhook:
    if body.url is not None:
        hook.url = _check_url(body.url)
    if body.event_types is not None:
        hook.event_types = _check_types(body.event_types)
    if body.description is not None:
        hook.description = body.description.strip()
    if body.active is not None:
        hook.active = body.active
    return hook


def hook_reads(session: Session, hooks: list[Webhook]) -> list[WebhookRead]:
    creators = authors(session, (hook.created_by_id for hook in hooks))
    return [WebhookRead(id=h.id, url=h.url, description=h.description, event_types=list(h.event_types),
                        space_id=h.space_id, active=h.active, created_by=creators[h.created_by_id],
                        created_at=h.created_at) for h in hooks]


def deliveries(session: Session, hook: Webhook, *, status: DeliveryStatus | None, before_id: int | None,
               limit: int) -> list[WebhookDelivery]:
    """The hook's delivery history, newest first."""
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    return list(session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit + 1)))


# ---------------------------------------------------------------- the scope rule, for the dispatcher


def may_receive(hook: Webhook, event_space: Space, page_space: Space, creator_reads: set[int]) -> bool:
    """The scope rule (app.auth.rights.webhook_may_receive), for one event and hook."""
    return webhook_may_receive(hook.space_id, event_space, page_space, creator_reads)


def readable_by(session: Session, user: User) -> set[int]:
    return set(session.scalars(readable_space_ids(user)))
