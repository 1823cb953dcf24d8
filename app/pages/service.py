"""Pages and their revision chains: create, edit (with three-way merge), revert, move, delete, restore.

Every change appends a revision or a change-log entry in the caller's transaction; nothing here
commits. Edits lock the page row first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the write
transaction already holds the database lock), and `revision.parent_id` is unique, so two
concurrent saves can never both claim the same parent.

Saves do their pure work first -- merge, parse, type the annotations -- and only then take the
write turn (app.db.take_write_turn), so a big page keeps no colleague's rating waiting; what they
read before the turn is checked again under it (and merged again if the page moved on).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth import space_service
from app.auth.exceptions import SpaceRightRequired
from app.auth.models import Space, User
from app.auth.rights import Right, right_in_space
from app.pages.access import readable_pages
from app.db import take_write_turn, utcnow
from app.pages import events, links
from app.pages.events import PageChanged
from app.pages.exceptions import (
    EditConflict, InvalidPageInput, NothingToChange, PageGone, PageNotDeleted, PageNotFound, RevisionNotFound,
    TitleTaken,
)
from app.pages.limits import PageLimits
from app.pages.merge import ConflictHunk, merge_sets, merge_texts
from app.pages.models import Page, PageAlias, PageCategory, Revision
from app.pages.wikitext import extract
from app.annotations import service as annotation_service
from app.annotations.values import Annotation
from app.pagination import InvalidCursor
from app.titles import InvalidTitle, normalise_category, normalise_title, title_key

@dataclass(frozen=True)
class PageAccess:
    """A page together with its space and the caller's right there."""

    page: Page
    space: Space
    right: Right


@dataclass(frozen=True)
class Draft:
    """A save's text parsed and its annotations typed: the pure work, done before the write turn."""

    content: str
    categories: list[str]
    annotations: list[Annotation]
    rows: list[dict[str, object]]  # the annotations as rows of the annotation table


@dataclass(frozen=True)
class PageEdit:
    """One save as the caller asked for it: what to change (None keeps the base revision's), on top of which
    revision, and what to do when a colleague saved since ("merge" when the changes do not overlap, or "fail")."""

    base_revision_id: int
    content: str | None = None
    categories: list[str] | None = None
    annotations: Sequence[tuple[str, str]] | None = None  # structured (property, value) pairs
    summary: str = ""
    minor: bool = False
    on_conflict: str = "merge"


@dataclass(frozen=True)
class NewRevision:
    """What a page's new head revision holds and why it was made (create, edit, revert, move)."""

    kind: str
    content: str
    categories: list[str]
    summary: str = ""
    minor: bool = False
    annotations: Sequence[dict[str, object]] = ()  # rows of the annotation table ...
    annotations_from: Revision | None = None  # ... or those of this revision, copied
    reverted_to: Revision | None = None


@dataclass(frozen=True)
class EditPlan:
    """What an edit will save on top of `current`, worked out before the write turn."""

    current: Revision
    draft: Draft
    merged_with: list[int]
    unchanged: bool


@dataclass
class EditOutcome:
    page: Page
    revision: Revision
    changed: bool
    merged_with: list[int] = field(default_factory=list)


# ---------------------------------------------------------------- loading with rights


def get_access(session: Session, user: User, page_id: int, need: Right = Right.read,
               allow_deleted: bool = False) -> PageAccess:
    """Load a page the caller may read (else 404), refusing deleted pages unless allowed (410)."""
    page = session.get(Page, page_id)
    space = session.get(Space, page.space_id) if page is not None else None
    right = right_in_space(session, user, space) if space is not None else Right.none
    if page is None or space is None or right < Right.read:
        raise PageNotFound(f"There is no page {page_id} that you can read.")
    if page.deleted_at is not None and not allow_deleted:
        raise PageGone(
            f"The page '{page.title}' was deleted. Its history is still at /api/pages/{page.id}/revisions; "
            f"an editor can bring it back with POST /api/pages/{page.id}/restore."
        )
    if right < need:
        raise SpaceRightRequired(
            f"You need {need.name} rights in the space '{space.key}' to do this; you have {right.name}."
        )
    return PageAccess(page, space, right)


