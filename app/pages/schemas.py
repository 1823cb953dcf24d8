"""Request and response bodies for pages, revisions, diffs and recent changes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from app.schema import RequestSchema, Schema, with_examples

CONTENT_LIMIT = 2_000_000  # characters; a page larger than this is almost certainly a mistake

TITLE = Field(min_length=1, max_length=200, examples=["Health and social care in the North East"])
CATEGORIES = Field(default_factory=list, max_length=50, examples=[["Sector profile", "Health and social care"]])


# One small, consistent world for the examples. In the North East team's space (id 1), page 9 "Health and
# social care in the North East" was created by Alice (revision 7), extended by Ben (10) and Carol (12, the
# ETag "rev-12"); Alice then added the 2026 National Living Wage rate (14). Revision ids count across all
# pages; `size` is the content's length in UTF-8 bytes. Content, HTML and diffs are what the service makes.
_ALICE = {"id": 3, "username": "alice", "display_name": "Alice Okafor"}
_BEN = {"id": 4, "username": "ben", "display_name": "Ben Hughes"}
_CAROL = {"id": 2, "username": "carol", "display_name": "Carol Singh"}
_TITLE = "Health and social care in the North East"
_CATEGORIES = ["Sector profile", "Health and social care"]
_HOSPITALITY = "Hospitality and tourism in the North East"
_CONTENT_7 = """\
## Summary

Health and social care is one of the biggest employers in the North East. \
NHS trusts and care providers recruit all year.

## Local tips

- A driving licence is close to essential for home care in rural Northumberland.
"""
_CONTENT_10 = """\
## Summary

Health and social care is one of the biggest employers in the North East. \
NHS trusts and care providers recruit all year.

## Routes in

- Level 2 Healthcare support worker apprenticeship
- Level 5 [[Nursing associate]] apprenticeship, usually for existing staff

## Local tips

- A driving licence is close to essential for home care in rural Northumberland.
- Clients moving from retail bring useful customer skills: see [[Hospitality and tourism in the North East]].
"""
_CONTENT_12 = """\
## Summary

Health and social care is the largest employing sector in the North East, with roughly one job in six in the \
region (ONS Business Register and Employment Survey, 2023).

## Key facts

- Adult social care: around 80,000 filled posts in the region (Skills for Care, 2024)
- Care worker pay is close to the National Living Wage.

## Routes in

- Level 2 Healthcare support worker apprenticeship
- Level 5 [[Nursing associate]] apprenticeship, usually for existing staff

## Local tips

