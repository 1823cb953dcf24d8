"""Events, derived from what the database already records instead of hooks on every write path.

Five sources, each a SELECT with the same columns, combined with UNION ALL:

- `c` the change log (edits, moves, deletions, ratings, approvals: one row per change);
- `m` maturity snapshots whose phase differs from the page's previous snapshot;
- `v` pages whose current revision's valid-until date has passed: the event happens on the day
  after that date, or when a revision first carried the date if it was already past then;
- `t` revisions that add a topic (dcterms:subject) their parent revision did not have;
- `g` tags about people (every version: a new tag or a changed one).

Nothing "visible" is stored: a `Scope` adds its WHERE clause to each source. The feed's scope is
what the caller follows, filtered by the rights rule as of now; the webhook dispatcher's scope is
a window over ids or time. An event's id is its source letter and the row id behind it ("c123").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

from sqlalchemy import (
    ColumnElement, CompoundSelect, DateTime, Integer, Select, String, and_, cast, exists, func, literal_column, null,
    select, true, type_coerce, union_all,
)
from sqlalchemy.orm import Session, aliased

from app.changelog import Change
from app.db import UTCDateTime
from app.pages.models import Page, Revision
from app.people.models import PersonTag
from app.topics.models import TopicConcept
from app.quality.models import MaturitySnapshot
from app.quality.service import ISSUE_RAISED
from app.annotations.models import PageAnnotation
from app.annotations.vocabulary import LMI

VALID_UNTIL = str(LMI.validUntil)
SUBJECT = "http://purl.org/dc/terms/subject"

CHANGE, PHASE, VALIDITY, TOPIC, TAG = 1, 2, 3, 4, 5
LETTERS = {CHANGE: "c", PHASE: "m", VALIDITY: "v", TOPIC: "t", TAG: "g"}
SOURCES = {letter: source for source, letter in LETTERS.items()}

CHANGE_KINDS = ("page.created", "page.edited", "page.reverted", "page.moved", "page.deleted", "page.restored",
                "page.rated", "page.rating_withdrawn", "page.approved", "page.approval_withdrawn", ISSUE_RAISED,
                "page.review_claimed", "page.review_assigned", "page.review_resolved")
PHASE_CHANGED = "page.phase_changed"
VALID_UNTIL_PASSED = "page.valid_until_passed"
TOPIC_PAGE_ADDED = "topic.page_added"
PERSON_TAGGED = "person.tagged"
EVENT_TYPES = (*CHANGE_KINDS, PHASE_CHANGED, VALID_UNTIL_PASSED, TOPIC_PAGE_ADDED, PERSON_TAGGED)
RATING_KINDS = ("page.rated", "page.rating_withdrawn", ISSUE_RAISED)
REVIEW_ASSIGNED = "page.review_assigned"  # also in the assignee's feed, followed or not (app/quality/reviews.py)
# What following a person shows of their own activity: not ratings, which may be anonymous.
ACTIVITY_KINDS = tuple(kind for kind in CHANGE_KINDS if kind not in RATING_KINDS)


@dataclass(frozen=True)
class EventId:
    source: int
    row_id: int

    def __str__(self) -> str:
        return f"{LETTERS[self.source]}{self.row_id}"

    @classmethod
    def parse(cls, text: str) -> EventId | None:
        match = re.fullmatch(r"([cmvtg])([0-9]{1,18})", text.strip())
        return cls(SOURCES[match[1]], int(match[2])) if match else None


@dataclass(frozen=True)
class Position:
    """Where an event sits in the feed's order (newest first): time, then source, then row id."""

    at: datetime
    source: int
    row_id: int


class Scope(Protocol):
    """Which events of each source to keep (a person's feed, or a dispatcher's window)."""

    def pages(self, source: int, *, at: ColumnElement, page_id: ColumnElement[int], event_space_id: ColumnElement[int],
              page_space_id: ColumnElement[int], actor_id: ColumnElement[int] | None,
              kind: ColumnElement[str] | None) -> ColumnElement[bool]: ...

    def topics(self, *, at: ColumnElement, topic_id: ColumnElement[int], page_space_id: ColumnElement[int],
               actor_id: ColumnElement[int]) -> ColumnElement[bool]: ...

    def tags(self, tag: type[PersonTag]) -> ColumnElement[bool]: ...

    def row_window(self, source: int, row_id: ColumnElement[int]) -> ColumnElement[bool]:
        """Rows of a source worth looking at before any other condition (everything, for the feed)."""
        ...


