"""A person's feed: the events on what they follow, with the rights rule applied as they read.

Events on pages the person can no longer read drop out (the rule is in the query, never a stored
flag); so do their own actions, hidden tags about colleagues and hidden profiles. Read state is a
position ("everything up to this event") plus single events marked on their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, true
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.rights import readable_space_filter
from app.changelog import Change
from app.db import utcnow
from app.following import events
from app.following.events import EventId, Position
from app.following.exceptions import EventNotFound
from app.following.models import FeedRead, FeedState
from app.following.schemas import EventLinks, EventPage, EventPerson, EventTopic, FeedEvent
from app.following.service import Followed, state_of
from app.pages.models import Page, Revision
from app.pages.presentation import authors
from app.people import service as people_service
from app.people.models import Person, PersonTag
from app.topics.models import TopicConcept
from app.people.schemas import PersonRead
from app.quality import service as quality_service
from app.quality.models import Rating

T = TypeVar("T")
DIFF_KINDS = ("page.edited", "page.reverted")


@dataclass(frozen=True)
class FeedScope:
    """The events one person's feed shows: followed things, readable now, not their own doing."""

    user: User
    followed: Followed
    me: int | None  # the caller's person id: tags about them always show

    def row_window(self, source: int, row_id: ColumnElement[int]) -> ColumnElement[bool]:
        return true()

    def _readable(self, space_id: ColumnElement[int]) -> ColumnElement[bool]:
        return readable_space_filter(self.user, space_id)

    def _not_mine(self, actor_id: ColumnElement[int] | None) -> ColumnElement[bool]:
        return true() if actor_id is None else or_(actor_id.is_(None), actor_id != self.user.id)

    def pages(self, source, *, at, page_id, event_space_id, page_space_id, actor_id, kind) -> ColumnElement[bool]:
        followed = self.followed
        wanted = or_(followed.page(page_id, at), followed.space(page_space_id, at), followed.space(event_space_id, at))
        if actor_id is not None and kind is not None:
            wanted = or_(wanted, and_(kind.in_(events.ACTIVITY_KINDS), followed.person_user(actor_id, at)))
        if kind is not None and followed.only is None:
            wanted = or_(wanted, and_(kind == events.ISSUE_RAISED, self._wrote(page_id)))
        if source == events.CHANGE and self.followed.only is None:  # a review assigned to me reaches me
            wanted = or_(wanted, and_(kind == events.REVIEW_ASSIGNED,
                                      Change.details["assignee_id"].as_integer() == self.user.id))
        return and_(self._readable(event_space_id), self._readable(page_space_id), self._not_mine(actor_id), wanted)

    def _wrote(self, page_id: ColumnElement[int]) -> ColumnElement[bool]:
        """The person wrote a revision of the page: issues raised on it reach them, followed or not."""
        return exists().where(Revision.page_id == page_id, Revision.author_id == self.user.id)

    def topics(self, *, at, topic_id, page_space_id, actor_id) -> ColumnElement[bool]:
        return and_(self._readable(page_space_id), self._not_mine(actor_id), self.followed.topic(topic_id, at))

    def tags(self, tag: type[PersonTag]) -> ColumnElement[bool]:
        about_me = tag.person_id == self.me if self.me is not None and self.followed.only is None else None
        visible_profile = tag.person_id.in_(select(Person.id).where(Person.hidden_at.is_(None)))
        about_followed = and_(self.followed.person(tag.person_id, tag.created_at), ~events.hidden_now(tag),
                              visible_profile)
        wanted = about_followed if about_me is None else or_(about_me, about_followed)
        return and_(tag.tagger_id != self.user.id, wanted)


def scope_for(session: Session, user: User, followed: Followed) -> FeedScope:
    person = people_service.person_of_user(session, user.id)
    return FeedScope(user, followed, person.id if person else None)


def feed_query(session: Session, scope: FeedScope, types: Iterable[str] | None = None):
    """The union of every source's events for this scope (only the sources the wanted types need)."""
    wanted = set(types or events.EVENT_TYPES)
    selects = []
    change_kinds = [kind for kind in events.CHANGE_KINDS if kind in wanted]
    if change_kinds:
        selects.append(events.change_events(scope, change_kinds))
    if events.PHASE_CHANGED in wanted:
        selects.append(events.phase_events(scope))
    if events.VALID_UNTIL_PASSED in wanted:
        selects.append(events.validity_events(session, scope, utcnow().date()))
    if events.TOPIC_PAGE_ADDED in wanted:
        selects.append(events.topic_events(scope))
    if events.PERSON_TAGGED in wanted:
        selects.append(events.tag_events(scope))
    return events.union(selects).subquery("feed")