- A driving licence is close to essential for home care in rural Northumberland.
- Clients moving from retail bring useful customer skills: see [[Hospitality and tourism in the North East]].
"""
_PAY_12 = "- Care worker pay is close to the National Living Wage."
_PAY_14 = "- Care worker pay is close to the National Living Wage (£12.71 an hour from April 2026)."
_CONTENT_14 = _CONTENT_12.replace(_PAY_12, _PAY_14)
_HTML_SUMMARY_OLD = (
    "<h2>Summary</h2>\n<p>Health and social care is one of the biggest employers in the North East. "
    "NHS trusts and care providers recruit all year.</p>\n"
)
_HTML_SUMMARY_NEW = (
    "<h2>Summary</h2>\n<p>Health and social care is the largest employing sector in the North East, with roughly "
    "one job in six in the region (ONS Business Register and Employment Survey, 2023).</p>\n"
)
_HTML_ROUTES = (
    "<h2>Routes in</h2>\n<ul>\n<li>Level 2 Healthcare support worker apprenticeship</li>\n"
    '<li>Level 5 <a class="wikilink missing" data-page-title="Nursing associate" '
    'href="/api/spaces/1/pages/Nursing%20associate" rel="noopener noreferrer nofollow">Nursing associate</a> '
    "apprenticeship, usually for existing staff</li>\n</ul>\n"
)
_HTML_TIPS = (
    "<h2>Local tips</h2>\n<ul>\n"
    "<li>A driving licence is close to essential for home care in rural Northumberland.</li>\n"
    '<li>Clients moving from retail bring useful customer skills: see <a class="wikilink" '
    'data-page-title="Hospitality and tourism in the North East" '
    'href="/api/spaces/1/pages/Hospitality%20and%20tourism%20in%20the%20North%20East" '
    'rel="noopener noreferrer nofollow">Hospitality and tourism in the North East</a>.</li>\n</ul>\n'
)


def _html_key_facts(pay: str) -> str:
    return (
        "<h2>Key facts</h2>\n<ul>\n"
        "<li>Adult social care: around 80,000 filled posts in the region (Skills for Care, 2024)</li>\n"
        f"<li>{pay.removeprefix('- ')}</li>\n</ul>\n"
    )


_HTML_10 = _HTML_SUMMARY_OLD + _HTML_ROUTES + _HTML_TIPS
_HTML_12 = _HTML_SUMMARY_NEW + _html_key_facts(_PAY_12) + _HTML_ROUTES + _HTML_TIPS
_HTML_14 = _HTML_SUMMARY_NEW + _html_key_facts(_PAY_14) + _HTML_ROUTES + _HTML_TIPS
_LINKS = [
    {"title": "Nursing associate", "exists": False, "page_id": None},
    {"title": _HOSPITALITY, "exists": True, "page_id": 11},
]
_REVISION_10 = {
    "id": 10, "number": 2, "parent_id": 7, "title": _TITLE, "summary": "Added apprenticeship routes and a retail tip",
    "minor": False, "kind": "edit", "reverted_to_id": None, "size": len(_CONTENT_10.encode()), "author": _BEN,
    "created_at": "2026-10-05T14:05:00Z",
}
_REVISION_12 = {
    "id": 12, "number": 3, "parent_id": 10, "title": _TITLE, "summary": "Added key facts with sources",
    "minor": False, "kind": "edit", "reverted_to_id": None, "size": len(_CONTENT_12.encode()), "author": _CAROL,
    "created_at": "2026-11-02T10:15:00Z",
}
_REVISION_14 = {
    "id": 14, "number": 4, "parent_id": 12, "title": _TITLE,
    "summary": "Added the April 2026 National Living Wage rate", "minor": False, "kind": "edit",
    "reverted_to_id": None, "size": len(_CONTENT_14.encode()), "author": _ALICE,
    "created_at": "2026-11-09T11:42:00Z",
}
_PAGE_12 = {
    "id": 9, "space_id": 1, "title": _TITLE, "content": _CONTENT_12, "html": _HTML_12, "categories": _CATEGORIES,
    "links": _LINKS, "revision": _REVISION_12, "etag": '"rev-12"', "created_at": "2026-09-14T09:30:00Z",
    "updated_at": "2026-11-02T10:15:00Z", "deleted": False, "redirected_from": None,
}
_DIFF_LINES = [
    {"op": "equal", "text": "## Key facts", "old_line": 5, "new_line": 5},
    {"op": "equal", "text": "", "old_line": 6, "new_line": 6},
    {"op": "equal", "text": "- Adult social care: around 80,000 filled posts in the region (Skills for Care, 2024)",
     "old_line": 7, "new_line": 7},
    {"op": "delete", "text": _PAY_12, "old_line": 8, "new_line": None},
    {"op": "insert", "text": _PAY_14, "old_line": None, "new_line": 8},
    {"op": "equal", "text": "", "old_line": 9, "new_line": 9},
    {"op": "equal", "text": "## Routes in", "old_line": 10, "new_line": 10},
    {"op": "equal", "text": "", "old_line": 11, "new_line": 11},
]
_HUNK = {"old_start": 5, "old_count": 7, "new_start": 5, "new_count": 7, "lines": _DIFF_LINES}
_UNIFIED = (
    "--- revision 3\n+++ revision 4\n@@ -5,7 +5,7 @@\n ## Key facts\n \n"
    " - Adult social care: around 80,000 filled posts in the region (Skills for Care, 2024)\n"
    f"-{_PAY_12}\n+{_PAY_14}\n \n ## Routes in\n \n"
)


class AuthorRead(Schema):
    model_config = with_examples(_CAROL, _ALICE)

    id: int
    username: str
    display_name: str


class AnnotationIn(RequestSchema):
    """A structured annotation; the same as writing [[property::value]] in the text."""

    model_config = ConfigDict(from_attributes=True,
                              json_schema_extra={"examples": [{"property": "Median pay", "value": "27500 GBP"}]})

    property: str = Field(min_length=1, max_length=200, description="Label, alternative label or CURIE.",
                          examples=["Sector"])
    value: str = Field(min_length=1, max_length=2000, examples=["Health and social care"])


class AnnotationRead(Schema):
    """A typed annotation of a revision."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "property": "Median pay", "property_iri": "https://w3id.org/mature-lmi/ontology#medianPay",
        "value": "27500 GBP", "raw": "£27,500", "kind": "money", "iri": None, "unit": "GBP", "origin": "inline",
    }]})

    property: str = Field(description="The property's label.")
    property_iri: str
    value: str = Field(description="Canonical value: ISO date, '27500 GBP', a concept's label ...")
    raw: str = Field(description="As written.")
    kind: Literal["date", "integer", "decimal", "text", "url", "money", "page", "concept"]
    iri: str | None = Field(None, description="The concept's or URL's IRI.")
    unit: str | None = Field(None, description="Currency code, or 'percent'.")
    origin: Literal["inline", "structured"]


