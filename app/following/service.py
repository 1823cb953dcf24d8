"""Who follows what: explicit follows, automatic page follows and explicit unfollows.

"Follows page P" = an explicit follow of P, or (automatic following on, and the person wrote a
revision of P or rated it) and no explicit unfollow of P. Automatic follows are derived, never
stored, so switching the preference off takes effect at once and back on restores them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true, union
from sqlalchemy.orm import Session

from app.auth import space_service
from app.auth.models import Space, User
from app.auth.rights import readable_space_ids, readable_spaces
from app.pages.access import readable_pages
from app.db import upsert, utcnow
from app.following.exceptions import FollowNotFound, InvalidFollow
from app.following.models import FeedState, Follow, FollowKind, FollowState
from app.following.schemas import FollowRead
from app.pages import service as page_service
from app.pages.models import Page, Revision
from app.people import service as people_service
from app.people.models import Person
from app.quality.models import Rating
from app.topics import service as topic_service
from app.topics.models import TopicConcept


@dataclass(frozen=True)
class FollowKey:
    """A follow's public id: its kind and target ("page-12"), the same for explicit and automatic ones."""

    kind: FollowKind
    target_id: int

    def __str__(self) -> str:
        return f"{self.kind.value}-{self.target_id}"

    @classmethod
    def parse(cls, text: str) -> FollowKey:
        kind, _, number = text.partition("-")
        if kind not in FollowKind._value2member_map_ or not number.isdigit() or len(number) > 18:
            raise FollowNotFound(f"There is no follow '{text}'; follow ids look like page-12 or topic-3.")
        return cls(FollowKind(kind), int(number))


# ---------------------------------------------------------------- preferences


def state_of(session: Session, user: User, *, lock: bool = False) -> FeedState:
    """The person's feed state, created with defaults on first use."""
    query = select(FeedState).where(FeedState.user_id == user.id)
    if lock:
        query = query.with_for_update()
    state = session.scalar(query)
    if state is None:  # two first requests at once must not collide on the primary key
        session.execute(upsert(session, FeedState).values(user_id=user.id, auto_follow=True).on_conflict_do_nothing())
        state = session.scalar(query)
    assert state is not None
    return state


def auto_follow_on(session: Session, user: User) -> bool:
    return session.scalar(select(FeedState.auto_follow).where(FeedState.user_id == user.id)) is not False


def set_auto_follow(session: Session, user: User, enabled: bool) -> FeedState:
    state = state_of(session, user, lock=True)
    state.auto_follow = enabled
    return state


# ---------------------------------------------------------------- following and unfollowing


def _row(session: Session, user: User, key: FollowKey) -> Follow | None:
    return session.scalar(select(Follow).where(Follow.user_id == user.id, Follow.kind == key.kind,
                                               Follow.target_id == key.target_id))


def resolve_target(session: Session, user: User, kind: FollowKind, target_id: int) -> FollowKey:
    """The thing to follow, if the caller may see it (404 otherwise); merged topics lead to their successor."""
    if kind is FollowKind.page:
        page_service.get_access(session, user, target_id)
    elif kind is FollowKind.space:
        space_service.get_space(session, user, target_id)
    elif kind is FollowKind.topic:
        topic = session.get(TopicConcept, target_id)
        if topic is None or not topic_service.may_see(user, topic):
            raise InvalidFollow(f"id: there is no topic {target_id}.", status=404, title="Topic not found")
        target_id = topic_service.follow(session, topic).id
    else:
        person = people_service.get_person(session, user, target_id)
        if person.user_id == user.id:
            raise InvalidFollow("id: that is you; tags about you are always in your feed.")
    return FollowKey(kind, target_id)


def follow(session: Session, user: User, kind: FollowKind, target_id: int) -> tuple[FollowKey, bool]:
    """Follow something (again); returns its key and whether anything changed."""
    key = resolve_target(session, user, kind, target_id)
    row = _row(session, user, key)
    if row is None:
        return key, _insert(session, user, key, FollowState.following)
    changed = row.state is not FollowState.following
    if changed:
        row.state, row.created_at = FollowState.following, utcnow()
    return key, changed


