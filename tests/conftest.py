"""Test fixtures: every storage test runs on SQLite and on a throwaway PostgreSQL server.

The schema is built by `alembic upgrade head` (so migrations are exercised on every run) and
each test runs inside a transaction that is rolled back; the app's per-request sessions join
it through savepoints, so a request's commit or rollback behaves as in production.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import json
import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner, Result
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session

from app import schema_migrations
from app.auth import security
from app.cli import main
from app.config import Settings
from app.db import Database, make_engine
from app.main import create_app
from app.observers import register_all
from app.topics import skos
from tests import postgres
from tests.live_server import LiveServer

register_all()  # as create_app and the CLI do: tests that call the services directly write pages too

# The collector: the imports' objects live as long as the run, so they are frozen out of its rounds, and a larger
# first threshold makes rounds rarer while collection and the tests allocate (see pytest_collection_finish).
gc.freeze()
gc.set_threshold(20_000, 10, 10)

# Real Argon2id, cheap parameters: the tests create many accounts.
security.set_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))

BACKENDS = ["sqlite", "postgresql"]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep the garbage collector's rounds off the tests' path.

    After collection the process holds a few hundred thousand long-lived objects (modules, OpenAPI documents,
    Schemathesis strategies, parametrisations) that every full round would walk again; frozen, the collector
    skips them. Measured on tests/reports (SQLite): 48 s -> 19 s, with the threshold set above.
    """
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Schemathesis (4.x on pytest 9) names each operation's item `test[GET /path]` but leaves its node id
    without the operation; pytest-xdist schedules by node id, so all but one operation would silently not run."""
    for item in items:
        base, _, last = item.nodeid.rpartition("::")
        if base and last != item.name and item.name.startswith(f"{last}[") and item.name.endswith("]"):
            if hasattr(item, "_id"):  # pytest 9 derives the node id from this (path, names, params)
                item._id = dataclasses.replace(item._id, params=item.name[len(last) + 1:-1])
            else:
                item._nodeid = f"{base}::{item.name}"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """pytest-xdist hands out whole modules (their module-scoped servers and data are built once), and the
    browser tests as one unit (they share one Chromium and one live server per worker)."""
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "tests/e2e" if nodeid.startswith("tests/e2e/") else super()._split_scope(nodeid)

    return ModuleScheduling(config, log)
SECRET = "test-secret-key-0123456789-abcdefghijklmnop"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.PostgresServer]:
    server = postgres.start_or_skip()
    yield server
    server.stop()


@functools.cache
def _openapi_json() -> str:
    return json.dumps(create_app(Settings(env="test", secret_key="x" * 40)).openapi())


def openapi_document() -> dict[str, Any]:
    """The service's OpenAPI document, built once per process (a build takes seconds; several test modules read
    it at collection), as a fresh copy for each caller, so no caller's changes reach another."""
    return json.loads(_openapi_json())


def settings_for(url: str, data_dir: Path) -> Settings:
    # The in-process client's database is one test connection: tests drain the search queue themselves.
    return Settings(env="test", database_url=url, data_dir=data_dir, secret_key=SECRET, search_indexing=False,
                    webhook_delivery=False)


def fresh_database_url(backend: str, tmp: Path, request: pytest.FixtureRequest) -> str:
    """A new, empty database of the given backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / f'mature-{uuid.uuid4().hex[:8]}.db'}"
    server: postgres.PostgresServer = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.url(name)


CLI_SECRET = "cli-test-secret-key-0123456789-abcdefghij"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder for the `mature` command, set as an operator's shell would (SQLite, development)."""
    monkeypatch.setenv("MATURE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MATURE_SECRET_KEY", CLI_SECRET)
    monkeypatch.delenv("MATURE_DATABASE_URL", raising=False)
    monkeypatch.setenv("MATURE_ENV", "development")
    return tmp_path


def run_cli(*args: str, stdin: str | None = None) -> Result:
    """Run `mature ARGS` in-process, as the `env` fixture set it up."""
    return CliRunner().invoke(main, list(args), input=stdin)


