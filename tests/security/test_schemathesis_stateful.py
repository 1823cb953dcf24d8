"""Schemathesis, stateful, on SQLite and PostgreSQL: sequences of calls that follow the OpenAPI links (and the links
Schemathesis infers from the schemas: a created page's id into move, revert, restore ...), as a signed-in admin.
No answer may be a 5xx, break its operation's schema, or take more than 10 s; the run must reach
`POST /api/pages/{page_id}/move` and the MediaWiki import.

Each scenario starts from the same seeded database (it runs in a transaction rolled back at its end), so that with
`derandomize` the run is the same on every machine and a scenario never depends on what the last one left behind.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import Bundle, initialize
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.generation.stateful.state_machine import StepInput, StepOutput
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import Connection, Engine

from app import schema_migrations
from app.auth import service as account_service
from app.auth.models import Role, TokenKind, Visibility
from app.db import Database, make_engine
from app.main import create_app
from app.topics import skos
from tests.conftest import (BACKENDS, SECRET, TransactionalDatabase, fresh_database_url, openapi_document,
                            settings_for)

SLOWEST_SECONDS = 10
MUST_REACH = {("POST", "/api/pages/{page_id}/move"), ("POST", "/api/admin/imports/mediawiki")}
RUN = settings(max_examples=8, stateful_step_count=8, deadline=None, derandomize=True, database=None,
               phases=[Phase.generate], suppress_health_check=list(HealthCheck))

# The families where the order of calls matters (a page created, then moved, reverted, deleted, restored; a space,
# then pages and imports into it); the stateless run in test_schemathesis.py covers every operation on its own.
SEQUENCES = (r"^/api/(pages(/\{page_id\}(/(move|revert|restore|revisions|revisions/\{revision_id\}|diff|backlinks))?)?"
             r"|spaces(/\{space_id\}(/(pages/\{title\}|wanted-pages))?)?|admin/imports/mediawiki)$")
schema = schemathesis.openapi.from_dict(
    openapi_document()).include(path_regex=SEQUENCES)
CREATE_PAGE, CREATE_SPACE = schema["/api/pages"]["POST"], schema["/api/spaces"]["POST"]


class SwappableDatabase(TransactionalDatabase):
    """The app's database for the run: each scenario gets a new connection inside its own outer transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.write_lock = nullcontext()
        self.connection: Connection | None = None  # set by each scenario


@dataclass
class Record:
    calls: Counter = field(default_factory=Counter)
    slow: list[str] = field(default_factory=list)


def _seed(engine: Engine) -> int:
    """A space with three linked pages, the topic scheme and the admin the run signs in as."""
    seeding = Database(engine)
    with seeding.transaction() as session:
        skos.seed(session)
        account_service.create_user(session, "fuzzadmin", "Fuzz Admin", Role.admin, "fuzz password 1")
    app = create_app(settings_for("sqlite://", Path("/nonexistent")), database=seeding)
    with TestClient(app) as client:
        headers = _admin_headers(seeding)
        space = client.post("/api/spaces", headers=headers, json={
            "key": "fuzz", "name": "Fuzz", "visibility": Visibility.organisation.value}).json()
        for n in range(3):  # small generated ids find something
            client.post("/api/pages", headers=headers, json={
                "space_id": space["id"], "title": f"Page {n}", "content": f"[[Sector::Retail]] see [[Page {n + 1}]]\n"})
    return space["id"]


def _admin_headers(database: Database) -> dict[str, str]:
    """A new token of a new admin (a generated PATCH may have disabled the last one, a DELETE revoked it)."""
    with database.transaction() as session:
        user = account_service.create_user(session, f"fuzz{time.perf_counter_ns()}", "Fuzz", Role.admin,
                                           "fuzz password 1")
        token = account_service.issue_token(session, SECRET, user, TokenKind.personal, "fuzz", None).token
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, int]]:
    """A migrated, seeded database of each backend, and its shared space's id."""
    tmp = tmp_path_factory.mktemp(f"stateful-{request.param}")
    config = settings_for(fresh_database_url(request.param, tmp, request), tmp)
    engine = make_engine(config)
    schema_migrations.upgrade(engine)
    space_id = _seed(engine)
    yield engine, space_id
    engine.dispose()


def test_stateful_run_has_no_server_error_and_no_slow_answer(seeded: tuple[Engine, int], tmp_path: Path) -> None:
    engine, space_id = seeded
    database = SwappableDatabase(engine)
    app = create_app(settings_for("sqlite://", tmp_path).model_copy(update={"usage_flush_seconds": 0}),
                     database=database)
    record = Record()

    with TestClient(app, raise_server_exceptions=False) as client:

        class Scenario(schema.as_state_machine()):  # type: ignore[misc]
            def setup(self) -> None:
                database.connection = engine.connect()
                self.outer = database.connection.begin()
                self.headers = _admin_headers(database)

            def teardown(self) -> None:
                self.outer.rollback()
                database.connection.close()

            def call(self, case, **kwargs):
                started = time.perf_counter()
                for name in [name for name in (case.headers or {}) if name.lower() == "authorization"]:
                    del case.headers[name]  # a generated token would decide nothing but 401s
                answer = client.request(**case.as_transport_kwargs(base_url="http://testserver", headers=self.headers))
                took = time.perf_counter() - started
                record.calls[(case.method, case.path, answer.status_code)] += 1
                if took > SLOWEST_SECONDS:
                    record.slow.append(f"{case.method} {case.path}: {took:.1f} s")
                if answer.status_code == 401 or (case.method, case.path) == ("PATCH", "/api/users/{user_id}"):
                    self.headers = _admin_headers(database)
                return Response.from_any(answer)

            def validate_response(self, response, case, additional_checks=None, **kwargs):
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

            def _root(self, case) -> StepOutput:
                start = StepInput.initial(case)
                self.recorder.record_case(case=start.case)  # as schemathesis's own root rules record a step
                self.control.record_step(start, self.recorder)
                return self.step(start)

            # Each scenario starts with a page and a space of its own, so the links from a created page (move,
            # revert, delete, restore, edit ...) and from a created space (pages, imports into it) can be
            # followed from the first step. "catch_all" is the bundle every schemathesis step lands in.
            @initialize(target=Bundle("catch_all"))
            def a_new_page(self) -> StepOutput:
                return self._root(CREATE_PAGE.Case(media_type="application/json", body={
                    "space_id": space_id, "title": "Fuzzed page", "content": "[[Sector::Retail]] see [[Page 1]]\n"}))

            @initialize(target=Bundle("catch_all"))
            def a_new_space(self) -> StepOutput:
                return self._root(CREATE_SPACE.Case(media_type="application/json", body={
                    "key": "fuzz-new", "name": "New", "visibility": Visibility.members.value}))

        Scenario.run(settings=RUN)

    reached = {(method, path) for method, path, _ in record.calls}
    assert reached >= MUST_REACH, f"not reached: {MUST_REACH - reached}; calls: {sorted(record.calls.items())}"
    assert not record.slow, record.slow
    assert not [call for call in record.calls if call[2] >= 500]
