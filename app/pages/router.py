"""HTTP: pages, revisions, diffs, revert/move/delete/restore, links and recent changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from sqlalchemy.orm import Session

from app.auth import space_service
from app.auth.dependencies import CurrentUser
from app.db import SessionDep, end_write_turn, read_only, takes_write_turn
from app.errors import problem_responses
from app.negotiation import RDF_FORMATS, choose
from app.pages import links, presentation, service
from app.pages.dependencies import EditablePage, ReadableHistory, ReadablePage, RestorablePage
from app.pages.exceptions import BaseRevisionRequired, StaleETag
from app.pages.limits import PageLimits
from app.pages.models import Page as PageRow
from app.pages.models import Revision
from app.pages.recent_changes import recent_changes
from app.pages.schemas import (
    BacklinkRead,
    ChangeRead,
    DiffRead,
    EditResult,
    PageCreate,
    PageEdit,
    PageListItem,
    PageMove,
    PagePreview,
    PageRead,
    PageRevert,
    PreviewRead,
    RevisionRead,
    RevisionSummary,
    WantedPageRead,
)
from app.pagination import CursorQuery, LimitQuery, Page, decode_cursor, page_at, page_of, page_of_list, position

router = APIRouter(prefix="/api", tags=["pages"])

READ_ERRORS = problem_responses(401, 404, 410)
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 410, 422)
SAVE_ERRORS = problem_responses(413)  # the page text over MATURE_PAGE_MAX_TEXT_BYTES (422: over MATURE_PAGE_MAX_FACTS)


# (session, base IRI, page, revision or None for the current one, media type) -> the serialised RDF
PageDocument = Callable[[Session, str, PageRow, Revision | None, str], bytes]


def _page_document(request: Request) -> PageDocument:
    """The page's RDF representation: linked data supplies it at start-up (app.state.page_document)."""
    return request.app.state.page_document


def limits_for(request: Request) -> PageLimits:
    return PageLimits.of(request.app.state.settings)


def _with_etag(response: Response, page_read: PageRead) -> None:
    response.headers["ETag"] = page_read.etag
    response.headers["Cache-Control"] = "private, no-cache"


@router.post("/pages", response_model=PageRead, status_code=status.HTTP_201_CREATED,
             responses={**problem_responses(401, 403, 404, 409, 422), **SAVE_ERRORS})
@takes_write_turn
def create_page(request: Request, body: PageCreate, user: CurrentUser, session: SessionDep,
                response: Response) -> PageRead:
    """Create a page in a space where you may edit; its first revision is made at once. A page may have
    at most MATURE_PAGE_MAX_TEXT_BYTES of text (else 413) and MATURE_PAGE_MAX_FACTS facts (else 422)."""
    page = service.create_page(session, user, body.space_id, body.title, body.content, body.categories, body.summary,
                               [(a.property, a.value) for a in body.annotations], limits_for(request))
    end_write_turn(session)  # the answer is rendered after the commit, outside the write turn
    read = presentation.page_read(session, page)
    response.headers["Location"] = f"/api/pages/{page.id}"
    _with_etag(response, read)
    return read


@router.get("/pages", response_model=Page[PageListItem], responses=problem_responses(401, 400))
def list_pages(
    request: Request, user: CurrentUser, session: SessionDep,
    space_id: Annotated[int | None, Query(description="Only pages in this space.")] = None,
    category: Annotated[str | None, Query(description="Only pages in this category.")] = None,
    sort: Annotated[Literal["title", "updated"], Query(description="By title, or most recently updated first.")] = "title",
    limit: LimitQuery = 50, cursor: CursorQuery = None,
) -> Page[PageListItem]:
    """Pages you may read, optionally in one space or category."""
    pages = service.list_pages(session, user, space_id=space_id, category=category, sort=sort,
                               after=decode_cursor(cursor, str, int), limit=limit + 1)
    key = (lambda p: [p.updated_at.isoformat(), p.id]) if sort == "updated" else (lambda p: [p.title.casefold(), p.id])
    return page_of(request, presentation.page_list_items(session, pages), limit, key)


RDF_RESPONSES = {200: {"content": {media: {"schema": {"type": "string"}} for media in RDF_FORMATS},
                       "description": "JSON, or RDF when asked for by Accept or ?format="}}
FormatQuery = Annotated[str | None, Query(alias="format", description="json, ttl, jsonld, rdf or nt (overrides Accept).")]


def _rdf_response(request: Request, media: str, session: Session, page: PageRow, revision: Revision | None,
                  etag: str | None = None) -> Response:
    headers = {"Vary": "Accept"}
    if etag:
        headers["ETag"] = etag
    body = _page_document(request)(session, request.app.state.settings.base_iri, page, revision, media)
    return Response(body, media_type=media, headers=headers)


@router.get("/pages/{page_id}", response_model=PageRead, responses={**READ_ERRORS, **problem_responses(406),
                                                                   **RDF_RESPONSES})