def migrated_database(backend: str, tmp: Path, request: pytest.FixtureRequest) -> tuple[str, Database]:
    """A new, empty, migrated database for a real server (tests that run uvicorn); the caller disposes it."""
    url = fresh_database_url(backend, tmp, request)
    database = Database(make_engine(settings_for(url, tmp)))
    schema_migrations.upgrade(database.engine)
    return url, database


@dataclasses.dataclass(frozen=True)
class SharedServer:
    """The real service (uvicorn, two workers) on 127.0.0.1 and the database it serves."""

    server: LiveServer
    database: Database


@pytest.fixture(scope="session")
def _shared_servers() -> Iterator[dict[str, SharedServer]]:
    """The shared server of each backend, kept for the whole run (see `engine` for why not per parameter)."""
    servers: dict[str, SharedServer] = {}
    yield servers
    for shared in servers.values():
        shared.server.stop()
        shared.database.dispose()


@pytest.fixture(scope="session")
def shared_server(backend: str, _shared_servers: dict[str, SharedServer], tmp_path_factory: pytest.TempPathFactory,
                  request: pytest.FixtureRequest) -> SharedServer:
    """One real server per database and test process, for the modules that race requests against it.

    Starting a server costs seconds of CPU (two workers importing the app); the racing modules share one, and
    each makes users, spaces and pages of its own (distinct names), so none sees another's rows."""
    if backend not in _shared_servers:
        tmp = tmp_path_factory.mktemp(f"shared-server-{backend}")
        url, database = migrated_database(backend, tmp, request)
        with database.transaction() as session:
            skos.seed(session)
        server = LiveServer(url, tmp, SECRET, workers=2)
        try:
            server.wait_until_up()
        except BaseException:
            server.stop()
            database.dispose()
            raise
        _shared_servers[backend] = SharedServer(server, database)
    return _shared_servers[backend]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def _engines() -> Iterator[dict[str, Engine]]:
    """The migrated engine of each backend, kept for the whole run (see `engine`)."""
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture(scope="session")
def engine(backend: str, _engines: dict[str, Engine], tmp_path_factory: pytest.TempPathFactory,
           request: pytest.FixtureRequest) -> Engine:
    """One migrated database per backend for the whole run.

    `backend` is a parametrised session fixture: pytest tears a session fixture down whenever the parameter
    changes (every module runs its SQLite tests, then its PostgreSQL ones), so the database lives in `_engines`
    and is made once per backend, not once per module."""
    if backend not in _engines:
        tmp = tmp_path_factory.mktemp(backend)
        engine = make_engine(settings_for(fresh_database_url(backend, tmp, request), tmp))
        schema_migrations.upgrade(engine)
        _engines[backend] = engine
    return _engines[backend]


class TransactionalDatabase(Database):
    """Sessions that join the test's outer transaction through savepoints."""

    def __init__(self, connection: Connection) -> None:
        self.engine = connection.engine
        self.connection = connection
        self.write_lock = nullcontext()

    def session(self, *, write: bool) -> Session:
        return Session(bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False)

    def dispose(self) -> None:  # the engine belongs to the session fixture
        pass


@pytest.fixture
def database(engine: Engine) -> Iterator[TransactionalDatabase]:
    connection = engine.connect()
    outer = connection.begin()
    try:
        yield TransactionalDatabase(connection)
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def session(database: TransactionalDatabase) -> Iterator[Session]:
    """A session for arranging data and checking the database directly."""
    with database.session(write=True) as session:
        yield session


@pytest.fixture
def app(database: TransactionalDatabase, tmp_path: Path) -> FastAPI:
    return create_app(settings_for("sqlite://", tmp_path), database=database)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def scheme(session: Session) -> None:
    """The topic scheme (ontology/topics.ttl) in the database, as the server seeds it at start-up."""
    skos.seed(session)
    session.commit()
