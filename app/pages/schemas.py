"""Request and response bodies for pages, revisions, diffs and recent changes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CONTENT_LIMIT = 2_000_000  # characters; a page larger than this is almost certainly a mistake

TITLE = Field(min_length=1, max_length=200, examples=["Health and social care in the North East"])
CATEGORIES = Field(default_factory=list, max_length=50, examples=[["Sector profile", "Health and social care"]])


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AuthorRead(Schema):
    id: int
    username: str
    display_name: str


class PageCreate(Schema):
    space_id: int = Field(examples=[1])
    title: str = TITLE
    content: str = Field("", max_length=CONTENT_LIMIT, examples=["## Key facts\n\nDemand for [[Care workers]] ..."])
    categories: list[str] = CATEGORIES
    summary: str = Field("", max_length=500, examples=["First notes from the jobs fair"])


class PageEdit(Schema):
    """An edit: new content and/or categories, based on a revision you read."""

    content: str | None = Field(None, max_length=CONTENT_LIMIT)
    categories: list[str] | None = Field(None, max_length=50)
    summary: str = Field("", max_length=500, examples=["Updated pay figures from ASHE 2026"])
    minor: bool = False
    base_revision: int | None = Field(
        None, description="The revision your edit is based on (or send If-Match with its ETag).", examples=[12]
    )
    on_conflict: Literal["merge", "fail"] = Field(
        "merge", description="If the page changed since base_revision: merge non-overlapping edits, or fail with 409."
    )


class PageMove(Schema):
    title: str = TITLE
    space_id: int | None = Field(None, description="Move to another space (you need edit rights in both).")
    summary: str = Field("", max_length=500)


class PageRevert(Schema):
    revision_id: int = Field(description="The revision whose content to bring back.", examples=[7])
    summary: str = Field("", max_length=500)


class LinkRead(Schema):
    title: str
    exists: bool
    page_id: int | None = None


class RevisionSummary(Schema):
    id: int
    number: int
    parent_id: int | None
    title: str
    summary: str
    minor: bool
    kind: str = Field(description="create, edit, revert or move", examples=["edit"])
    reverted_to_id: int | None = None
    size: int
    author: AuthorRead
    created_at: datetime


class RevisionRead(RevisionSummary):
    page_id: int
    content: str
    categories: list[str]
    html: str = Field(description="Sanitised HTML of the content.")


class PageRead(Schema):
    id: int
    space_id: int
    title: str
    content: str
    html: str = Field(description="Sanitised HTML; wiki links carry data-page-title, missing ones class 'missing'.")
    categories: list[str] = Field(description="Explicit categories plus [[Category:...]] in the text.")
    links: list[LinkRead]
    revision: RevisionSummary
    etag: str = Field(description="Send as If-Match (or its revision id as base_revision) when editing.")
    created_at: datetime
    updated_at: datetime
    deleted: bool = False
    redirected_from: str | None = Field(None, description="Set when found by an old title.")


class PageListItem(Schema):
    id: int
    space_id: int
    title: str
    categories: list[str]
    revision_id: int
    updated_at: datetime
    updated_by: AuthorRead


class EditResult(PageRead):
    changed: bool = Field(description="False when the edit changed nothing (no revision was made).")
    merged: bool = Field(description="True when your edit was merged with changes saved since your base revision.")
    merged_with: list[int] = Field(default_factory=list, description="Revisions your edit was merged with.")


class DiffLineRead(Schema):
    op: Literal["equal", "insert", "delete"]
    text: str
    old_line: int | None
    new_line: int | None


class HunkRead(Schema):
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    lines: list[DiffLineRead]


class DiffRead(Schema):
    page_id: int
    from_revision: RevisionSummary
    to_revision: RevisionSummary
    unified: str = Field(description="The diff in unified format.")
    hunks: list[HunkRead]
    added_lines: int
    removed_lines: int
    title_changed: bool
    categories_added: list[str]
    categories_removed: list[str]


class BacklinkRead(Schema):
    id: int
    title: str
    space_id: int


class WantedPageRead(Schema):
    title: str
    linked_from: list[BacklinkRead]


class ChangeRead(Schema):
    id: int
    at: datetime
    kind: str = Field(examples=["page.edited"])
    summary: str
    page_id: int | None
    page_title: str | None
    space_id: int | None
    revision_id: int | None
    actor: AuthorRead | None
    minor: bool = False
    details: dict = Field(default_factory=dict)