def _after(feed, position: Position) -> ColumnElement[bool]:
    """Events newer than a position in feed order."""
    return or_(feed.c.at > position.at,
               and_(feed.c.at == position.at,
                    or_(feed.c.source > position.source,
                        and_(feed.c.source == position.source, feed.c.row_id > position.row_id))))


def _before(feed, position: Position) -> ColumnElement[bool]:
    return or_(feed.c.at < position.at,
               and_(feed.c.at == position.at,
                    or_(feed.c.source < position.source,
                        and_(feed.c.source == position.source, feed.c.row_id < position.row_id))))


def read_position(session: Session, user: User) -> Position | None:
    """How far the person has read (None: nothing yet); reading never creates their state row."""
    state = session.scalar(select(FeedState).where(FeedState.user_id == user.id))
    if state is None or state.read_up_to_at is None:
        return None
    return Position(state.read_up_to_at, state.read_up_to_source or 0, state.read_up_to_id or 0)


def _unread(feed, user: User, marker: Position | None) -> ColumnElement[bool]:
    marked = exists().where(FeedRead.user_id == user.id, FeedRead.source == feed.c.source,
                            FeedRead.source_id == feed.c.row_id)
    return and_(~marked, _after(feed, marker)) if marker is not None else ~marked


@dataclass
class FeedRow:
    event_id: EventId
    at: datetime
    kind: str
    page_id: int | None
    space_id: int | None
    actor_id: int | None
    revision_id: int | None
    person_id: int | None
    topic_id: int | None
    old_value: str | None
    new_value: str | None
    read: bool

    @property
    def position(self) -> Position:
        return Position(self.at, self.event_id.source, self.event_id.row_id)


def list_events(session: Session, scope: FeedScope, *, types: Iterable[str] | None, unread_only: bool,
                before: Position | None, limit: int) -> list[FeedRow]:
    """Up to limit+1 events, newest first, after the cursor position."""
    feed = feed_query(session, scope, types)
    marker = read_position(session, scope.user)
    unread = _unread(feed, scope.user, marker)
    query = select(feed, unread.label("unread"))
    if before is not None:
        query = query.where(_before(feed, before))
    if unread_only:
        query = query.where(unread)
    rows = session.execute(query.order_by(feed.c.at.desc(), feed.c.source.desc(), feed.c.row_id.desc())
                           .limit(limit + 1)).all()
    return [FeedRow(EventId(row.source, row.row_id), row.at, row.kind, row.page_id, row.space_id, row.actor_id,
                    row.revision_id, row.person_id, row.topic_id, row.old_value, row.new_value, not row.unread)
            for row in rows]


def unread_count(session: Session, scope: FeedScope, types: Iterable[str] | None = None) -> int:
    feed = feed_query(session, scope, types)
    marker = read_position(session, scope.user)
    return session.scalar(select(func.count()).select_from(feed).where(_unread(feed, scope.user, marker))) or 0


def find_event(session: Session, scope: FeedScope, event_id: str) -> Position:
    """Where one of the caller's feed events sits; 404 if it is not (or no longer) in their feed."""
    parsed = EventId.parse(event_id)
    if parsed is not None:
        feed = feed_query(session, scope)
        row = session.execute(select(feed.c.at).where(feed.c.source == parsed.source,
                                                      feed.c.row_id == parsed.row_id).limit(1)).first()
        if row is not None:
            return Position(row.at, parsed.source, parsed.row_id)
    raise EventNotFound(f"There is no event '{event_id}' in your feed.")


def mark_read(session: Session, scope: FeedScope, event_ids: list[str]) -> None:
    """Mark single events as read (each must be in the caller's feed)."""
    user = scope.user
    marker = read_position(session, user)
    for event_id in dict.fromkeys(event_ids):
        position = find_event(session, scope, event_id)
        if marker is not None and not _later(position, marker):
            continue
        if session.get(FeedRead, (user.id, position.source, position.row_id)) is None:
            session.add(FeedRead(user_id=user.id, source=position.source, source_id=position.row_id,
                                 event_at=position.at))
    session.flush()


def mark_read_up_to(session: Session, scope: FeedScope, event_id: str) -> None:
    """Mark every event up to and including this one as read (the position never moves back)."""
    position = find_event(session, scope, event_id)
    state = state_of(session, scope.user, lock=True)
    marker = read_position(session, scope.user)
    if marker is not None and not _later(position, marker):
        return
    state.read_up_to_at, state.read_up_to_source, state.read_up_to_id = position.at, position.source, position.row_id
    # Single marks at or below the new position say nothing more.
    session.execute(delete(FeedRead).where(FeedRead.user_id == scope.user.id, ~_mark_after(position)))


def _mark_after(position: Position) -> ColumnElement[bool]:
    return or_(FeedRead.event_at > position.at,
               and_(FeedRead.event_at == position.at,
                    or_(FeedRead.source > position.source,
                        and_(FeedRead.source == position.source, FeedRead.source_id > position.row_id))))


