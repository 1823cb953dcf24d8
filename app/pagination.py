"""Keyset pagination with opaque cursors, shared by every list endpoint."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel, ConfigDict, Field

from app.errors import ProblemError
from app.schema import Schema

T = TypeVar("T")

MAX_LIMIT = 200


class Page(Schema, Generic[T]):
    """One page of a list; follow `next` (or pass `next_cursor` as `cursor`) for the next."""

    def _examples(schema: dict[str, Any], model: type[BaseModel]) -> None:  # type: ignore[misc]
        """OpenAPI example of `Page[Item]`: the item model's own examples, with the links to the next page."""
        args = model.__pydantic_generic_metadata__["args"]
        item = args[0] if args else None
        if not (isinstance(item, type) and issubclass(item, BaseModel)):
            return
        extra = item.model_config.get("json_schema_extra")
        items = extra.get("examples") if isinstance(extra, dict) else None
        if not isinstance(items, list) or not items:
            return
        # Where each list lives and what its cursor holds (see the list endpoints' `page_of` keys; the lists
        # paged by position, `page_at`, hold ["at", where the next page starts]).
        at = lambda shown: ["at", len(shown)]
        lists: dict[str, tuple[str, Any]] = {
            "UserRead": ("/api/users", lambda shown: [shown[-1]["username"]]),
            "PageListItem": ("/api/pages", lambda shown: [shown[-1]["title"].casefold(), shown[-1]["id"]]),
            "RevisionSummary": ("/api/pages/9/revisions", lambda shown: [shown[-1]["number"]]),
            "ChangeRead": ("/api/recent-changes", lambda shown: [shown[-1]["id"]]),
            "BookmarkRead": ("/api/bookmarks", lambda shown: [shown[-1]["page_id"]]),
            "SpaceRead": ("/api/spaces", at), "MemberRead": ("/api/spaces/2/members", at),
            "TokenRead": ("/api/tokens", at), "BacklinkRead": ("/api/pages/9/backlinks", at),
            "WantedPageRead": ("/api/spaces/2/wanted-pages", at), "RatingRead": ("/api/pages/9/ratings", at),
            "WebhookRead": ("/api/webhooks", at), "TeamMemberRead": ("/api/teams/2/members", at),
            "TeamRead": ("/api/teams", at), "ProfileRead": ("/api/reports/profiles", at),
            "SnapshotRead": ("/api/reports/snapshots", at), "QueueItem": ("/api/quality/review-queue", at),
            "ReviewItemRead": ("/api/quality/review-items", at),
        }
        example: dict[str, Any] = {"items": items, "next_cursor": None, "next": None}
        if item.__name__ in lists:
            path, key = lists[item.__name__]
            cursor = encode_cursor(key(items))
            example.update(next_cursor=cursor, next=f"https://lmi.example.org{path}?limit={len(items)}&cursor={cursor}")
        schema["examples"] = [example]

    model_config = ConfigDict(json_schema_extra=_examples)

    items: list[T]
    next_cursor: str | None = Field(None, description="Opaque; pass as `cursor` to get the next page.")
    next: str | None = Field(None, description="The URL of the next page, or null on the last page.")


class InvalidCursor(ProblemError):
    status = 400
    title = "Invalid cursor"


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, *shape: type) -> list[Any] | None:
    """The values inside a cursor, checked against the expected types (`shape`)."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor("The cursor is not one this API gave out; start again without `cursor`.") from exc
    if not isinstance(values, list) or (shape and (
        len(values) != len(shape) or not all(type(v) is t for v, t in zip(values, shape, strict=True))
    )):
        raise InvalidCursor("The cursor is not one this API gave out; start again without `cursor`.")
    return values


LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
OffsetQuery = Annotated[int, Query(ge=0, description="Skip this many items (or follow `next`); ignored with `cursor`.")]
CursorQuery = Annotated[str | None, Query(description="`next_cursor` from the previous page.")]


def position(cursor: str | None, offset: int = 0) -> int:
    """Where a positional cursor (from `page_at`) starts; without one, `offset` (lists that took it before)."""
    values = decode_cursor(cursor, str, int)
    if values is None:
        return offset
    if values[0] != "at" or values[1] < 0:
        raise InvalidCursor("The cursor is not one this API gave out; start again without `cursor`.")
    return int(values[1])


def page_at(request: Request, items: Sequence[T], limit: int, start: int) -> Page[T]:
    """A `Page` of up to limit+1 items fetched from position `start` (for lists without a natural keyset)."""
    if len(items) <= limit:
        return Page(items=list(items))
    cursor = encode_cursor(["at", start + limit])
    following = request.url.remove_query_params("offset").include_query_params(cursor=cursor)
    return Page(items=list(items[:limit]), next_cursor=cursor, next=str(following))


def page_of_list(request: Request, items: Sequence[T], limit: int, cursor: str | None) -> Page[T]:
    """One page of a list already in memory (small, per-page or per-user lists)."""
    start = position(cursor)
    return page_at(request, items[start:start + limit + 1], limit, start)


def page_of(request: Request, items: list[T], limit: int, key: Any) -> Page[T]:
    """Build a `Page` from up to limit+1 fetched items; `key(item)` gives the cursor values."""
    has_more = len(items) > limit
    items = items[:limit]
    if not has_more or not items:
        return Page(items=items)
    cursor = encode_cursor(key(items[-1]))
    return Page(items=items, next_cursor=cursor, next=str(request.url.include_query_params(cursor=cursor)))