class PageCreate(RequestSchema):
    model_config = with_examples({
        "space_id": 1, "title": _TITLE, "content": _CONTENT_7, "categories": _CATEGORIES,
        "summary": "First notes from the NHS jobs fair",
    })

    space_id: int = Field(examples=[1])
    title: str = TITLE
    content: str = Field("", max_length=CONTENT_LIMIT, examples=["## Key facts\n\nDemand for [[Care workers]] ..."])
    categories: list[str] = CATEGORIES
    annotations: list[AnnotationIn] = Field(default_factory=list, max_length=200,
                                            description="Structured annotations, besides [[P::V]] in the text.")
    summary: str = Field("", max_length=500, examples=["First notes from the jobs fair"])


class PageEdit(RequestSchema):
    """An edit: new content and/or categories, based on a revision you read."""

    model_config = with_examples(
        {  # new text, based on the revision you read (its id, or send If-Match: "rev-12")
            "content": _CONTENT_14, "summary": "Added the April 2026 National Living Wage rate", "minor": False,
            "base_revision": 12, "on_conflict": "merge",
        },
        {  # categories only; the content stays as it is
            "categories": [*_CATEGORIES, "North East"], "summary": "Added a region category", "minor": True,
            "base_revision": 12, "on_conflict": "fail",
        },
    )

    content: str | None = Field(None, max_length=CONTENT_LIMIT)
    categories: list[str] | None = Field(None, max_length=50)
    annotations: list[AnnotationIn] | None = Field(
        None, max_length=200, description="Structured annotations; omit to keep those of base_revision.")
    summary: str = Field("", max_length=500, examples=["Updated pay figures from ASHE 2026"])
    minor: bool = False
    base_revision: int | None = Field(
        None, description="The revision your edit is based on (or send If-Match with its ETag).", examples=[12]
    )
    on_conflict: Literal["merge", "fail"] = Field(
        "merge", description="If the page changed since base_revision: merge non-overlapping edits, or fail with 409."
    )


class PagePreview(RequestSchema):
    """Text to render as it would be saved, without saving it."""

    model_config = with_examples({"content": _CONTENT_14, "categories": _CATEGORIES})

    content: str = Field("", max_length=CONTENT_LIMIT)
    categories: list[str] = CATEGORIES
    annotations: list[AnnotationIn] = Field(default_factory=list, max_length=200)


class AnnotationProblem(Schema):
    """An annotation that saving would refuse, and what it would accept."""

    model_config = with_examples({
        "field": "content", "annotation": "[[Median pay::about 27k]]",
        "message": "'about 27k' is not an amount of money.", "accepted": "an amount such as £27,500 or 27500 GBP",
        "suggestions": [],
    })

    field: str = Field(description="'content' for [[P::V]] in the text, or annotations[i].")
    annotation: str
    message: str
    accepted: str
    suggestions: list[str] = Field(default_factory=list, description="Close matches, e.g. a concept's label.")


class PreviewRead(Schema):
    model_config = with_examples({
        "html": _HTML_14, "links": _LINKS, "categories": _CATEGORIES, "annotations": [], "problems": [],
    })

    html: str = Field(description="Sanitised HTML, exactly as the page would show it.")
    links: list[LinkRead]
    categories: list[str]
    annotations: list[AnnotationRead] = Field(description="The annotations, typed as saving would type them.")
    problems: list[AnnotationProblem] = Field(description="Annotations that saving would refuse (422); fix them first.")


class PageMove(RequestSchema):
    model_config = with_examples(
        {"title": "Health and care jobs in the North East", "summary": "Shorter title, as in the careers guide"},
        {"title": _TITLE, "space_id": 2, "summary": "Moved to the shared LMI space for all advisers"},
    )

    title: str = TITLE
    space_id: int | None = Field(None, description="Move to another space (you need edit rights in both).")
    summary: str = Field("", max_length=500)


class PageRevert(RequestSchema):
    model_config = with_examples(
        {"revision_id": 7, "summary": "Back to the first notes: the figures added since were for England"},
    )

    revision_id: int = Field(description="The revision whose content to bring back.", examples=[7])
    summary: str = Field("", max_length=500)


class LinkRead(Schema):
    model_config = with_examples(*_LINKS)

    title: str
    exists: bool
    page_id: int | None = None


class RevisionSummary(Schema):
    model_config = with_examples(_REVISION_14, _REVISION_12)

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
    imported_author: str | None = Field(
        None, description="Imported from another wiki: the author's name there (`author` is who imported it).",
        examples=[None])


