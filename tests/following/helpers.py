"""Small API helpers for the following tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import Person, post_page

create_page = post_page  # the name these tests use


def edit(client: TestClient, editor: Person, page_id: int, content: str, summary: str = "") -> dict:
    current = client.get(f"/api/pages/{page_id}", headers=editor.headers).json()
    response = client.patch(f"/api/pages/{page_id}", headers=editor.headers,
                            json={"content": content, "base_revision": current["revision"]["id"], "summary": summary})
    assert response.status_code == 200, response.text
    return response.json()


def rate(client: TestClient, rater: Person, page_id: int, **scores: int) -> None:
    response = client.put(f"/api/pages/{page_id}/ratings/mine", headers=rater.headers,
                          json={"scores": scores or {"reliability": 4}})
    assert response.status_code == 200, response.text


def follow(client: TestClient, person: Person, kind: str, target_id: int) -> dict:
    response = client.post("/api/follows", headers=person.headers, json={"kind": kind, "id": target_id})
    assert response.status_code in (200, 201), response.text
    return response.json()


def feed(client: TestClient, person: Person, **params: Any) -> list[dict]:
    response = client.get("/api/feed", headers=person.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def types(client: TestClient, person: Person, **params: Any) -> list[str]:
    return [event["type"] for event in feed(client, person, **params)]


def unread(client: TestClient, person: Person, **params: Any) -> int:
    response = client.get("/api/feed/unread-count", headers=person.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()["unread"]


def follow_ids(client: TestClient, person: Person) -> list[str]:
    response = client.get("/api/follows", headers=person.headers, params={"limit": 200})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]
