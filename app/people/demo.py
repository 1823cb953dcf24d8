"""Demo people tagging (`app/demo/people.toml`), loaded through the service code by `mature demo`.

Idempotent: contacts are found by name, and a tag is added only when its tagger has no current
tag of that person with that topic.
"""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import utcnow
from app.pages.models import Page
from app.people import service
from app.topics import skos, service as topics
from app.people.models import Person
from app.people.schemas import PersonCreate, TagCreate


def load_people(session: Session, path: Path) -> tuple[int, int]:
    """Seed the topic scheme, then add the demo contacts and tags; returns (contacts, tags) added."""
    skos.seed(session)
    service.ensure_people(session)
    data = tomllib.loads(path.read_text())
    users = {u.username: u for u in session.scalars(select(User))}
    contacts = sum(_contact(session, users, entry) for entry in data.get("contacts", []))
    tags = sum(_tag(session, users, entry) for entry in data.get("tags", []))
    return contacts, tags


def _contact(session: Session, users: dict[str, User], entry: dict[str, Any]) -> int:
    if session.scalar(select(Person.id).where(Person.name == entry["name"], Person.user_id.is_(None))):
        return 0
    service.create_contact(session, users[entry["added_by"]], PersonCreate(
        name=entry["name"], organisation=entry.get("organisation", ""), contact=entry.get("contact", "")))
    return 1


def _person(session: Session, users: dict[str, User], name: str) -> Person:
    if name in users:
        person = service.person_of_user(session, users[name].id)
    else:
        person = session.scalar(select(Person).where(Person.name == name, Person.user_id.is_(None)))
    assert person is not None, f"people.toml names an unknown person: {name}"
    return person


def _tag(session: Session, users: dict[str, User], entry: dict[str, Any]) -> int:
    tagger = users[entry["tagger"]]
    person = _person(session, users, entry["person"])
    known = topics.resolve(session, entry["topic"])
    if known is not None and service.current_tag(session, person.id, tagger.id, known.id) is not None:
        return 0
    page_id = session.scalar(select(Page.id).where(Page.title == entry["page"])) if "page" in entry else None
    outcome = service.put_tag(session, tagger, person, TagCreate(
        topic=entry["topic"], level=entry.get("level"), note=entry.get("note", ""), evidence_page_id=page_id))
    if entry.get("days_ago"):
        when = utcnow() - timedelta(days=entry["days_ago"])
        outcome.tag.created_at = outcome.tag.confirmed_at = when
    session.flush()
    return 1