def read_page(request: Request, access: ReadablePage, session: SessionDep, response: Response,
              format_: FormatQuery = None) -> PageRead | Response:
    """The page as it is now: Markdown, sanitised HTML, categories, links, annotations and its ETag;
    or its RDF (Turtle, JSON-LD, RDF/XML, N-Triples) by content negotiation."""
    media = choose(request.headers.get("accept"), ["application/json", *RDF_FORMATS], format_)
    if media != "application/json":
        revision = service.current_revision(session, access.page)
        return _rdf_response(request, media, session, access.page, None, service.etag(revision))
    read = presentation.page_read(session, access.page)
    _with_etag(response, read)
    response.headers["Vary"] = "Accept"
    request.app.state.view_counter.record(access.page.id)  # usage signal, written in batches
    return read


@router.patch("/pages/{page_id}", response_model=EditResult,
              responses={**WRITE_ERRORS, **problem_responses(412, 428), **SAVE_ERRORS})
@takes_write_turn
def edit_page(
    request: Request, body: PageEdit, access: EditablePage, user: CurrentUser, session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header(description='ETag of the revision you edited, e.g. "rev-12".')] = None,
) -> EditResult:
    """Save an edit based on a revision you read. Newer saves are merged three-way when they do not overlap
    (the answer says so); overlapping changes, or `on_conflict: fail`, answer 409 with your text. The same
    limits as for a new page apply (413 for the text, 422 for the facts)."""
    base = body.base_revision
    if if_match is not None:
        from_header = service.parse_etag(if_match)
        if from_header is None:
            raise StaleETag(f"If-Match {if_match!r} is not an ETag of this API; use the ETag from GET /api/pages/{{id}}.")
        if base is not None and base != from_header:
            raise StaleETag("If-Match and base_revision name different revisions; send one of them.")
        base = from_header
    if base is None:
        raise BaseRevisionRequired(
            "Say which revision your edit is based on (base_revision in the body, or If-Match with the page's ETag), "
            "so that a colleague's save in the meantime is never overwritten."
        )
    edit = service.PageEdit(base, body.content, body.categories,
                            None if body.annotations is None else [(a.property, a.value) for a in body.annotations],
                            body.summary, body.minor, body.on_conflict)
    outcome = service.edit_page(session, user, access, edit, limits=limits_for(request))
    end_write_turn(session)  # the answer is rendered after the commit, outside the write turn
    read = presentation.page_read(session, outcome.page)
    _with_etag(response, read)
    # the PageRead is valid already; validating its thousands of annotations again cost a big page ~0.8 s
    return EditResult.model_construct(**dict(read), changed=outcome.changed, merged=bool(outcome.merged_with),
                                      merged_with=outcome.merged_with)


