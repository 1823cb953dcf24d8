"""Bad input gets one consistent, clear answer (issue 19): strict whole numbers and booleans and no unknown fields in
any request body, every list paged by `limit` and a cursor, `diff` by revision id or number, a 409 in words for
restoring a live page, the control character named in a bad title, and one shape for every 413. On both databases.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Role, Visibility
from app.config import Settings
from app.errors import TOO_LARGE, _all_models
from app.main import create_app
from app.schema import RequestSchema
from app.uploads import UploadTooLarge
from tests.conftest import openapi_document
from tests.factories import Person, make_person, make_space, post_page

SPEC = openapi_document()
COMPONENTS = SPEC["components"]["schemas"]


def _refs(schema: Any, found: set[str]) -> set[str]:
    """Every component a schema uses, directly or through others."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in found:
                found.add(name)
                _refs(COMPONENTS[name], found)
        for value in schema.values():
            _refs(value, found)
    elif isinstance(schema, list):
        for value in schema:
            _refs(value, found)
    return found


def _body_components() -> set[str]:
    found: set[str] = set()
    for operations in SPEC["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            _refs(content.get("application/json", {}).get("schema", {}), found)
    return {name for name in found if COMPONENTS[name].get("type") == "object"}


def _list_operations() -> list[tuple[str, dict]]:
    """GET operations whose JSON answer is a list: an array, or an object with an `items` array."""
    lists = []
    for path, operations in SPEC["paths"].items():
        operation = operations.get("get")
        schema = (operation or {}).get("responses", {}).get("200", {}).get("content", {}).get(
            "application/json", {}).get("schema")
        if not schema:
            continue
        resolved = COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else schema
        if resolved.get("type") == "array" or "items" in resolved.get("properties", {}):
            lists.append((path, operation))
    return lists


# ---------------------------------------------------------------- the request-body base (no database)


def test_every_json_request_body_is_a_request_schema_and_no_answer_is():
    bodies = _body_components()
    models = {model.__name__: model for model in _all_models(BaseModel)}
    assert len(bodies) > 30  # the walk found the bodies (PageCreate, RatingPut, PersonalTokenCreate ...)
    not_strict = sorted(name for name in bodies if not issubclass(models[name], RequestSchema))
    assert not not_strict, f"request bodies not on app.schema.RequestSchema: {not_strict}"
    assert all(COMPONENTS[name].get("additionalProperties") is False for name in bodies)
    # Answers are never refused for a field the client does not know yet: no response-only schema forbids extras.
    answers = {name for name, component in COMPONENTS.items() if component.get("additionalProperties") is False}
    assert answers <= bodies, f"answer schemas that forbid extra fields: {sorted(answers - bodies)}"


def test_every_list_takes_a_limit_and_answers_a_page_with_its_next():
    exempt = {  # the whole answer is small by nature: say why, or page it
        "/api/quality/criteria": "the seven fixed rating criteria",
        "/api/topics/suggest": "type-ahead suggestions: the best `limit` matches, no next page",
    }
    series = {"/api/pages/{page_id}/maturity/history"}  # a chart's series: the newest `limit` points, oldest first
    problems = []
    for path, operation in _list_operations():
        parameters = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        is_array = schema.get("type") == "array"
        if path in exempt:
            continue
        if "limit" not in parameters:
            problems.append(f"{path}: no limit")
        if is_array and path not in series:
            problems.append(f"{path}: a bare array (answer a Page with items, next_cursor and next)")
        if not {"cursor", "offset"} & parameters and path not in series:
            problems.append(f"{path}: neither cursor nor offset")
    assert not problems, problems


def test_every_413_is_the_same_problem_as_every_other_error(tmp_path):
    small = create_app(Settings(env="test", secret_key="x" * 40, max_body_bytes=2048, data_dir=tmp_path,
                                search_indexing=False, webhook_delivery=False))
    with TestClient(small) as limited:  # no database needed: the body limit answers before any route
        declared = limited.post("/api/pages", content=b"{" + b" " * 4000 + b"}", headers={
            "content-type": "application/json"})
        chunked = limited.post("/api/pages", content=iter([b"{", b" " * 4000, b"}"]), headers={
            "content-type": "application/json"})
        other = limited.get("/api/nothing-here")
    assert UploadTooLarge.title == TOO_LARGE  # an import's own, larger limit answers the same problem
    for answer in (declared, chunked):
        assert answer.status_code == 413, answer.text[:200]
        assert answer.headers["content-type"] == other.headers["content-type"] == "application/problem+json"
        assert set(answer.json()) == set(other.json()) == {"type", "title", "status", "detail", "instance"}
        assert answer.json()["title"] == "Content too large" and answer.json()["status"] == 413
        assert answer.headers.get("cache-control") == other.headers.get("cache-control")


# ---------------------------------------------------------------- with a database


@pytest.fixture
def alice(session: Session) -> Person:
    return make_person(session, Role.manager)


@pytest.fixture
def ben(session: Session) -> Person:
    return make_person(session)


@pytest.fixture
def space_id(session: Session, alice: Person, ben: Person) -> int:
    return make_space(session, alice.user, Visibility.members, {ben.user: MemberRole.editor}).id


def test_whole_numbers_and_booleans_are_strict_and_unknown_fields_refused(client: TestClient, alice, ben, space_id):
    page = post_page(client, alice, space_id, "Care work")
    url = f"/api/pages/{page['id']}/ratings/mine"
    for scores, why in (({"currency": True}, "true"), ({"currency": "3"}, '"3"'), ({"currency": 3.0}, "3.0")):
        refused = client.put(url, headers=ben.headers, json={"scores": scores})
        assert refused.status_code == 422, (why, refused.text)
        assert refused.json()["errors"][0]["field"] == "scores.currency"
        assert "whole number" in refused.json()["errors"][0]["message"]
    assert client.put(url, headers=ben.headers, json={"scores": {"currency": 3}, "anonymous": 1}).status_code == 422
    assert client.get(f"/api/pages/{page['id']}/ratings", headers=ben.headers).json()["items"] == []  # none stored
    stored = client.put(url, headers=ben.headers, json={"scores": {"currency": 3}})
    assert stored.status_code == 200 and stored.json()["scores"]["currency"] == 3

    for path, body in (("/api/tokens", {"name": "widget", "expires_in_days": 30, "scope": "read"}),
                       (url, {"scores": {"currency": 4}, "stars": 5}),
                       (f"/api/pages/{page['id']}", {"content": "x\n", "base_revison": page["revision"]["id"]})):
        method = "PATCH" if path.endswith(str(page["id"])) else "PUT" if path == url else "POST"
        answer = client.request(method, path, headers=ben.headers, json=body)
        assert answer.status_code == 422, (path, answer.text)
        unknown = next(key for key in body if key not in ("name", "expires_in_days", "scores", "content"))
        assert answer.json()["errors"][0]["field"] == unknown and "no such field" in answer.json()["detail"]
    tokens = client.get("/api/tokens", headers=ben.headers).json()["items"]
    assert "widget" not in [token["name"] for token in tokens]  # the refused token was not made


def test_nul_and_control_characters_are_named_not_blamed_on_wiki_links(client: TestClient, alice, space_id):
    nul = client.post("/api/pages", headers=alice.headers, json={"space_id": space_id, "title": "Care\x00work"})
    assert nul.status_code == 422 and "NUL" in nul.json()["detail"] and "wiki link" not in nul.json()["detail"]
    for character, name in (("\x1b", "U+001B"), ("\u200b", "ZERO WIDTH SPACE"), ("\x7f", "DELETE")):
        answer = client.post("/api/pages", headers=alice.headers, json={
            "space_id": space_id, "title": f"Care{character}work"})
        assert answer.status_code == 422 and name in answer.json()["detail"], answer.text
        assert "wiki link" not in answer.json()["detail"]
    wiki = client.post("/api/pages", headers=alice.headers, json={"space_id": space_id, "title": "Care [work]"})
    assert wiki.status_code == 422 and "wiki links" in wiki.json()["detail"]  # the control: a real link character
    assert client.get("/api/pages", headers=alice.headers, params={"space_id": space_id}).json()["items"] == []


def test_diff_takes_revision_ids_and_numbers_and_restore_of_a_live_page_is_409(client: TestClient, alice, space_id):
    page = post_page(client, alice, space_id, "Care work", "One.\n")
    first = page["revision"]["id"]
    second = client.patch(f"/api/pages/{page['id']}", headers=alice.headers,
                          json={"content": "One.\nTwo.\n", "base_revision": first}).json()["revision"]
    diff = f"/api/pages/{page['id']}/diff"
    by_id = client.get(diff, headers=alice.headers, params={"from": first, "to": second["id"]}).json()
    for query in ({"from": "n1", "to": "n2"}, {"from": f"rev-{first}", "to": f"rev-{second['id']}"},
                  {"from": "n1"}):
        answer = client.get(diff, headers=alice.headers, params=query)
        assert answer.status_code == 200 and answer.json()["unified"] == by_id["unified"], (query, answer.text)
    assert by_id["added_lines"] == 1 and by_id["to_revision"]["number"] == 2
    assert client.get(diff, headers=alice.headers, params={"from": "n9"}).status_code == 404
    bad = client.get(diff, headers=alice.headers, params={"from": "three"})
    assert bad.status_code == 422 and "n3" in bad.json()["detail"] and bad.json()["errors"][0]["field"] == "from"
    documented = SPEC["paths"]["/api/pages/{page_id}/diff"]["get"]["parameters"]
    assert all("n3" in p["description"] and "rev-14" in p["description"] for p in documented if p["in"] == "query")

    live = client.post(f"/api/pages/{page['id']}/restore", headers=alice.headers)
    assert live.status_code == 409 and live.json()["title"] == "Page not deleted"
    assert "not deleted" in live.json()["detail"] and f"DELETE /api/pages/{page['id']}" in live.json()["detail"]
    assert client.delete(f"/api/pages/{page['id']}", headers=alice.headers).status_code == 204
    assert client.post(f"/api/pages/{page['id']}/restore", headers=alice.headers).status_code == 200  # the control


def test_a_title_that_grows_when_capitalised_or_case_folded_is_refused_in_words(client: TestClient, alice, space_id):
    """The 500 on `POST .../move` (and on create): a leading 'ß' capitalises to 'SS', so 200 characters became 201
    after the length check and the key (case-folded, 'ss') did not fit its 200-character column either."""
    page = post_page(client, alice, space_id, "Care work")
    for answer in (client.post("/api/pages", headers=alice.headers, json={"space_id": space_id, "title": "ß" * 200}),
                   client.post(f"/api/pages/{page['id']}/move", headers=alice.headers, json={"title": "ß" * 200})):
        assert answer.status_code == 422 and "at most 200" in answer.json()["detail"], answer.text[:300]
    moved = client.post(f"/api/pages/{page['id']}/move", headers=alice.headers, json={"title": "ß" * 100})
    assert moved.status_code == 200 and moved.json()["title"] == "SS" + "ß" * 99  # the control: 200 once folded
