"""Engine, declarative base and the one-transaction-per-request session.

SQLite: WAL, a busy timeout and foreign keys on every connection; write requests start with
`BEGIN IMMEDIATE` so two writers queue on the lock instead of failing when a read transaction
tries to upgrade (SQLITE_BUSY_SNAPSHOT). PostgreSQL: psycopg 3, READ COMMITTED, row locks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from app.config import Settings
from app.write_queue import WriteQueue

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WRITE_OPTION = "mature_write"
BUSY_TIMEOUT_OPTION = "mature_busy_timeout"  # seconds a SQLite writer waits for its turn


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def make_engine(settings: Settings) -> Engine:
    """Create the engine for the configured database, tuned per dialect."""
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        if ":memory:" not in url and url != "sqlite://":
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_ms / 1000},
        )
        _tune_sqlite(engine, settings.sqlite_busy_timeout_ms)
        engine.update_execution_options(**{BUSY_TIMEOUT_OPTION: settings.sqlite_busy_timeout_ms / 1000})
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Pragmas per connection, and our own BEGIN so writers can take the lock up front."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (SQLAlchemy recipe)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """The engine and the session factories for read and write units of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False)
        # SQLite's busy handler polls with growing sleeps, so queued writers see second-long tails
        # (bench/pages_http.py: p99 1.6 s at 8 clients). Writers of all processes queue on a lock file instead.
        self.write_lock: AbstractContextManager[Any] = _sqlite_write_queue(engine) \
            if engine.dialect.name == "sqlite" else nullcontext()

    def session(self, *, write: bool) -> Session:
        return (self._write if write else self._read)()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A unit of work outside HTTP (CLI, demo loader): commit on success, else roll back."""
        with self.write_lock if write else nullcontext():
            session = self.session(write=write)
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_write_queue(engine: Engine) -> WriteQueue:
    """One write turn for every process using this SQLite file (app/write_queue.py)."""
    database = engine.url.database
    lock_file = None if not database or database == ":memory:" else Path(f"{database}-writers.lock")
    return WriteQueue(lock_file, engine.get_execution_options().get(BUSY_TIMEOUT_OPTION, 10.0))


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def read_only(endpoint: Any) -> Any:
    """Mark a POST endpoint that only reads (SPARQL, queries), so it takes no write lock."""
    endpoint.read_only = True
    return endpoint


def _writes(request: Request) -> bool:
    endpoint = request.scope.get("endpoint")
    return request.method not in SAFE_METHODS and not getattr(endpoint, "read_only", False)


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent.

    Used with `scope="function"`, so a failed commit raises before any 2xx leaves the server.
    """
    write = _writes(request)
    with request.app.state.database.transaction(write=write) as session:
        yield session
    if write:
        for hook in getattr(request.app.state, "after_write", ()):
            hook()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def load_models() -> type[Base]:
    """Import every model module so `Base.metadata` knows all tables (Alembic, tests)."""
    import app.auth.models  # noqa: F401
    import app.changelog  # noqa: F401
    import app.following.models  # noqa: F401
    import app.pages.models  # noqa: F401
    import app.people.models  # noqa: F401
    import app.quality.models  # noqa: F401
    import app.reports.models  # noqa: F401
    import app.search.models  # noqa: F401
    import app.security.models  # noqa: F401
    import app.tagging.models  # noqa: F401
    import app.semantics.models  # noqa: F401
    import app.wikiimport.models  # noqa: F401

    return Base