@router.delete("/pages/{page_id}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE_ERRORS)
def delete_page(access: EditablePage, user: CurrentUser, session: SessionDep) -> Response:
    """Delete a page (editors). Nothing is lost: revisions stay and POST .../restore brings it back."""
    service.delete_page(session, user, access)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/pages/{page_id}/restore", response_model=PageRead, responses=WRITE_ERRORS)
def restore_page(access: RestorablePage, user: CurrentUser, session: SessionDep, response: Response) -> PageRead:
    """Bring a deleted page back with its whole history."""
    page = service.restore_page(session, user, access)
    read = presentation.page_read(session, page)
    _with_etag(response, read)
    return read


@router.post("/pages/{page_id}/revert", response_model=PageRead, responses=WRITE_ERRORS)
def revert_page(body: PageRevert, access: EditablePage, user: CurrentUser, session: SessionDep,
                response: Response) -> PageRead:
    """Make an earlier revision's content current again, as a new revision (history is kept)."""
    service.revert_page(session, user, access, body.revision_id, body.summary)
    read = presentation.page_read(session, access.page)
    _with_etag(response, read)
    return read


@router.post("/pages/{page_id}/move", response_model=PageRead, responses=WRITE_ERRORS)
def move_page(body: PageMove, access: EditablePage, user: CurrentUser, session: SessionDep,
              response: Response) -> PageRead:
    """Rename a page or move it to another space; the old title keeps leading here."""
    service.move_page(session, user, access, body.title, body.space_id, body.summary)
    read = presentation.page_read(session, access.page)
    _with_etag(response, read)
    return read


@router.get("/pages/{page_id}/revisions", response_model=Page[RevisionSummary],
            responses={**READ_ERRORS, **problem_responses(400)})
def list_revisions(request: Request, access: ReadableHistory, session: SessionDep,
                   limit: LimitQuery = 50, cursor: CursorQuery = None) -> Page[RevisionSummary]:
    """The page's history, newest first."""
    after = decode_cursor(cursor, int)
    revisions = service.list_revisions(session, access.page, before_number=int(after[0]) if after else None,
                                       limit=limit + 1)
    return page_of(request, presentation.revision_summaries(session, revisions), limit, lambda r: [r.number])


@router.get("/pages/{page_id}/revisions/{revision_id}", response_model=RevisionRead,
            responses={**READ_ERRORS, **problem_responses(406), **RDF_RESPONSES})
def read_revision(request: Request, revision_id: int, access: ReadableHistory, session: SessionDep,
                  format_: FormatQuery = None) -> RevisionRead | Response:
    """One revision with its content, sanitised HTML and annotations; or its RDF by content negotiation."""
    revision = service.get_revision(session, access.page, revision_id)
    media = choose(request.headers.get("accept"), ["application/json", *RDF_FORMATS], format_)
    if media != "application/json":
        return _rdf_response(request, media, session, access.page, revision)
    return presentation.revision_read(session, access.page, revision)


@router.get("/pages/{page_id}/diff", response_model=DiffRead, responses={**READ_ERRORS, **problem_responses(422)})
def diff(
    access: ReadableHistory, session: SessionDep,
    from_: Annotated[str | None, Query(alias="from", max_length=40, examples=["13", "rev-13", "n3"], description=(
        f"The older revision (default: the parent of `to`): {service.REVISION_REF_HELP}."))] = None,
    to: Annotated[str | None, Query(max_length=40, examples=["14", "rev-14", "n4"], description=(
        f"The newer revision (default: the current one): {service.REVISION_REF_HELP}."))] = None,
) -> DiffRead:
    """Compare two revisions: unified text and structured hunks. `from` and `to` take a revision id (`14`,
    `rev-14`) or a revision number (`n3`), so both `?from=13&to=14` and `?from=n3&to=n4` work."""
    page = access.page
    new = service.find_revision(session, page, to, "to") if to is not None else service.current_revision(session, page)
    if from_ is not None:
        old = service.find_revision(session, page, from_, "from")
    else:
        old = service.get_revision(session, page, new.parent_id) if new.parent_id else new
    return presentation.diff_read(session, page, old, new)



@router.get("/pages/{page_id}/backlinks", response_model=Page[BacklinkRead],
            responses={**READ_ERRORS, **problem_responses(400)})
def backlinks(request: Request, access: ReadablePage, user: CurrentUser, session: SessionDep, limit: LimitQuery = 50,
              cursor: CursorQuery = None) -> Page[BacklinkRead]:
    """Pages you may read that link here ("what links here"), also through old titles, by title."""
    start = position(cursor)
    found = links.backlinks(session, user, access.page, offset=start, limit=limit + 1)
    return page_at(request, [BacklinkRead.model_validate(p) for p in found], limit, start)


@router.get("/spaces/{space_id}/pages/{title:path}", response_model=PageRead, responses=READ_ERRORS)
def page_by_title(space_id: int, title: str, user: CurrentUser, session: SessionDep, response: Response) -> PageRead:
    """Find a page by title in a space, following renames (`redirected_from` says so)."""
    access, old_title = service.find_by_title(session, user, space_id, title)
    read = presentation.page_read(session, access.page, redirected_from=old_title)
    _with_etag(response, read)
    return read


@router.post("/spaces/{space_id}/preview", response_model=PreviewRead,
             responses={**problem_responses(401, 404, 422), **SAVE_ERRORS})
@read_only  # a POST only for the body's size: no write lock, no after-write hooks on every Preview click
def preview_page(request: Request, space_id: int, body: PagePreview, user: CurrentUser,
                 session: SessionDep) -> PreviewRead:
    """Render text as a page in this space would show it (wiki links resolved there) and type its annotations,
    without saving anything: the editor's preview."""
    space, _ = space_service.get_space(session, user, space_id)
    return presentation.preview(session, space.id, body.content, body.categories,
                                [(a.property, a.value) for a in body.annotations], limits_for(request))


@router.get("/spaces/{space_id}/wanted-pages", response_model=Page[WantedPageRead],
            responses=problem_responses(400, 401, 404))
def wanted_pages(request: Request, space_id: int, user: CurrentUser, session: SessionDep, limit: LimitQuery = 50,
                 cursor: CursorQuery = None) -> Page[WantedPageRead]:
    """Titles that pages in this space link to but that do not exist yet, by title; each with the first
    pages linking to it (`linked_from`, at most 10) and how many do (`linked_from_count`)."""
    space, _ = space_service.get_space(session, user, space_id)
    wanted = [WantedPageRead(title=title, linked_from=[BacklinkRead.model_validate(p) for p in sources[:10]],
                             linked_from_count=len(sources))
              for title, sources in links.wanted_pages(session, space.id).items()]
    return page_of_list(request, wanted, limit, cursor)


@router.get("/recent-changes", response_model=Page[ChangeRead], responses=problem_responses(401, 400))
def list_recent_changes(
    request: Request, user: CurrentUser, session: SessionDep,
    space_id: Annotated[int | None, Query(description="Only changes in this space.")] = None,
    include_minor: Annotated[bool, Query(description="Include minor edits.")] = True,
    page_id: Annotated[int | None, Query(description="Only this page's changes (its history beyond revisions: "
                                                     "ratings, approvals, reviews).")] = None,
    limit: LimitQuery = 50, cursor: CursorQuery = None,
) -> Page[ChangeRead]:
    """Edits, creations, moves, reverts, deletions and restorations you may see, newest first."""
    after = decode_cursor(cursor, int)
    changes = recent_changes(session, user, space_id=space_id, include_minor=include_minor,
                             before_id=int(after[0]) if after else None, limit=limit + 1, page_id=page_id)
    return page_of(request, changes, limit, lambda c: [c.id])
