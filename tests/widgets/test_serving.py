"""The widgets' files and the demo workspace as the app serves them, and the CORS allow-list for host pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.widgets.router import STATIC
from tests.conftest import settings_for

WIDGETS = ["mature-api.js", "mature-page.js", "mature-editor.js", "mature-search.js"]


def test_the_workspace_is_the_home_page_and_links_the_api_docs(client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for tag in ("<mature-search", "<mature-page", "<mature-editor", "<mature-people", "<mature-dashboard"):
        assert tag in response.text
    assert 'href="/docs"' in response.text
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize("name", WIDGETS)
def test_each_widget_is_a_javascript_module_with_caching(client, name: str) -> None:
    response = client.get(f"/widgets/{name}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "max-age" in response.headers["cache-control"]
    again = client.get(f"/widgets/{name}", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    head = client.head(f"/widgets/{name}")
    assert head.status_code == 200 and head.content == b""


@pytest.mark.parametrize("name", ["nope.js", "..%2Fconfig.py", "../router.py", "%2E%2E/__init__.py"])
def test_only_files_of_the_widget_folder_are_served(client, name: str) -> None:
    response = client.get(f"/widgets/{name}")

    assert response.status_code == 404
    assert "APIRouter" not in response.text and "__future__" not in response.text


def test_widgets_put_api_text_into_the_page_as_text_only() -> None:
    """innerHTML appears once, in mature-api.js's setSanitisedHtml, for the server's sanitised page HTML."""
    uses = {path.name: path.read_text().count(".innerHTML") for path in Path(STATIC).glob("*.js")}
    assert uses.pop("mature-api.js") == 1
    assert all(count == 0 for count in uses.values()), uses


@pytest.fixture
def cors_client(database, tmp_path: Path) -> Iterator[TestClient]:
    settings = settings_for("sqlite://", tmp_path).model_copy(update={"cors_origins": ["https://intranet.example.org"]})
    with TestClient(create_app(settings, database=database)) as client:
        yield client


def preflight(client: TestClient, origin: str) -> object:
    return client.options("/api/pages", headers={
        "Origin": origin, "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "authorization, content-type, if-match"})


def test_an_allowed_origin_may_call_the_api_from_its_pages(cors_client) -> None:
    response = preflight(cors_client, "https://intranet.example.org")

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://intranet.example.org"
    assert "PATCH" in response.headers["access-control-allow-methods"]
    assert "if-match" in response.headers["access-control-allow-headers"].lower()
    simple = cors_client.get("/widgets/mature-api.js", headers={"Origin": "https://intranet.example.org"})
    assert simple.headers["access-control-allow-origin"] == "https://intranet.example.org"
    assert "etag" in simple.headers.get("access-control-expose-headers", "").lower()


def test_an_origin_not_on_the_list_gets_no_cors_headers(cors_client) -> None:
    response = preflight(cors_client, "https://evil.example.com")

    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    simple = cors_client.get("/health", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in simple.headers
