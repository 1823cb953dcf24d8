"""Service-wide behaviour: settings, problem+json for every error, OpenAPI, transactions."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.changelog import Change
from app.config import Settings
from app.main import create_app
from tests.factories import make_person, make_space


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="MATURE_SECRET_KEY is not set"):
        create_app(Settings(env="production", data_dir=tmp_path, secret_key=None))
    with pytest.raises(RuntimeError, match="at least 32"):
        create_app(Settings(env="production", data_dir=tmp_path, secret_key="short"))


def test_development_keeps_one_generated_secret(tmp_path):
    first = Settings(env="development", data_dir=tmp_path).resolved_secret_key()
    assert Settings(env="development", data_dir=tmp_path).resolved_secret_key() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MATURE_DATABASE_URL", "postgresql://u@db/lmi")
    monkeypatch.setenv("MATURE_CORS_ORIGINS", "https://intranet.example, https://portal.example")
    settings = Settings()
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@db/lmi"
    assert settings.cors_origins == ["https://intranet.example", "https://portal.example"]


@pytest.mark.parametrize("method, path, status", [
    ("get", "/api/nothing-here", 404), ("delete", "/health", 405), ("get", "/api/pages/not-a-number", 422),
])
def test_every_error_is_problem_json(client, session, method, path, status):
    person = make_person(session)
    response = getattr(client, method)(path, headers=person.headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]


def test_malformed_json_is_422_not_500(client, session):
    person = make_person(session)
    response = client.post("/api/pages", headers={**person.headers, "content-type": "application/json"},
                           content=b"{not json")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_openapi_documents_every_operation(app):
    schema = app.openapi()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description") or operation.get("summary"), f"{method} {path} has no description"
            responses = operation["responses"]
            success = [code for code in responses if code.startswith("2")]
            assert success, f"{method} {path} documents no success response"
            if path.startswith("/api/") and path != "/api/auth/token":
                assert "401" in responses, f"{method} {path} does not document 401"
    assert "bearer" in str(schema["components"]["securitySchemes"]).lower()


def test_a_failed_commit_is_never_answered_with_success(client, session, database):
    """If the final commit fails, the client must get an error, and nothing must be stored."""
    alice = make_person(session)
    space = make_space(session, alice.user)

    def explode(_session):
        raise RuntimeError("disk full")

    event.listen(Session, "before_commit", explode)
    try:
        response = client.post("/api/pages", headers=alice.headers, json={"space_id": space.id, "title": "Lost?"})
    finally:
        event.remove(Session, "before_commit", explode)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "nothing was changed" in response.json()["detail"]
    assert session.scalar(select(Change).where(Change.kind == "page.created")) is None


def test_unreachable_database_gives_503_and_a_clear_message(tmp_path):
    from app.db import Database, make_engine
    from tests.postgres import free_port

    settings = Settings(env="test", data_dir=tmp_path, secret_key="x" * 40,
                        database_url=f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    database = Database(make_engine(settings))
    with TestClient(create_app(settings, database=database), raise_server_exceptions=False) as client:
        for response in (client.get("/health"), client.get("/api/users/me", headers={"Authorization": "Bearer mat_x"})):
            assert response.status_code == 503
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["Retry-After"] == "5"
            assert "nothing was changed" in response.json()["detail"]
    database.dispose()
