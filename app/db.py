"""Engine, declarative base and the one-transaction-per-request session.

SQLite: WAL, a busy timeout and foreign keys on every connection; write requests start with
`BEGIN IMMEDIATE` so two writers queue on the lock instead of failing when a read transaction
tries to upgrade (SQLITE_BUSY_SNAPSHOT). PostgreSQL: psycopg 3, READ COMMITTED, row locks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
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
DEFERRED_TURN = "mature_deferred_turn"  # session.info: the write turn a deferred session takes later


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
    def transaction(self, *, write: bool = True, deferred: bool = False) -> Iterator[Session]:
        """A unit of work outside HTTP (CLI, demo loader): commit on success, else roll back.

        `deferred`: a write that reads and computes first and takes the write turn only when it calls
        `take_write_turn(session)` (a big page save parses for seconds; nobody's rating should wait for that)."""
        with ExitStack() as stack:
            if write and not deferred:
                stack.enter_context(self.write_lock)
            session = self.session(write=write and not deferred)
            if write and deferred:
                turn = session.info[DEFERRED_TURN] = DeferredTurn(self, session)
                stack.callback(turn.release)
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


class DeferredTurn:
    """The write turn of a deferred session: taken when its reading and computing are done, given back
    as soon as its writing is committed, so the answer is built outside the turn too."""

    def __init__(self, database: Database, session: Session) -> None:
        self.database, self.session = database, session
        self.read_bind = session.bind
        self.held: ExitStack | None = None

    def take(self) -> bool:
        if self.held is not None:
            return False
        if _has_changes(self.session):
            raise RuntimeError("a deferred session changed objects before taking its write turn")
        self.session.commit()  # ends the read transaction (nothing was written), so writing starts afresh
        held = ExitStack()
        held.enter_context(self.database.write_lock)
        self.held = held
        if isinstance(self.read_bind, Engine):  # on SQLite the next BEGIN is IMMEDIATE (tests bind a connection)
            self.session.bind = self.read_bind.execution_options(**{WRITE_OPTION: True})
        return True

    def end(self) -> None:
        """Commit what was written and give the turn back; the session goes on reading."""
        if self.held is None:
            return
        self.session.commit()
        self.release()

    def release(self) -> None:
        held, self.held = self.held, None
        self.session.bind = self.read_bind
        if held is not None:
            held.close()


def _has_changes(session: Session) -> bool:
    return bool(session.new or session.dirty or session.deleted)


def take_write_turn(session: Session) -> bool:
    """Start writing: a deferred session (see `Database.transaction`) now waits for the database's write
    turn; until then it only read. For any other session it does nothing (it holds the turn already).

    True if the turn was taken just now: what the session read before may have changed since."""
    turn = session.info.get(DEFERRED_TURN)
    return turn is not None and turn.take()


def end_write_turn(session: Session) -> None:
    """Commit a deferred session's writes now and give the write turn back (a failed commit raises here,
    before any answer); a session that is not deferred keeps its turn until the request ends."""
    turn = session.info.get(DEFERRED_TURN)
    if turn is not None:
        turn.end()


@event.listens_for(Session, "before_flush")
def _refuse_writes_before_the_turn(session: Session, _context: Any, _instances: Any) -> None:
    """A deferred session that writes without its turn would meet other writers in SQLite's busy handler."""
    turn = session.info.get(DEFERRED_TURN)
    if turn is not None and turn.held is None and _has_changes(session):
        raise RuntimeError("call take_write_turn(session) before changing anything in a deferred session")


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


def takes_write_turn(endpoint: Any) -> Any:
    """Mark a write endpoint whose service reads and computes first and then calls `take_write_turn`,
    so its parsing, typing and merging keep no other writer waiting (the page saves)."""
    endpoint.deferred_write = True
    return endpoint


def _writes(request: Request) -> bool:
    endpoint = request.scope.get("endpoint")
    return request.method not in SAFE_METHODS and not getattr(endpoint, "read_only", False)


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent.

    Used with `scope="function"`, so a failed commit raises before any 2xx leaves the server.
    """
    write = _writes(request)
    deferred = getattr(request.scope.get("endpoint"), "deferred_write", False)
    with request.app.state.database.transaction(write=write, deferred=deferred) as session:
        yield session
    if write:
        for hook in getattr(request.app.state, "after_write", ()):
            hook()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def upsert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that takes ON CONFLICT clauses (`on_conflict_do_nothing`, `on_conflict_do_update`), built for the
    session's database: the two dialects spell the same statement with their own constructs."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
