"""Schemathesis over the whole OpenAPI document, in process: generated requests (valid and not) to every
operation, as a signed-in admin, never get a 500 and never an answer that breaks the operation's own schema.

SQLite only and a few examples per operation, so the run stays under a minute and a half. A generated PATCH may
disable the caller's account or a DELETE revoke its token: after any 401 (or an account change) the next case
gets a fresh admin, so one case does not decide what the next can reach.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from app import schema_migrations
from app.auth import service as account_service
from app.auth.models import Role, TokenKind, Visibility
from app.db import Database, make_engine
from app.main import create_app
from app.topics import skos
from tests.conftest import SECRET, openapi_document, settings_for

schema = schemathesis.openapi.from_dict(openapi_document())
_names = itertools.count(1)


@dataclass
class Fuzzing:
    client: TestClient
    database: Database
    headers: dict[str, str] | None = None

    def current_headers(self) -> dict[str, str]:
        self.headers = self.headers or self.admin_headers()
        return self.headers

    def admin_headers(self) -> dict[str, str]:
        """A new admin with a new token (cheap: the tests' Argon2 parameters are tiny)."""
        with self.database.transaction() as session:
            user = account_service.create_user(session, f"fuzz{next(_names)}", "Fuzz", Role.admin, "fuzz password 1")
            token = account_service.issue_token(session, SECRET, user, TokenKind.personal, "fuzz", None).token
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def fuzzing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzing]:
    tmp = tmp_path_factory.mktemp("fuzz")
    config = settings_for(f"sqlite:///{tmp / 'fuzz.db'}", tmp).model_copy(update={"usage_flush_seconds": 0})
    database = Database(make_engine(config))
    schema_migrations.upgrade(database.engine)
    with database.transaction() as session:
        skos.seed(session)
    app = create_app(config, database=database)
    with TestClient(app, raise_server_exceptions=False) as client:
        fuzz = Fuzzing(client, database)
        headers = fuzz.admin_headers()
        space = client.post("/api/spaces", headers=headers, json={
            "key": "fuzz", "name": "Fuzz", "visibility": Visibility.organisation.value}).json()
        for n in range(3):  # so that small generated ids find something
            client.post("/api/pages", headers=headers, json={
                "space_id": space["id"], "title": f"Page {n}", "content": "[[Sector::Retail]] notes\n"})
        yield fuzz
    database.dispose()


@schema.parametrize()
@settings(max_examples=3, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_no_answer_outside_its_schema(case, fuzzing: Fuzzing) -> None:
    headers = {**(case.headers or {}), **fuzzing.current_headers()}
    response = fuzzing.client.request(**case.as_transport_kwargs(base_url="http://testserver", headers=headers))
    if response.status_code == 401 or (case.method == "PATCH" and case.path == "/api/users/{user_id}"):
        fuzzing.headers = None  # the case may have revoked the token or disabled the account: a new admin next
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


@pytest.mark.parametrize(("method", "path", "statuses"), [
    ("post", "/api/follows", {"200", "201"}),            # following again answers 200
    ("post", "/api/pages/{page_id}/tags", {"200", "201"}),  # a new tag answers 201
])
def test_every_success_status_an_operation_answers_is_documented(method, path, statuses):
    """Found by Schemathesis's status-code check: these answered a 2xx their OpenAPI did not list."""
    documented = set(schema.raw_schema["paths"][path][method]["responses"])
    assert statuses <= documented
