"""The tag part of the expert ranking, computed in the database for everyone at once.

A broad question can cover a third of all tags; fetching them to score in Python took most of the
answer's time. The database computes each tag's weight with the formula of `app.people.ranking`
(the same constants), keeps each tagger's strongest tag per person and sums per person, so only
one row per person comes back. `tests/people/test_tag_scores.py` checks that it agrees with
`ranking.score` on both databases.
"""

from __future__ import annotations

import math
import sqlite3
from datetime import datetime
from functools import cache

from sqlalchemy import Float, Select, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.auth.models import User
from app.db import UTCDateTime
from app.people import ranking, service
from app.people.models import Person, PersonTag


@cache
def _sqlite_has_power() -> bool:
    """SQLite has power() only when built with its math functions (most builds since 3.35)."""
    try:
        sqlite3.connect(":memory:").execute("SELECT power(0.5, 2.0)")
    except sqlite3.OperationalError:
        return False
    return True


def _prepare(session: Session) -> None:
    """Give a SQLite connection without math functions a power() (Python's, slower but the same)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not _sqlite_has_power():
        connection.connection.dbapi_connection.create_function("power", 2, math.pow, deterministic=True)


def _days_since(session: Session, column: ColumnElement[datetime], now: datetime) -> ColumnElement[float]:
    at = literal(now, UTCDateTime())
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(at) - func.julianday(column)
    return func.extract("epoch", at - column) / 86400.0


def weight(session: Session, roots: set[int], now: datetime) -> ColumnElement[float]:
    """`ranking.tag_weight` as SQL over `PersonTag`."""
    number = lambda value: literal(value, Float())
    days = _days_since(session, PersonTag.confirmed_at, now)
    fade = func.power(number(0.5), case((days < 0, number(0.0)), else_=cast(days, Float)) / ranking.HALF_LIFE_DAYS)
    source = case((PersonTag.is_self, number(ranking.SELF)), else_=number(ranking.COLLEAGUE))
    level = case((PersonTag.level.is_(None), number(1.0)), else_=number(0.6) + number(0.2) * PersonTag.level)
    reach = case((PersonTag.concept_id.in_(roots), number(1.0)), else_=number(ranking.NARROWER))
    evidence = case((or_(PersonTag.note != "", PersonTag.evidence_page_id.is_not(None)), number(ranking.EVIDENCE)),
                    else_=number(1.0))
    return source * level * fade * reach * evidence


def tag_scores(session: Session, scope: set[int], roots: set[int], kind: str | None,
               now: datetime) -> dict[int, tuple[float, float]]:
    """Person id -> (sum of colleagues' strongest tags, their own strongest self-tag), over the current,
    visible tags on `scope` of people the directory shows."""
    if not scope:
        return {}
    _prepare(session)
    per_tagger = _listed(
        select(PersonTag.person_id, PersonTag.tagger_id, PersonTag.is_self,
               func.max(weight(session, roots, now)).label("weight"))
        .where(PersonTag.concept_id.in_(scope), PersonTag.superseded_at.is_(None), PersonTag.hidden_at.is_(None))
        .group_by(PersonTag.person_id, PersonTag.tagger_id, PersonTag.is_self), kind).subquery()
    zero = literal(0.0, Float())
    rows = session.execute(select(
        per_tagger.c.person_id,
        func.sum(case((per_tagger.c.is_self, zero), else_=per_tagger.c.weight)),
        func.max(case((per_tagger.c.is_self, per_tagger.c.weight), else_=zero)),
    ).group_by(per_tagger.c.person_id))
    return {person_id: (float(colleagues), float(own)) for person_id, colleagues, own in rows}


def _listed(statement: Select, kind: str | None) -> Select:
    statement = (statement.join(Person, Person.id == PersonTag.person_id)
                 .outerjoin(User, User.id == Person.user_id).where(service.listed_clause()))
    if kind == "internal":
        return statement.where(Person.user_id.is_not(None))
    if kind == "external":
        return statement.where(and_(Person.user_id.is_(None)))
    return statement