def unfollow(session: Session, user: User, key: FollowKey) -> None:
    """Stop following; for a page this is remembered, so editing or rating it again does not re-follow."""
    if key not in set(followed_keys(session, user)):
        raise FollowNotFound(f"You do not follow {key}.")
    row = _row(session, user, key)
    if key.kind is FollowKind.page:
        if row is None:
            _insert(session, user, key, FollowState.unfollowed)
        else:
            row.state, row.created_at = FollowState.unfollowed, utcnow()
    elif row is not None:
        session.delete(row)
    session.flush()


def _insert(session: Session, user: User, key: FollowKey, state: FollowState) -> bool:
    """Add the row unless a simultaneous request just did (then theirs stands); True if this one did."""
    inserted = session.execute(upsert(session, Follow).values(
        user_id=user.id, kind=key.kind, target_id=key.target_id, state=state, created_at=utcnow(),
    ).on_conflict_do_nothing().returning(Follow.id)).first()
    return inserted is not None


# ---------------------------------------------------------------- what a person follows, as SQL


def explicit(user: User, kind: FollowKind, state: FollowState = FollowState.following) -> Select[tuple[int]]:
    return select(Follow.target_id).where(Follow.user_id == user.id, Follow.kind == kind, Follow.state == state)


def contributed_pages(user: User) -> Select[tuple[int]]:
    """Pages the person wrote a revision of or rated: followed automatically unless switched off."""
    return union(select(Revision.page_id).where(Revision.author_id == user.id),
                 select(Rating.page_id).where(Rating.rater_id == user.id))


@dataclass(frozen=True)
class Followed:
    """WHERE clauses for "was this followed when it happened?", for one person (or one of their follows).

    A feed starts when the follow does: an explicit follow at its `created_at`, an automatic one at the
    person's first revision or rating of the page.
    """

    user: User
    auto_follow: bool
    only: FollowKey | None = None

    def _wants(self, kind: FollowKind) -> bool:
        return self.only is None or self.only.kind is kind

    def _chosen(self, kind: FollowKind, target: ColumnElement[int], at: ColumnElement) -> ColumnElement[bool]:
        return exists().where(Follow.user_id == self.user.id, Follow.kind == kind, Follow.target_id == target,
                              Follow.state == FollowState.following, Follow.created_at <= at)

    def _only(self, target: ColumnElement[int]) -> ColumnElement[bool]:
        return target == self.only.target_id if self.only is not None else true()

    def page(self, page_id: ColumnElement[int], at: ColumnElement) -> ColumnElement[bool]:
        if not self._wants(FollowKind.page):
            return false()
        chosen = self._chosen(FollowKind.page, page_id, at)
        if self.auto_follow:
            wrote = exists().where(Revision.page_id == page_id, Revision.author_id == self.user.id,
                                   Revision.created_at <= at)
            rated = exists().where(Rating.page_id == page_id, Rating.rater_id == self.user.id, Rating.created_at <= at)
            # Any explicit row decides alone: a follow starts at its own time, an unfollow ends it.
            decided = exists().where(Follow.user_id == self.user.id, Follow.kind == FollowKind.page,
                                     Follow.target_id == page_id)
            chosen = or_(chosen, and_(or_(wrote, rated), ~decided))
        return and_(self._only(page_id), chosen)

    def _simple(self, kind: FollowKind, target: ColumnElement[int], at: ColumnElement) -> ColumnElement[bool]:
        if not self._wants(kind):
            return false()
        return and_(self._only(target), self._chosen(kind, target, at))

    def space(self, space_id: ColumnElement[int], at: ColumnElement) -> ColumnElement[bool]:
        return self._simple(FollowKind.space, space_id, at)

    def topic(self, topic_id: ColumnElement[int], at: ColumnElement) -> ColumnElement[bool]:
        return self._simple(FollowKind.topic, topic_id, at)

    def person(self, person_id: ColumnElement[int], at: ColumnElement) -> ColumnElement[bool]:
        return self._simple(FollowKind.person, person_id, at)

    def person_user(self, user_id: ColumnElement[int], at: ColumnElement) -> ColumnElement[bool]:
        """The actor is a followed person (users only: external contacts do not act)."""
        if not self._wants(FollowKind.person):
            return false()
        return exists().where(Person.user_id == user_id, self.person(Person.id, at))