def _int() -> ColumnElement[int]:
    return cast(null(), Integer)


def _text() -> ColumnElement[str]:
    return cast(null(), String)


def _columns(source: int, row_id, at, kind, page_id, space_id, actor_id, revision_id, person_id, topic_id,
             old_value, new_value) -> list:
    return [literal_column(str(source), Integer).label("source"), row_id.label("row_id"),
            type_coerce(at, UTCDateTime()).label("at"), kind.label("kind"), page_id.label("page_id"),
            space_id.label("space_id"), actor_id.label("actor_id"), revision_id.label("revision_id"),
            person_id.label("person_id"), topic_id.label("topic_id"), old_value.label("old_value"),
            new_value.label("new_value")]


def _constant(text: str) -> ColumnElement[str]:
    return literal_column(f"'{text}'", String)


def change_events(scope: Scope, kinds: Iterable[str] = CHANGE_KINDS) -> Select:
    """The change log's page events."""
    return (select(*_columns(CHANGE, Change.id, Change.at, Change.kind, Change.page_id, Change.space_id,
                             Change.actor_id, Change.revision_id, _int(), _int(), _text(), _text()))
            .join(Page, Page.id == Change.page_id)
            .where(Change.kind.in_(list(kinds)),
                   scope.pages(CHANGE, at=Change.at, page_id=Change.page_id, event_space_id=Change.space_id,
                               page_space_id=Page.space_id, actor_id=Change.actor_id, kind=Change.kind)))


def phase_events(scope: Scope, *, few: bool = False) -> Select:
    """Snapshots whose phase differs from the page's previous snapshot (the first one is the page's birth).

    Phase changes are rare among snapshots, so the feed finds them first with LAG over each page's
    snapshots and applies the scope to those only; `few=True` (the dispatcher's window of recent ids)
    looks up each row's previous phase instead of ranking the whole table.
    """
    snapshot, previous = MaturitySnapshot, aliased(MaturitySnapshot)
    if few:
        previous_phase = (select(previous.phase).where(previous.page_id == snapshot.page_id, previous.id < snapshot.id)
                          .order_by(previous.id.desc()).limit(1).correlate(snapshot).scalar_subquery())
        rows = (select(snapshot.id, snapshot.page_id, snapshot.at, snapshot.phase, previous_phase.label("previous"))
                .where(scope.row_window(PHASE, snapshot.id)).subquery("snapshots"))
    else:
        lag = func.lag(snapshot.phase).over(partition_by=snapshot.page_id, order_by=snapshot.id)
        rows = select(snapshot.id, snapshot.page_id, snapshot.at, snapshot.phase, lag.label("previous")).subquery(
            "snapshots")
    changed = select(rows).where(rows.c.previous.is_not(None), rows.c.previous != rows.c.phase).subquery("changed")
    return (select(*_columns(PHASE, changed.c.id, changed.c.at, _constant(PHASE_CHANGED), changed.c.page_id,
                             Page.space_id, _int(), _int(), _int(), _int(), changed.c.previous, changed.c.phase))
            .join(Page, Page.id == changed.c.page_id)
            .where(scope.pages(PHASE, at=changed.c.at, page_id=changed.c.page_id, event_space_id=Page.space_id,
                               page_space_id=Page.space_id, actor_id=None, kind=None)))


