"""What search tests share: follow the log as a server's indexer would, and ask the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import Person


def index_now(client: TestClient) -> int:
    """Apply the logged changes to the index (servers do this in the background; tests on their connection)."""
    return client.app.state.indexer.drain()


def search(client: TestClient, person: Person, q: str = "", **params: Any) -> dict[str, Any]:
    response = client.get("/api/search", params={"q": q, **params}, headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()


def titles(result: dict[str, Any]) -> list[str]:
    return [hit["title"] for hit in result["results"]]


def facet(result: dict[str, Any], key: str, by: str = "label") -> dict[str, int]:
    """A facet's counts by value label (or by `value`, e.g. space ids)."""
    for found in result["facets"]:
        if found["key"] == key:
            return {value[by]: value["count"] for value in found["values"]}
    return {}
