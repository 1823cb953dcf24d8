"""People and their tags: the directory, external contacts, tagging with history, hiding.

Visibility, in one place: a hidden profile is seen only by the person (or, for an external
contact, by whoever added it and by managers); a hidden tag only by the person it is about.
Hidden profiles and tags count nowhere else (directory, profiles, expert search, usage counts).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from app.pages import access
from app.auth.models import Role, User
from app.db import Database, upsert, utcnow
from app.pages.models import Page
from app.pages.presentation import authors
from app.people.exceptions import InvalidProfileChange, NotYours, PersonNotFound, TagNotFound
from app.people.models import Person, PersonTag
from app.people.schemas import PageRef, PersonCreate, PersonRead, PersonUpdate, TagCreate, TagRead
from app.topics import service as topics
from app.topics import skos
from app.topics.exceptions import InvalidTag
from app.topics.models import TopicConcept
from app.topics.schemas import TopicRef

MANAGERS = (Role.manager, Role.admin)

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- who is a person


def ensure_people(session: Session) -> int:
    """Give every user without one a person row (users made by processes that did not load this package)."""
    missing = select(User.id).where(~exists().where(Person.user_id == User.id))
    if session.scalar(select(exists(missing))) is not True:
        return 0
    statement = upsert(session, Person).from_select(["user_id", "organisation", "contact", "created_at"],
                                           select(User.id, literal(""), literal(""), User.created_at)
                                           .where(~exists().where(Person.user_id == User.id)))
    return session.execute(statement.on_conflict_do_nothing()).rowcount or 0


def person_of_user(session: Session, user_id: int) -> Person | None:
    return session.scalar(select(Person).where(Person.user_id == user_id))


def may_see_hidden(viewer: User, person: Person) -> bool:
    """Who still sees a hidden profile: the person; for a contact, who added it and managers."""
    if person.user_id is not None:
        return person.user_id == viewer.id
    return person.created_by_id == viewer.id or viewer.role in MANAGERS


def get_person(session: Session, viewer: User, person_id: int, *, lock: bool = False) -> Person:
    """A person the viewer may see; 404 otherwise (a hidden profile's existence does not leak)."""
    query = select(Person).where(Person.id == person_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    person = session.scalar(query)
    if person is None or (person.hidden_at is not None and not may_see_hidden(viewer, person)):
        raise PersonNotFound(f"There is no person {person_id} that you can see.")
    return person


def me(session: Session, viewer: User) -> Person:
    person = person_of_user(session, viewer.id)
    if person is None:
        ensure_people(session)
        person = person_of_user(session, viewer.id)
    assert person is not None
    return person


def listed_clause() -> ColumnElement[bool]:
    """People the directory and expert search show: visible profiles of active users and contacts."""
    return and_(Person.hidden_at.is_(None), or_(Person.user_id.is_(None), User.is_active.is_(True)))


# ---------------------------------------------------------------- presenting people


def person_reads(session: Session, viewer: User, people: Sequence[Person]) -> list[PersonRead]:
    """People as the API shows them (users' names from their account), in one query for the users."""
    users = {user.id: user for user in session.scalars(
        select(User).where(User.id.in_({p.user_id for p in people if p.user_id is not None})))}
    reads = []
    for person in people:
        user = users.get(person.user_id) if person.user_id is not None else None
        reads.append(PersonRead(
            id=person.id, kind="internal" if user else "external", name=user.display_name if user else person.name,
            username=user.username if user else None, user_id=person.user_id, organisation=person.organisation,
            contact=None if user else person.contact, hidden=person.hidden_at is not None,
            created_at=person.created_at))
    return reads


def name_expression() -> ColumnElement[str]:
    return func.lower(func.coalesce(User.display_name, Person.name))


def directory(session: Session, *, query: str | None, kind: str | None, after: tuple[str, int] | None,
              limit: int) -> list[Person]:
    """The directory in name order: visible profiles, optionally by name/organisation text and kind."""
    name = name_expression()
    statement = select(Person).outerjoin(User, User.id == Person.user_id).where(listed_clause())
    if query:
        pattern = f"%{topics.escape_like(query.strip().lower())}%"
        statement = statement.where(or_(name.like(pattern, escape="\\"),
                                        func.lower(Person.organisation).like(pattern, escape="\\")))
    if kind == "internal":
        statement = statement.where(Person.user_id.is_not(None))
    elif kind == "external":
        statement = statement.where(Person.user_id.is_(None))
    if after is not None:
        statement = statement.where(or_(name > after[0], and_(name == after[0], Person.id > after[1])))
    return list(session.scalars(statement.order_by(name, Person.id).limit(limit + 1)))


def sort_key(session: Session, person: Person) -> list:
    if person.user_id is None:
        return [(person.name or "").lower(), person.id]
    user = session.get(User, person.user_id)
    return [user.display_name.lower(), person.id]


# ---------------------------------------------------------------- external contacts


def create_contact(session: Session, viewer: User, body: PersonCreate) -> Person:
    """An external contact; any signed-in adviser may add one."""
    person = Person(name=" ".join(body.name.split()), organisation=body.organisation.strip(),
                    contact=body.contact.strip(), created_by_id=viewer.id, created_at=utcnow())
    session.add(person)
    session.flush()
    return person


def _may_manage_contact(viewer: User, person: Person) -> bool:
    return person.created_by_id == viewer.id or viewer.role in MANAGERS


def update_person(session: Session, viewer: User, person: Person, body: PersonUpdate) -> Person:
    """Users may hide their own profile; a contact's details and visibility belong to who added it and managers."""
    details = body.model_dump(exclude_unset=True, exclude={"hidden"})
    if person.user_id is not None:
        if person.user_id != viewer.id:
            raise NotYours("Only the person themselves can change their profile.")
        if details:
            raise InvalidProfileChange("A user's name is their account's display name (PATCH /api/users/{id}); "
                                       "only `hidden` can be set here.")
    elif not _may_manage_contact(viewer, person):
        raise NotYours("Only the colleague who added this contact, or a manager, can change it.")
    for name, value in details.items():
        if value is not None:
            setattr(person, name, " ".join(value.split()) if name == "name" else value.strip())
    if body.hidden is not None:
        person.hidden_at = (person.hidden_at or utcnow()) if body.hidden else None
    session.flush()
    return person


def delete_contact(session: Session, viewer: User, person: Person) -> None:
    if person.user_id is not None:
        raise NotYours("Users are not deleted here; hide the profile instead (PATCH with hidden=true).")
    if not _may_manage_contact(viewer, person):
        raise NotYours("Only the colleague who added this contact, or a manager, can delete it.")
    session.delete(person)
    session.flush()


# ---------------------------------------------------------------- tags


@dataclass(frozen=True)
class TagOutcome:
    tag: PersonTag
    created: bool


def _evidence_page(session: Session, viewer: User, page_id: int | None) -> int | None:
    if page_id is not None and page_id not in readable_pages(session, viewer, [page_id]):
        raise InvalidTag(f"evidence_page_id: there is no page {page_id} that you can read.")
    return page_id


def current_tag(session: Session, person_id: int, tagger_id: int, concept_id: int) -> PersonTag | None:
    return session.scalar(select(PersonTag).where(
        PersonTag.person_id == person_id, PersonTag.tagger_id == tagger_id, PersonTag.concept_id == concept_id,
        PersonTag.superseded_at.is_(None)))


def put_tag(session: Session, viewer: User, person: Person, body: TagCreate) -> TagOutcome:
    """Tag a person (or yourself); tagging again with the same topic changes your tag, keeping the old
    version as history, or just reconfirms it when nothing changed (so it stops fading)."""
    person = get_person(session, viewer, person.id, lock=True)  # one current tag per tagger, even under races
    topic = topics.named_or_proposed(session, viewer, body.topic_id, body.topic)
    topics.used_openly(topic)  # tags of people are seen by everyone
    evidence = _evidence_page(session, viewer, body.evidence_page_id)
    note = body.note.strip()
    now = utcnow()
    previous = current_tag(session, person.id, viewer.id, topic.id)
    if previous is not None and (previous.level, previous.note, previous.evidence_page_id) == (body.level, note,
                                                                                             evidence):
        previous.confirmed_at = now
        return TagOutcome(previous, created=False)
    if previous is not None:
        previous.superseded_at = now
        session.flush()
    tag = PersonTag(person_id=person.id, tagger_id=viewer.id, concept_id=topic.id, is_self=person.user_id == viewer.id,
                    level=body.level, note=note, evidence_page_id=evidence, created_at=now, confirmed_at=now,
                    hidden_at=previous.hidden_at if previous is not None else None)
    session.add(tag)
    session.flush()
    return TagOutcome(tag, created=previous is None)


def _visible_tag(session: Session, viewer: User, person: Person, tag_id: int) -> PersonTag:
    """The current version of the tag `tag_id` belongs to (any version's id works); 404 if you may not see it."""
    tag = session.get(PersonTag, tag_id)
    if tag is None or tag.person_id != person.id:
        raise TagNotFound(f"Person {person.id} has no tag {tag_id}.")
    current = current_tag(session, tag.person_id, tag.tagger_id, tag.concept_id)
    if current is None or (current.hidden_at is not None and not _is_subject(viewer, person)
                           and current.tagger_id != viewer.id):
        raise TagNotFound(f"Tag {tag_id} of person {person.id} was withdrawn or is not one you can see.")
    return current


def _is_subject(viewer: User, person: Person) -> bool:
    return person.user_id == viewer.id


def withdraw_tag(session: Session, viewer: User, person: Person, tag_id: int) -> PersonTag:
    """The tagger withdraws their tag (kept as history)."""
    tag = _visible_tag(session, viewer, person, tag_id)
    if tag.tagger_id != viewer.id:
        raise NotYours("Only the colleague who made a tag can withdraw it; you can hide it if it is about you.")
    tag.superseded_at = utcnow()
    session.flush()
    return tag


def hide_tag(session: Session, viewer: User, person: Person, tag_id: int, hidden: bool) -> PersonTag:
    """The person a colleague's tag is about hides it from everyone else (or shows it again)."""
    tag = _visible_tag(session, viewer, person, tag_id)
    if not _is_subject(viewer, person):
        raise NotYours("Only the person a tag is about can hide it.")
    if tag.is_self:
        raise InvalidTag("This is your own tag: withdraw it (DELETE) instead of hiding it.")
    tag.hidden_at = (tag.hidden_at or utcnow()) if hidden else None
    session.flush()
    return tag


def tags_about(session: Session, viewer: User, person: Person, include_history: bool) -> list[PersonTag]:
    """Tags about the person, newest first: hidden ones only for the person themselves."""
    query = select(PersonTag).where(PersonTag.person_id == person.id)
    if not include_history:
        query = query.where(PersonTag.superseded_at.is_(None))
    if not _is_subject(viewer, person):
        query = query.where(PersonTag.hidden_at.is_(None))
    return list(session.scalars(query.order_by(PersonTag.created_at.desc(), PersonTag.id.desc())))


# ---------------------------------------------------------------- presenting tags


def readable_pages(session: Session, viewer: User, page_ids: Iterable[int]) -> dict[int, PageRef]:
    """The live pages among `page_ids` the viewer may read (the one rights rule, in the query)."""
    ids = set(page_ids)
    if not ids:
        return {}
    rows = session.execute(access.readable_pages(viewer, Page.id, Page.title, Page.space_id)
                           .where(Page.id.in_(ids))).all()
    return {row.id: PageRef(id=row.id, title=row.title, space_id=row.space_id) for row in rows}


def topic_refs(session: Session, topic_ids: Iterable[int]) -> dict[int, TopicRef]:
    return {t.id: topic_ref(t) for t in session.scalars(select(TopicConcept).where(TopicConcept.id.in_(set(topic_ids))))}


def topic_ref(topic: TopicConcept) -> TopicRef:
    return TopicRef(id=topic.id, iri=topic.iri, label=topic.label, status=topic.status.value)


def tag_reads(session: Session, viewer: User, tags: Sequence[PersonTag]) -> list[TagRead]:
    """Tags with their topic, tagger and evidence page (named only when the viewer may read it)."""
    refs = topic_refs(session, (t.concept_id for t in tags))
    taggers = authors(session, (t.tagger_id for t in tags))
    pages = readable_pages(session, viewer, (t.evidence_page_id for t in tags if t.evidence_page_id))
    return [TagRead(id=t.id, person_id=t.person_id, topic=refs[t.concept_id], tagger=taggers[t.tagger_id],
                    by_self=t.is_self, level=t.level, note=t.note, evidence_page=pages.get(t.evidence_page_id),
                    created_at=t.created_at, confirmed_at=t.confirmed_at, superseded_at=t.superseded_at,
                    hidden=t.hidden_at is not None) for t in tags]


def seed_topic_scheme(database: Database) -> None:
    """Start-up: seed the scheme and give every user a person row (both idempotent and quick when done).

    Several workers may start at once; one seeds, the others' inserts collide and are only logged.
    """
    try:
        with database.transaction() as session:
            ensure_people(session)
            skos.seed(session)
    except IntegrityError:
        log.info("the topic scheme was seeded by another process")
    except SQLAlchemyError:  # e.g. not migrated yet: serve anyway; the next start-up seeds
        log.exception("seeding the topic scheme failed")