def find_by_title(session: Session, user: User, space_id: int, raw_title: str) -> tuple[PageAccess, str | None]:
    """Find a page by title in a space, following old titles; returns the old title if redirected."""
    space, _ = space_service.get_space(session, user, space_id)
    key = _title_or_404(raw_title, space)
    page_id = session.scalar(select(Page.id).where(Page.space_id == space.id, Page.title_key == key))
    if page_id is not None:
        return get_access(session, user, page_id), None
    alias = session.scalar(select(PageAlias).where(PageAlias.space_id == space.id, PageAlias.title_key == key))
    if alias is None:
        raise PageNotFound(f"There is no page titled '{raw_title}' in the space '{space.key}'.")
    return get_access(session, user, alias.page_id), alias.title


def _title_or_404(raw_title: str, space: Space) -> str:
    try:
        return title_key(raw_title)
    except InvalidTitle:
        raise PageNotFound(f"There is no page titled '{raw_title}' in the space '{space.key}'.") from None


def lock(session: Session, page_id: int) -> Page:
    """Re-read the page row under a write lock, so concurrent edits queue instead of racing."""
    return session.execute(
        select(Page).where(Page.id == page_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def current_revision(session: Session, page: Page) -> Revision:
    revision = session.get(Revision, page.current_revision_id)
    assert revision is not None, "a page always has a current revision"
    return revision


def get_revision(session: Session, page: Page, revision_id: int) -> Revision:
    """A revision of this page (a revision of another page is a 404 here)."""
    revision = session.get(Revision, revision_id)
    if revision is None or revision.page_id != page.id:
        raise RevisionNotFound(f"Page {page.id} has no revision {revision_id}.")
    return revision


REVISION_REF = re.compile(r"(?:rev-)?(?P<id>\d{1,18})|n(?P<number>\d{1,18})")
REVISION_REF_HELP = ("a revision id (`14`, or `rev-14` as in the page's ETag; what `id` in .../revisions says) or a "
                     "revision number with `n` (`n3`: the page's third revision, as `number` in .../revisions and the "
                     "history show it)")


def find_revision(session: Session, page: Page, ref: str, field: str) -> Revision:
    """The revision `ref` names: an id (`14`, `rev-14`) or a number within the page (`n3`); 422 for anything else."""
    match = REVISION_REF.fullmatch(ref.strip())
    if match is None:
        message = f"{ref!r} names no revision: give {REVISION_REF_HELP}"
        raise InvalidPageInput(f"{field}: {message}.", errors=[{"field": field, "message": message}])
    if match["id"] is not None:
        return get_revision(session, page, int(match["id"]))
    number = int(match["number"])
    revision = session.scalar(select(Revision).where(Revision.page_id == page.id, Revision.number == number))
    if revision is None:
        raise RevisionNotFound(f"Page {page.id} has no revision number {number} (its newest is number "
                               f"{current_revision(session, page).number}).")
    return revision


# ---------------------------------------------------------------- input normal forms


def normalise_content(content: str) -> str:
    """LF line ends, no trailing whitespace at the end, one final newline (stable merges)."""
    content = content.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    return content + "\n" if content else ""


def normalise_categories(names: list[str]) -> list[str]:
    """Trimmed, capitalised, de-duplicated category names; 422 for unusable ones."""
    clean: list[str] = []
    for raw in names:
        try:
            name = normalise_category(raw)
        except InvalidTitle as exc:
            raise InvalidPageInput(str(exc), errors=[{"field": "categories", "message": str(exc)}]) from None
        if name not in clean:
            clean.append(name)
    return clean


def _normalise_title(raw: str) -> str:
    try:
        return normalise_title(raw)
    except InvalidTitle as exc:
        raise InvalidPageInput(str(exc), errors=[{"field": "title", "message": str(exc)}]) from None


# ---------------------------------------------------------------- writing


def create_page(session: Session, user: User, space_id: int, title: str, content: str,
                categories: list[str], summary: str, annotations: Sequence[tuple[str, str]] = (),
                limits: PageLimits = PageLimits()) -> Page:
    """Create a page with its first revision in a space where the caller may edit."""
    space_service.get_space(session, user, space_id, need=Right.edit)  # before any work for a stranger
    title = _normalise_title(title)
    key = title_key(title)
    draft = _draft(normalise_content(content), normalise_categories(categories), annotations, limits)
    take_write_turn(session)
    space, _ = space_service.get_space(session, user, space_id, need=Right.edit)  # the rights as they are now
    _ensure_title_free(session, space, title, key)
    session.execute(delete(PageAlias).where(PageAlias.space_id == space.id, PageAlias.title_key == key))
    now = utcnow()
    page = Page(space_id=space.id, title=title, title_key=key, created_by_id=user.id, created_at=now, updated_at=now)
    session.add(page)
    session.flush()
    revision, relinked = _append_revision(session, page, None, user, NewRevision(
        "create", draft.content, draft.categories, summary, annotations=draft.rows))
    events.publish(session, PageChanged(events.CREATED, page.id, space.id, user.id, revision.id, summary,
                                        relinked=relinked, details={"title": title}))
    return page


def _ensure_title_free(session: Session, space: Space, title: str, key: str, moving: Page | None = None) -> None:
    other = session.scalar(select(Page).where(Page.space_id == space.id, Page.title_key == key))
    if other is None or other is moving:
        return
    if other.deleted_at is not None:
        raise TitleTaken(
            f"A deleted page is titled '{other.title}' in '{space.key}'. Restore it with "
            f"POST /api/pages/{other.id}/restore, or choose another title.", page_id=other.id,
        )
    raise TitleTaken(f"The space '{space.key}' already has a page titled '{other.title}' (page {other.id}).",
                     page_id=other.id)


def _draft(content: str, categories: list[str], structured: Sequence[tuple[str, str]], limits: PageLimits) -> Draft:
    """Parse the text and type its inline and structured annotations: 413/422 (nothing saved) when the page is
    over a limit or an annotation is wrong. Pure: it runs before the write turn."""
    limits.check_text(content)
    extracted = extract(content)
    limits.check_facts(len(extracted.annotations) + len(structured))
    inline = [(a.property, a.value) for a in extracted.annotations]
    typed = annotation_service.type_all(inline, structured)
    return Draft(content, categories, typed, annotation_service.rows_for(typed))


def _append_revision(session: Session, page: Page, parent: Revision | None, user: User,
                     new: NewRevision) -> tuple[Revision, frozenset[int]]:
    """Add a revision as the page's new head, with its annotations, and refresh links and categories;
    returns it and the other pages whose backlinks changed."""
    now = utcnow()
    revision = Revision(
        page_id=page.id, number=parent.number + 1 if parent else 1, parent_id=parent.id if parent else None,
        title=page.title, content=new.content, categories=new.categories, summary=new.summary.strip(),
        minor=new.minor, kind=new.kind, reverted_to_id=new.reverted_to.id if new.reverted_to else None,
        author_id=user.id, created_at=now, size=len(new.content.encode()),
    )
    session.add(revision)
    session.flush()
    page.current_revision_id = revision.id
    page.updated_at = now
    if new.annotations_from is not None:
        annotation_service.copy(session, new.annotations_from.id, revision.id)
    else:
        annotation_service.store(session, revision.id, new.annotations)
    session.flush()
    return revision, _linked(session, page.space_id, links.refresh(session, page, revision))


def _linked(session: Session, space_id: int, keys: set[str]) -> frozenset[int]:
    """The pages these link keys lead to in a space (their backlinks changed: a maturity signal)."""
    return frozenset(links.resolve(session, space_id, keys).values())


def edit_page(session: Session, user: User, access: PageAccess, edit: PageEdit,
              limits: PageLimits = PageLimits()) -> EditOutcome:
    """Save an edit based on `edit.base_revision_id`; merge with newer saves or raise a 409 conflict."""
    base = _base_revision(session, access.page, edit.base_revision_id)
    plan = _plan_edit(session, base, current_revision(session, access.page), edit, limits)
    fresh_turn = take_write_turn(session)
    page = lock(session, access.page.id)
    if fresh_turn:  # deleted, or the caller's rights changed, while the edit was being worked out
        get_access(session, user, page.id, need=Right.edit)
    if page.current_revision_id != plan.current.id:  # a colleague saved meanwhile: merge with that save
        plan = _plan_edit(session, base, current_revision(session, page), edit, limits)
    if plan.unchanged:
        return EditOutcome(page, plan.current, changed=False, merged_with=plan.merged_with)
    draft = plan.draft
    revision, relinked = _append_revision(session, page, plan.current, user, NewRevision(
        "edit", draft.content, draft.categories, edit.summary, edit.minor, annotations=draft.rows))
    events.publish(session, PageChanged(events.EDITED, page.id, page.space_id, user.id, revision.id, edit.summary,
                                        edit.minor, relinked=relinked, details={"merged_with": plan.merged_with}))
    return EditOutcome(page, revision, changed=True, merged_with=plan.merged_with)


def _plan_edit(session: Session, base: Revision, current: Revision, edit: PageEdit, limits: PageLimits) -> EditPlan:
    """Merge the edit with saves made since its base (or raise a 409), then parse and type the result."""
    text = normalise_content(edit.content) if edit.content is not None else base.content
    cats = normalise_categories(edit.categories) if edit.categories is not None else base.categories
    base_facts = _facts(annotation_service.structured_inputs(session, base.id))
    facts = _facts(edit.annotations) if edit.annotations is not None else base_facts
    merged_with: list[int] = []
    if base.id != current.id:
        result = merge_texts(base.content, current.content, text)
        if edit.on_conflict == "fail" or not result.clean:
            raise _conflict(current, base, text, result.conflicts, edit.on_conflict)
        text, cats = result.text or "", merge_sets(base.categories, current.categories, cats)
        facts = merge_sets(base_facts, _facts(annotation_service.structured_inputs(session, current.id)), facts)
        merged_with = list(session.scalars(
            select(Revision.id).where(Revision.page_id == current.page_id, Revision.number > base.number,
                                      Revision.number <= current.number)
            .order_by(Revision.number)
        ))
    draft = _draft(text, cats, [_unfact(f) for f in facts], limits)
    unchanged = (text == current.content and cats == current.categories
                 and annotation_service.same_statements(draft.annotations,
                                                       annotation_service.statements_of(session, current.id)))
    return EditPlan(current, draft, merged_with, unchanged)


def _facts(pairs: Sequence[tuple[str, str]]) -> list[str]:
    """Structured annotations as comparable strings, so they merge like categories."""
    return list(dict.fromkeys(f"{prop.strip()}::{value.strip()}" for prop, value in pairs))


def _unfact(fact: str) -> tuple[str, str]:
    prop, _, value = fact.partition("::")
    return prop, value


def _base_revision(session: Session, page: Page, revision_id: int) -> Revision:
    base = session.get(Revision, revision_id)
    if base is None or base.page_id != page.id:
        raise InvalidPageInput(
            f"base_revision {revision_id} is not a revision of page {page.id}; "
            f"read the page again and send its current revision id.",
            errors=[{"field": "base_revision", "message": "not a revision of this page"}],
        )
    return base


def _conflict(current: Revision, base: Revision, attempted: str, conflicts: list[ConflictHunk],
              mode: str) -> EditConflict:
    why = ("the page was saved by someone else after the revision you edited, and you asked not to merge"
           if mode == "fail" and not conflicts else
           f"your changes overlap {len(conflicts)} change(s) saved since revision {base.id}")
    return EditConflict(
        f"Not saved: {why}. Your text is in attempted_content; compare it with current_revision, "
        f"then save again with base_revision={current.id}.",
        headers={"ETag": etag(current)},
        base_revision=base.id,
        current_revision={
            "id": current.id, "number": current.number, "content": current.content,
            "categories": current.categories, "author_id": current.author_id,
            "created_at": current.created_at.isoformat().replace("+00:00", "Z"), "summary": current.summary,
        },
        attempted_content=attempted,
        conflicts=[conflict.__dict__ for conflict in conflicts],
    )


def revert_page(session: Session, user: User, access: PageAccess, revision_id: int, summary: str) -> Revision:
    """Bring back an earlier revision's content and categories as a new revision."""
    page = lock(session, access.page.id)
    current = current_revision(session, page)
    target = get_revision(session, page, revision_id)
    same_facts = (annotation_service.structured_inputs(session, target.id)
                  == annotation_service.structured_inputs(session, current.id))
    if target.content == current.content and target.categories == current.categories and same_facts:
        raise NothingToChange(f"The page already has the content of revision {revision_id}; nothing to revert. "
                              "Name an earlier revision with different content (GET .../revisions).")
    summary = summary or f"Reverted to revision {target.number} of {target.created_at:%Y-%m-%d %H:%M} UTC"
    revision, relinked = _append_revision(session, page, current, user, NewRevision(
        "revert", target.content, list(target.categories), summary, annotations_from=target, reverted_to=target))
    events.publish(session, PageChanged(events.REVERTED, page.id, page.space_id, user.id, revision.id, summary,
                                        relinked=relinked, details={"reverted_to": target.id}))
    return revision


def move_page(session: Session, user: User, access: PageAccess, new_title: str, new_space_id: int | None,
              summary: str) -> Revision:
    """Rename and/or move a page; the old title keeps leading to it."""
    page = lock(session, access.page.id)
    source_space = access.space
    target_space = source_space
    if new_space_id is not None and new_space_id != source_space.id:
        target_space, _ = space_service.get_space(session, user, new_space_id, need=Right.edit)
    title = _normalise_title(new_title)
    key = title_key(title)
    if title == page.title and target_space.id == source_space.id:
        raise NothingToChange("The page already has this title in this space; nothing to move. Give a new title "
                              "or another space_id.")
    _ensure_title_free(session, target_space, title, key, moving=page)
    old_title, old_key = page.title, page.title_key
    session.execute(delete(PageAlias).where(PageAlias.space_id == target_space.id, PageAlias.title_key == key))
    if old_key != key or source_space.id != target_space.id:
        session.add(PageAlias(space_id=source_space.id, title=old_title, title_key=old_key, page_id=page.id))
    page.title, page.title_key, page.space_id = title, key, target_space.id
    session.flush()
    current = current_revision(session, page)
    where = f" from '{source_space.key}' to '{target_space.key}'" if target_space is not source_space else ""
    summary = summary or f"Moved '{old_title}' to '{title}'{where}"
    revision, relinked = _append_revision(session, page, current, user, NewRevision(
        "move", current.content, list(current.categories), summary, annotations_from=current))
    if source_space.id != target_space.id:  # the links it had there lead nowhere now
        relinked |= _linked(session, source_space.id, set(links.link_keys(session, page.id)))
    events.publish(session, PageChanged(
        events.MOVED, page.id, target_space.id, user.id, revision.id, summary, from_space_id=source_space.id,
        relinked=relinked, details={"from_title": old_title, "to_title": title, "from_space_id": source_space.id,
                                    "to_space_id": target_space.id}))
    return revision


def delete_page(session: Session, user: User, access: PageAccess, summary: str = "") -> Page:
    """Soft delete: the page disappears from lists and links, every revision is kept."""
    page = lock(session, access.page.id)
    page.deleted_at, page.deleted_by_id = utcnow(), user.id
    session.flush()
    relinked = _linked(session, page.space_id, set(links.link_keys(session, page.id)))
    events.publish(session, PageChanged(events.DELETED, page.id, page.space_id, user.id, summary=summary,
                                        relinked=relinked, details={"title": page.title}))
    return page


def restore_page(session: Session, user: User, access: PageAccess) -> Page:
    """Undo a delete; the page comes back with its whole history."""
    page = lock(session, access.page.id)
    if page.deleted_at is None:
        raise PageNotDeleted(f"The page '{page.title}' is not deleted, so there is nothing to restore: it is live at "
                             f"/api/pages/{page.id}. Only a deleted page (DELETE /api/pages/{page.id}) can be restored.")
    page.deleted_at, page.deleted_by_id = None, None
    session.flush()
    relinked = _linked(session, page.space_id, set(links.link_keys(session, page.id)))
    events.publish(session, PageChanged(events.RESTORED, page.id, page.space_id, user.id,
                                        relinked=relinked, details={"title": page.title}))
    return page


def etag(revision: Revision) -> str:
    return f'"rev-{revision.id}"'


def parse_etag(value: str) -> int | None:
    """The revision id in an If-Match value such as `"rev-12"` (weak or strong); None if not ours."""
    value = value.strip()
    value = value.removeprefix("W/")
    match = re.fullmatch(r'"rev-(\d+)"', value)
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------- reading lists


def list_pages(session: Session, user: User, *, space_id: int | None, category: str | None, sort: str,
               after: list | None, limit: int) -> list[Page]:
    """Live pages the caller may read, by title or most recently updated first."""
    query = readable_pages(user)
    if space_id is not None:
        query = query.where(Page.space_id == space_id)
    if category is not None:
        query = query.where(Page.id.in_(select(PageCategory.page_id).where(PageCategory.name == category)))
    if sort == "updated":
        if after:
            at = _cursor_time(after[0])
            query = query.where((Page.updated_at < at) | ((Page.updated_at == at) & (Page.id < after[1])))
        query = query.order_by(Page.updated_at.desc(), Page.id.desc())
    else:
        if after:
            query = query.where((Page.title_key > after[0]) | ((Page.title_key == after[0]) & (Page.id > after[1])))
        query = query.order_by(Page.title_key, Page.id)
    return list(session.scalars(query.limit(limit)))


def list_revisions(session: Session, page: Page, *, before_number: int | None, limit: int) -> list[Revision]:
    """The page's history, newest first."""
    query = select(Revision).where(Revision.page_id == page.id)
    if before_number is not None:
        query = query.where(Revision.number < before_number)
    return list(session.scalars(query.order_by(Revision.number.desc()).limit(limit)))


def _cursor_time(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise InvalidCursor("The cursor is not one this API gave out; start again without `cursor`.") from None