class RevisionRead(RevisionSummary):
    model_config = with_examples({
        **_REVISION_10, "page_id": 9, "content": _CONTENT_10, "categories": _CATEGORIES, "html": _HTML_10,
    })

    page_id: int
    content: str
    categories: list[str]
    annotations: list[AnnotationRead] = Field(default_factory=list)
    html: str = Field(description="Sanitised HTML of the content.")


class PageRead(Schema):
    model_config = with_examples(_PAGE_12)

    id: int
    space_id: int
    title: str
    content: str
    html: str = Field(description="Sanitised HTML; wiki links carry data-page-title, missing ones class 'missing'.")
    categories: list[str] = Field(description="Explicit categories plus [[Category:...]] in the text.")
    links: list[LinkRead]
    annotations: list[AnnotationRead] = Field(default_factory=list, description="The current revision's annotations.")
    revision: RevisionSummary
    etag: str = Field(description="Send as If-Match (or its revision id as base_revision) when editing.")
    created_at: datetime
    updated_at: datetime
    deleted: bool = False
    redirected_from: str | None = Field(None, description="Set when found by an old title.")


class PageListItem(Schema):
    model_config = with_examples(
        {
            "id": 9, "space_id": 1, "title": _TITLE, "categories": ["Health and social care", "Sector profile"],
            "revision_id": 12, "updated_at": "2026-11-02T10:15:00Z", "updated_by": _CAROL,
        },
        {
            "id": 11, "space_id": 1, "title": _HOSPITALITY, "categories": ["Hospitality and tourism", "Sector profile"],
            "revision_id": 11, "updated_at": "2026-10-12T15:20:00Z", "updated_by": _ALICE,
        },
    )

    id: int
    space_id: int
    title: str
    categories: list[str]
    revision_id: int
    updated_at: datetime
    updated_by: AuthorRead


class EditResult(PageRead):
    model_config = with_examples({
        **_PAGE_12, "content": _CONTENT_14, "html": _HTML_14, "revision": _REVISION_14, "etag": '"rev-14"',
        "updated_at": _REVISION_14["created_at"], "changed": True, "merged": False, "merged_with": [],
    })

    changed: bool = Field(description="False when the edit changed nothing (no revision was made).")
    merged: bool = Field(description="True when your edit was merged with changes saved since your base revision.")
    merged_with: list[int] = Field(default_factory=list, description="Revisions your edit was merged with.")


class DiffLineRead(Schema):
    model_config = with_examples(_DIFF_LINES[2], _DIFF_LINES[3], _DIFF_LINES[4])

    op: Literal["equal", "insert", "delete"]
    text: str
    old_line: int | None
    new_line: int | None


class HunkRead(Schema):
    model_config = with_examples(_HUNK)

    old_start: int
    old_count: int
    new_start: int
    new_count: int
    lines: list[DiffLineRead]


class DiffRead(Schema):
    model_config = with_examples({
        "page_id": 9, "from_revision": _REVISION_12, "to_revision": _REVISION_14, "unified": _UNIFIED,
        "hunks": [_HUNK], "added_lines": 1, "removed_lines": 1, "title_changed": False,
        "categories_added": [], "categories_removed": [],
    })

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
    model_config = with_examples(
        {"id": 11, "title": _HOSPITALITY, "space_id": 1},
        {"id": 10, "title": "Offshore wind and green jobs in the North East", "space_id": 1},
    )

    id: int
    title: str
    space_id: int


class WantedPageRead(Schema):
    model_config = with_examples(
        {"title": "Nursing associate", "linked_from": [{"id": 9, "title": _TITLE, "space_id": 1}],
         "linked_from_count": 1},
    )

    title: str
    linked_from: list[BacklinkRead] = Field(description="The first 10 pages linking here, by title.")
    linked_from_count: int = Field(description="How many pages in the space link here.")


class ChangeRead(Schema):
    model_config = with_examples(
        {
            "id": 58, "at": _REVISION_14["created_at"], "kind": "page.edited", "summary": _REVISION_14["summary"],
            "page_id": 9, "page_title": _TITLE, "space_id": 1, "revision_id": 14, "actor": _ALICE, "minor": False,
            "details": {"merged_with": []},
        },
        {
            "id": 57, "at": "2026-11-05T16:03:00Z", "kind": "page.moved", "summary": "Fuller title",
            "page_id": 10, "page_title": "Offshore wind and green jobs in the North East", "space_id": 1,
            "revision_id": 13, "actor": _BEN, "minor": False,
            "details": {
                "from_title": "Offshore wind jobs", "to_title": "Offshore wind and green jobs in the North East",
                "from_space_id": 1, "to_space_id": 1,
            },
        },
    )

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
