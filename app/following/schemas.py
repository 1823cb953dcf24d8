"""Request and response bodies for follows, the feed and webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from app.following.events import EVENT_TYPES
from app.pages.schemas import AuthorRead
from app.schema import RequestSchema, Schema

_ALICE = {"id": 3, "username": "alice", "display_name": "Alice Okafor"}


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(from_attributes=True, json_schema_extra={"examples": list(examples)})


# ---------------------------------------------------------------- follows


class FollowCreate(RequestSchema):
    model_config = _examples({"kind": "page", "id": 9}, {"kind": "topic", "id": 4})

    kind: Literal["page", "space", "topic", "person"]
    id: int = Field(ge=1, description="The page, space, topic or person to follow.")


class FollowRead(Schema):
    model_config = _examples(
        {"id": "page-9", "kind": "page", "target_id": 9, "label": "Health and social care in the North East",
         "automatic": True, "since": None, "url": "/api/pages/9"},
        {"id": "topic-4", "kind": "topic", "target_id": 4, "label": "Apprenticeships", "automatic": False,
         "since": "2026-11-20T09:00:00Z", "url": "/api/topics/4"})

    id: str = Field(description="kind-target_id; DELETE /api/follows/{id} stops following.")
    kind: Literal["page", "space", "topic", "person"]
    target_id: int
    label: str = Field(description="The page title, space name, topic label or person's name.")
    automatic: bool = Field(description="Followed because you edited or rated the page (not chosen explicitly).")
    since: datetime | None = Field(description="When you chose to follow it (null for automatic follows).")
    url: str


class FollowList(Schema):
    """One page of your follows; follow `next` for more."""

    model_config = _examples({
        "items": [{"id": "page-9", "kind": "page", "target_id": 9, "label": "Health and social care in the North East",
                   "automatic": True, "since": None, "url": "/api/pages/9"}],
        "next_cursor": "WzAsOV0", "next": "https://lmi.example.org/api/follows?limit=1&cursor=WzAsOV0"})

    items: list[FollowRead]
    next_cursor: str | None = None
    next: str | None = None


class FollowSettings(RequestSchema):
    model_config = _examples({"auto_follow": False})

    auto_follow: bool = Field(description="Follow pages you edit or rate without asking (pages you unfollowed "
                                          "stay unfollowed either way).")


# ---------------------------------------------------------------- the feed


class EventPage(Schema):
    model_config = _examples({"id": 9, "title": "Health and social care in the North East", "space_id": 2,
                              "deleted": False})

    id: int
    title: str
    space_id: int
    deleted: bool


class EventTopic(Schema):
    model_config = _examples({"id": 4, "label": "Apprenticeships",
                              "iri": "https://w3id.org/mature-lmi/topics/apprenticeships"})

    id: int
    label: str
    iri: str


class EventPerson(Schema):
    model_config = _examples({"id": 5, "name": "Alice Okafor"})

    id: int
    name: str


class EventLinks(Schema):
    model_config = _examples({"page": "/api/pages/9", "diff": "/api/pages/9/diff?from=13&to=14"})

    page: str | None = None
    diff: str | None = Field(None, description="The change as a diff (edits and reverts).")


class FeedEvent(Schema):
    model_config = _examples(
        {"id": "c812", "type": "page.edited", "at": "2026-11-21T14:03:00Z", "read": False,
         "page": {"id": 9, "title": "Health and social care in the North East", "space_id": 2, "deleted": False},
         "actor": _ALICE, "revision_id": 14, "summary": "Added the April 2026 National Living Wage rate",
         "details": {"minor": False}, "topic": None, "person": None,
         "links": {"page": "/api/pages/9", "diff": "/api/pages/9/diff?from=13&to=14"}},
        {"id": "m77", "type": "page.phase_changed", "at": "2026-11-21T14:05:00Z", "read": True,
         "page": {"id": 9, "title": "Health and social care in the North East", "space_id": 2, "deleted": False},
         "actor": None, "revision_id": None, "summary": "emerging → consolidating",
         "details": {"from": "emerging", "to": "consolidating"}, "topic": None, "person": None,
         "links": {"page": "/api/pages/9", "diff": None}})

    id: str = Field(description="Stable and opaque; use it to mark the event read.")
    type: str = Field(description=f"One of: {', '.join(EVENT_TYPES)}.")
    at: datetime
    read: bool
    page: EventPage | None = None
    actor: AuthorRead | None = Field(None, description="Who did it (null for derived events and anonymous ratings).")
    revision_id: int | None = None
    summary: str = ""
    details: dict[str, Any] = Field(default_factory=dict)
    topic: EventTopic | None = None
    person: EventPerson | None = Field(None, description="For person.tagged: who was tagged.")
    links: EventLinks


class FeedList(Schema):
    """One page of your feed, newest first; follow `next` for older events."""

    model_config = _examples({
        "items": [FeedEvent.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
        "next_cursor": "WyIyMDI2LTExLTIxVDE0OjAzOjAwKzAwOjAwIiwxLDgxMl0",
        "next": "https://lmi.example.org/api/feed?limit=1&cursor=WyIyMDI2LTExLTIxVDE0OjAzOjAwKzAwOjAwIiwxLDgxMl0"})

    items: list[FeedEvent]
    next_cursor: str | None = None
    next: str | None = None


class UnreadCount(Schema):
    model_config = _examples({"unread": 4})

    unread: int


class ReadMark(RequestSchema):
    """Mark single events read (`event_ids`) or everything up to and including one event (`up_to`)."""

    model_config = _examples({"event_ids": ["c812"]}, {"up_to": "m77"})

    event_ids: list[str] | None = Field(None, min_length=1, max_length=200)
    up_to: str | None = Field(None, max_length=40)

    @model_validator(mode="after")
    def _one_of(self) -> ReadMark:
        if (self.event_ids is None) == (self.up_to is None):
            raise ValueError("give either event_ids or up_to")
        return self


# ---------------------------------------------------------------- webhooks


class WebhookCreate(RequestSchema):
    model_config = _examples({"url": "https://intranet.example.org/hooks/lmi", "event_types": ["page.edited",
                              "page.approved"], "space_id": None, "description": "Intranet news"})

    url: str = Field(max_length=2000, description="http(s) URL that receives a POST per event.")
    event_types: list[str] = Field(min_length=1, description="Event types to receive.")
    space_id: int | None = Field(None, description="Only this space's events (null: every organisation-visible "
                                                   "space).")
    description: str = Field("", max_length=500)


class WebhookUpdate(RequestSchema):
    model_config = _examples({"active": False})

    url: str | None = Field(None, max_length=2000)
    event_types: list[str] | None = Field(None, min_length=1)
    description: str | None = Field(None, max_length=500)
    active: bool | None = None


class WebhookRead(Schema):
    model_config = _examples({
        "id": 2, "url": "https://intranet.example.org/hooks/lmi", "description": "Intranet news",
        "event_types": ["page.edited", "page.approved"], "space_id": None, "active": True, "created_by": _ALICE,
        "created_at": "2026-11-20T09:00:00Z"})

    id: int
    url: str
    description: str
    event_types: list[str]
    space_id: int | None
    active: bool
    created_by: AuthorRead
    created_at: datetime


class WebhookCreated(WebhookRead):
    model_config = _examples({
        "id": 2, "url": "https://intranet.example.org/hooks/lmi", "description": "Intranet news",
        "event_types": ["page.edited", "page.approved"], "space_id": None, "active": True, "created_by": _ALICE,
        "created_at": "2026-11-20T09:00:00Z", "secret": "whsec_3q2+7w9cN1..."})

    secret: str = Field(description="Shown only now: verify X-Mature-Signature with it.")


class DeliveryRead(Schema):
    model_config = _examples({
        "id": 31, "event_id": "c812", "event_type": "page.edited", "status": "pending", "attempts": 2,
        "next_attempt_at": "2026-11-21T14:03:12Z", "last_attempt_at": "2026-11-21T14:03:08Z",
        "last_status_code": 503, "last_error": "HTTP 503", "delivered_at": None,
        "created_at": "2026-11-21T14:03:01Z"})

    id: int
    event_id: str
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryList(Schema):
    """One page of a hook's delivery history, newest first; follow `next` for older ones."""

    model_config = _examples({
        "items": [DeliveryRead.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
        "next_cursor": "WzMxXQ", "next": "https://lmi.example.org/api/webhooks/2/deliveries?limit=1&cursor=WzMxXQ"})

    items: list[DeliveryRead]
    next_cursor: str | None = None
    next: str | None = None