def _later(first: Position, second: Position) -> bool:
    return (first.at, first.source, first.row_id) > (second.at, second.source, second.row_id)


# ---------------------------------------------------------------- presenting events


def event_reads(session: Session, viewer: User, rows: list[FeedRow]) -> list[FeedEvent]:
    """Feed rows as the API shows them, with a handful of queries for the whole page of events."""
    changes = _by_id(session, Change, (r.event_id.row_id for r in rows if r.event_id.source == events.CHANGE))
    tags = _by_id(session, PersonTag, (r.event_id.row_id for r in rows if r.event_id.source == events.TAG))
    pages = _by_id(session, Page, (r.page_id for r in rows if r.page_id))
    parents: dict[int, int | None] = dict(session.execute(select(Revision.id, Revision.parent_id).where(
        Revision.id.in_({r.revision_id for r in rows if r.revision_id}))).all())
    topics = _by_id(session, TopicConcept, (r.topic_id for r in rows if r.topic_id))
    people = {p.id: p for p in people_service.person_reads(
        session, viewer, list(_by_id(session, Person, (r.person_id for r in rows if r.person_id)).values()))}
    actors = authors(session, (r.actor_id for r in rows if r.actor_id))
    reads = []
    for row in rows:
        page = pages.get(row.page_id) if row.page_id else None
        change = changes.get(row.event_id.row_id) if row.event_id.source == events.CHANGE else None
        tag = tags.get(row.event_id.row_id) if row.event_id.source == events.TAG else None
        topic = topics.get(row.topic_id) if row.topic_id else None
        person = people.get(row.person_id) if row.person_id else None
        actor = actors.get(row.actor_id) if row.actor_id else None
        if row.kind in events.RATING_KINDS and not _rater_shown(session, viewer, row):
            actor = None
        summary, details = _describe(row, change, tag, topic, person, viewer)
        reads.append(FeedEvent(
            id=str(row.event_id), type=row.kind, at=row.at, read=row.read,
            page=EventPage(id=page.id, title=page.title, space_id=page.space_id,
                           deleted=page.deleted_at is not None) if page else None,
            actor=actor, revision_id=row.revision_id, summary=summary, details=details,
            topic=EventTopic(id=topic.id, label=topic.label, iri=topic.iri) if topic else None,
            person=EventPerson(id=person.id, name=person.name) if person else None,
            links=_links(row, parents.get(row.revision_id) if row.revision_id else None)))
    return reads


def _describe(row: FeedRow, change: Change | None, tag: PersonTag | None, topic: TopicConcept | None,
              person: PersonRead | None, viewer: User) -> tuple[str, dict[str, Any]]:
    """A one-line summary and the event's particulars."""
    if change is not None:
        return change.summary, {"minor": change.minor, **(change.details or {})}
    if row.kind == events.PHASE_CHANGED:
        return f"{row.old_value} → {row.new_value}", {"from": row.old_value, "to": row.new_value}
    if row.kind == events.VALID_UNTIL_PASSED:
        return f"Valid until {row.new_value} has passed", {"valid_until": row.new_value}
    if row.kind == events.TOPIC_PAGE_ADDED:
        return f"New page on {topic.label if topic else 'a topic you follow'}", {}
    if tag is not None:
        about_you = person is not None and person.user_id == viewer.id
        details: dict[str, Any] = {"level": tag.level, "by_self": tag.is_self}
        if about_you:
            details["hidden"] = tag.hidden_at is not None
        label = topic.label if topic else "a topic"
        return f"Tagged {'you' if about_you else (person.name if person else 'someone')} with {label}", details
    return "", {}


def _links(row: FeedRow, parent_id: int | None) -> EventLinks:
    if row.page_id is None:
        return EventLinks()
    page = f"/api/pages/{row.page_id}"
    diff = None
    if row.kind in DIFF_KINDS and row.revision_id and parent_id:
        diff = f"{page}/diff?from={parent_id}&to={row.revision_id}"
    return EventLinks(page=page, diff=diff)


def _rater_shown(session: Session, viewer: User, row: FeedRow) -> bool:
    """Ratings may be anonymous: name the rater only as the ratings API would."""
    rating = session.scalar(select(Rating).where(Rating.page_id == row.page_id, Rating.rater_id == row.actor_id,
                                                 Rating.created_at <= row.at)
                            .order_by(Rating.created_at.desc(), Rating.id.desc()).limit(1))
    return rating is not None and quality_service.may_see_rater(viewer, rating)


def _by_id(session: Session, model: type[T], ids: Iterable[int | None]) -> dict[int, T]:
    wanted = {value for value in ids if value is not None}
    if not wanted:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))}
