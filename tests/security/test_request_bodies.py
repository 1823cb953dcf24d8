"""A body the API cannot read as the JSON object it expects gets a 422 problem saying what to send, and OpenAPI
says so (with the 413 of the body limit) on every operation that takes a body. No database needed: both answers
are given before any route code, or any sign-in, runs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.errors import PROBLEM_JSON
from app.main import create_app
from tests.factories import make_person, personal_space

SMALL_LIMIT = 1024


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    data_dir: Path = tmp_path_factory.mktemp("bodies")
    return create_app(Settings(env="test", data_dir=data_dir, secret_key="x" * 40, database_url="sqlite://",
                               max_body_bytes=SMALL_LIMIT))


@pytest.fixture(scope="module")
def bare_client(bare_app: FastAPI) -> Iterator[TestClient]:
    yield TestClient(bare_app, raise_server_exceptions=False)  # no lifespan: nothing here reaches the database


def body_operations(openapi: dict[str, Any], media_type: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, operation) for path, item in openapi["paths"].items()
            for method, operation in item.items()
            if "requestBody" in operation and (media_type is None or media_type in operation["requestBody"]["content"])]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_operation_taking_a_body_documents_the_body_problems(bare_app: FastAPI) -> None:
    openapi = bare_app.openapi()
    json_operations = body_operations(openapi, "application/json")
    assert len(json_operations) > 30
    for method, path, operation in body_operations(openapi):
        responses = operation["responses"]
        wanted = ("413", "422") if (method, path, operation) in json_operations else ("413",)
        for status in wanted:
            assert PROBLEM_JSON in responses.get(status, {}).get("content", {}), f"{method.upper()} {path} {status}"
            assert responses[status]["content"][PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}
        if "422" in wanted:
            assert "not JSON" in responses["422"]["description"]


def test_every_json_operation_answers_malformed_json_as_documented(bare_app: FastAPI, bare_client: TestClient) -> None:
    for method, path, _operation in body_operations(bare_app.openapi(), "application/json"):
        answer = bare_client.request(method, concrete(path), content=b'{"title": "Careers fair",',
                                     headers={"Content-Type": "application/json"})
        where = f"{method.upper()} {path}"
        assert answer.status_code == 422, f"{where}: {answer.status_code} {answer.text}"
        assert answer.headers["content-type"] == PROBLEM_JSON, where
        problem = answer.json()
        assert problem["detail"].startswith("The request body is not valid JSON"), where
        assert "Content-Type: application/json" in problem["detail"], where
        assert problem["errors"][0]["field"] == "body", where


def test_every_body_operation_refuses_a_body_over_the_limit_as_documented(bare_app: FastAPI,
                                                                          bare_client: TestClient) -> None:
    for method, path, operation in body_operations(bare_app.openapi(), "application/json"):
        answer = bare_client.request(method, concrete(path), content=b" " * (SMALL_LIMIT + 1),
                                     headers={"Content-Type": "application/json"})
        assert answer.status_code == 413, f"{method.upper()} {path}: {answer.status_code}"
        assert "413" in operation["responses"]


@pytest.mark.parametrize("content, content_type, says", [
    (b'{"title": "x"', "application/json", "not valid JSON: Expecting"),
    (b"title=Careers+fair", "application/x-www-form-urlencoded",
     "sent as application/x-www-form-urlencoded, so it was not read as JSON"),
    (b'{"title": "x"}', "text/plain", "sent as text/plain"),
    (b'["Careers fair"]', "application/json", "is JSON but not an object"),
    (b"", "application/json", "has no body"),
])
def test_an_unreadable_body_is_explained(client: TestClient, session: Session, content: bytes, content_type: str,
                                         says: str) -> None:
    alice = make_person(session)
    space = personal_space(session, alice.user)
    session.commit()
    answer = client.post("/api/pages", content=content, headers={**alice.headers, "Content-Type": content_type})

    assert answer.status_code == 422
    assert says in answer.json()["detail"]
    assert "nothing was changed" in answer.json()["detail"]
    assert client.get("/api/pages", params={"space_id": space.id}, headers=alice.headers).json()["items"] == []


def test_field_errors_still_name_the_fields(client: TestClient, session: Session) -> None:
    alice = make_person(session)
    space = personal_space(session, alice.user)
    session.commit()
    answer = client.post("/api/pages", json={"space_id": space.id, "title": ""}, headers=alice.headers)

    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("Please correct these fields: title:")