def followed(session: Session, user: User, only: FollowKey | None = None) -> Followed:
    if only is not None and only not in set(followed_keys(session, user)):
        raise FollowNotFound(f"You do not follow {only}.")
    return Followed(user, auto_follow_on(session, user), only)


# ---------------------------------------------------------------- listing


def followed_keys(session: Session, user: User) -> list[FollowKey]:
    """Everything the person follows and may still see, explicit and automatic, in (kind, id) order."""
    keys = {FollowKey(row.kind, row.target_id): row for row in session.scalars(
        select(Follow).where(Follow.user_id == user.id, Follow.state == FollowState.following))}
    if auto_follow_on(session, user):
        unfollowed = explicit(user, FollowKind.page, FollowState.unfollowed)
        for page_id in session.scalars(select(Page.id).where(Page.id.in_(contributed_pages(user)),
                                                             Page.id.not_in(unfollowed))):
            keys.setdefault(FollowKey(FollowKind.page, page_id), None)
    visible = _visible(session, user, keys)
    order = list(FollowKind)
    return sorted(visible, key=lambda key: (order.index(key.kind), key.target_id))


def _visible(session: Session, user: User, keys: dict[FollowKey, Follow | None]) -> list[FollowKey]:
    """Drop follows of things the person can no longer see (they come back if access returns)."""
    ids = {kind: {key.target_id for key in keys if key.kind is kind} for kind in FollowKind}
    pages = set(session.scalars(readable_pages(user, Page.id, with_deleted=True)
                                .where(Page.id.in_(ids[FollowKind.page]))))
    spaces = set(session.scalars(readable_space_ids(user).where(Space.id.in_(ids[FollowKind.space]))))
    topics = set(session.scalars(select(TopicConcept.id).where(TopicConcept.id.in_(ids[FollowKind.topic]),
                                                               topic_service.visible_filter(user))))
    people = {person.id for person in session.scalars(select(Person).where(Person.id.in_(ids[FollowKind.person])))
              if person.hidden_at is None or people_service.may_see_hidden(user, person)}
    seen = {FollowKind.page: pages, FollowKind.space: spaces, FollowKind.topic: topics, FollowKind.person: people}
    return [key for key in keys if key.target_id in seen[key.kind]]


def follow_reads(session: Session, user: User, keys: list[FollowKey]) -> list[FollowRead]:
    """Follows as the API shows them: a label and a link for each, and whether it is automatic."""
    rows = {FollowKey(row.kind, row.target_id): row for row in session.scalars(
        select(Follow).where(Follow.user_id == user.id, Follow.state == FollowState.following))}
    ids = {kind: {key.target_id for key in keys if key.kind is kind} for kind in FollowKind}
    labels: dict[FollowKind, dict[int, str]] = {
        FollowKind.page: dict(session.execute(readable_pages(user, Page.id, Page.title, with_deleted=True)
                                              .where(Page.id.in_(ids[FollowKind.page]))).all()),
        FollowKind.space: dict(session.execute(readable_spaces(user, Space.id, Space.name)
                                               .where(Space.id.in_(ids[FollowKind.space]))).all()),
        FollowKind.topic: dict(session.execute(select(TopicConcept.id, TopicConcept.label)
                                               .where(TopicConcept.id.in_(ids[FollowKind.topic]))).all()),
        FollowKind.person: {p.id: p.name for p in people_service.person_reads(session, user, list(session.scalars(
            select(Person).where(Person.id.in_(ids[FollowKind.person])))))},
    }
    paths = {FollowKind.page: "pages", FollowKind.space: "spaces", FollowKind.topic: "topics",
             FollowKind.person: "people"}
    return [FollowRead(id=str(key), kind=key.kind.value, target_id=key.target_id,
                       label=labels[key.kind].get(key.target_id, ""), automatic=key not in rows,
                       since=rows[key].created_at if key in rows else None,
                       url=f"/api/{paths[key.kind]}/{key.target_id}") for key in keys]