def validity_events(session: Session, scope: Scope, today: date) -> Select:
    """Live pages whose current revision carries a valid-until date before `today`.

    The row id is the first annotation that gave the page this date, so the event keeps its id (and
    its read mark) across later edits that keep the date, and a new date makes a new event.
    """
    current = aliased(PageAnnotation)
    first, first_revision = aliased(PageAnnotation), aliased(Revision)
    same_date = and_(first_revision.page_id == Page.id, first.property_iri == VALID_UNTIL,
                     first.value_date == current.value_date)
    first_id = (select(func.min(first.id)).join(first_revision, first_revision.id == first.revision_id)
                .where(same_date).correlate(Page, current).scalar_subquery())
    first_at = (select(func.min(first_revision.created_at)).join(first, first.revision_id == first_revision.id)
                .where(same_date).correlate(Page, current).scalar_subquery())
    at = _later(session, _day_after(session, current.value_date), first_at)
    return (select(*_columns(VALIDITY, first_id, at, _constant(VALID_UNTIL_PASSED), Page.id, Page.space_id, _int(),
                             Page.current_revision_id, _int(), _int(), _text(), current.value_text))
            .select_from(Page)
            .join(current, current.revision_id == Page.current_revision_id)
            .where(current.property_iri == VALID_UNTIL, current.value_date < today, Page.deleted_at.is_(None),
                   scope.pages(VALIDITY, at=at, page_id=Page.id, event_space_id=Page.space_id, page_space_id=Page.space_id,
                               actor_id=None, kind=None)))


def topic_events(scope: Scope) -> Select:
    """Revisions that give a page a topic its previous revision did not have (a new page on that topic)."""
    annotation, before = PageAnnotation, aliased(PageAnnotation)
    topic = aliased(TopicConcept)
    topic_id = func.coalesce(topic.merged_into_id, topic.id)
    had_it = exists().where(before.revision_id == Revision.parent_id, before.property_iri == SUBJECT,
                            before.value_iri == annotation.value_iri)
    return (select(*_columns(TOPIC, annotation.id, Revision.created_at, _constant(TOPIC_PAGE_ADDED), Page.id,
                             Page.space_id, Revision.author_id, Revision.id, _int(), topic_id, _text(), _text()))
            .select_from(annotation)
            .join(Revision, Revision.id == annotation.revision_id)
            .join(Page, Page.id == Revision.page_id)
            .join(topic, topic.iri == annotation.value_iri)
            .where(annotation.property_iri == SUBJECT, ~had_it,
                   scope.topics(at=Revision.created_at, topic_id=topic_id, page_space_id=Page.space_id, actor_id=Revision.author_id)))


def tag_events(scope: Scope) -> Select:
    """Every version of a tag about a person (new tags and changed ones)."""
    tag = PersonTag
    return (select(*_columns(TAG, tag.id, tag.created_at, _constant(PERSON_TAGGED), _int(), _int(), tag.tagger_id,
                             _int(), tag.person_id, tag.concept_id, _text(), _text()))
            .where(scope.tags(tag)))


def hidden_now(tag: type[PersonTag]) -> ColumnElement[bool]:
    """The tag this version belongs to is hidden by the person it is about (judged by its current version)."""
    other = aliased(PersonTag)
    same = and_(other.person_id == tag.person_id, other.tagger_id == tag.tagger_id,
                other.concept_id == tag.concept_id, other.superseded_at.is_(None))
    current_hidden = exists().where(same, other.hidden_at.is_not(None))
    withdrawn_hidden = and_(~exists().where(same), tag.hidden_at.is_not(None))
    return current_hidden | withdrawn_hidden


def union(selects: list[Select]) -> CompoundSelect | Select:
    return selects[0] if len(selects) == 1 else union_all(*selects)


def _day_after(session: Session, value: ColumnElement[date]) -> ColumnElement[datetime]:
    """Midnight UTC after a date, in the storage form of a UTC timestamp on each database."""
    if _dialect(session) == "sqlite":  # SQLite stores UTC timestamps as text; match its format exactly
        return func.date(value, "+1 day").concat(" 00:00:00.000000")
    return func.timezone("UTC", cast(value + literal_column("1"), DateTime()))


def _later(session: Session, first: ColumnElement[datetime], second: ColumnElement[datetime]) -> ColumnElement:
    return func.max(first, second) if _dialect(session) == "sqlite" else func.greatest(first, second)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def everything() -> ColumnElement[bool]:
    return true()


EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]
WEBHOOK_EVENT_TYPES = (*CHANGE_KINDS, PHASE_CHANGED, VALID_UNTIL_PASSED)
