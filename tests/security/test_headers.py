"""Security headers on what the service answers: JSON, problems, the workspace page, widget files, SVG charts,
the API docs, and answers made outside the routes (413 from the body limit, a 500). The browser-level proof that
the workspace's Content-Security-Policy lets it work is the e2e suite (tests/e2e), which runs with it on."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.security.headers import ACTIVE_CONTENT_CSP, JSON_CSP
from app.widgets.router import STATIC
from tests.factories import make_page, make_person, personal_space
from tests.reports.conftest import make_topic


def directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def assert_basics(response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_a_personal_json_answer_is_not_stored_or_sniffed(client, session: Session) -> None:
    alice = make_person(session)
    response = client.get("/api/users/me", headers=alice.headers)

    assert response.status_code == 200
    assert_basics(response)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-security-policy"] == JSON_CSP


@pytest.mark.parametrize("authenticated", [True, False])
def test_problem_answers_are_not_stored(client, session: Session, authenticated: bool) -> None:
    alice = make_person(session)
    response = client.get("/api/pages/987654321", headers=alice.headers if authenticated else {})

    assert response.status_code == (404 if authenticated else 401)
    assert response.headers["content-type"] == "application/problem+json"
    assert_basics(response)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-security-policy"] == JSON_CSP


def test_a_page_keeps_its_own_revalidation_caching(client, session: Session) -> None:
    alice = make_person(session)
    page = make_page(session, alice.user, personal_space(session, alice.user), "Apprenticeship levy")
    session.commit()
    response = client.get(f"/api/pages/{page.id}", headers=alice.headers)

    assert response.status_code == 200
    assert_basics(response)
    assert response.headers["cache-control"] == "private, no-cache"  # the route's choice, kept
    assert response.headers["etag"]


def test_health_is_never_cached(client) -> None:
    response = client.get("/health")
    assert_basics(response)
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/widgets/"])
def test_the_workspace_page_is_locked_to_its_own_origin_and_not_frameable(client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert_basics(response)
    assert response.headers["x-frame-options"] == "DENY"
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no other origin
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["connect-src"] == ["'self'"]
    assert "blob:" in policy["img-src"]  # the dashboard's charts
    assert "'unsafe-inline'" in policy["style-src"]  # each widget's <style> in its shadow root
    assert "public" in response.headers["cache-control"]  # the file's own caching is kept
    again = client.get(path, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["content-security-policy"] == response.headers["content-security-policy"]


def test_everything_the_workspace_loads_is_allowed_by_its_policy() -> None:
    """Same-origin scripts and styles only, no inline script or handler attribute (script-src 'self' blocks them)."""
    html = (STATIC / "index.html").read_text()
    scripts = re.findall(r"<script\b([^>]*)>", html)
    assert scripts and all(re.search(r'\bsrc="/widgets/[\w.-]+\.js"', attributes) for attributes in scripts)
    assert re.findall(r'<link\b[^>]*href="([^"]+)"', html) == ["/widgets/workspace.css"]
    assert not re.search(r"\son[a-z]+\s*=", html), "an inline event handler would be blocked"
    assert not re.search(r"javascript:", html)
    for path in STATIC.glob("*.js"):
        code = path.read_text()
        assert "eval(" not in code and "new Function" not in code, path.name
        assert not re.search(r"""import\(\s*["']https?:""", code), path.name


def test_a_widget_file_keeps_its_caching_and_is_not_sniffed(client) -> None:
    response = client.get("/widgets/mature-api.js")

    assert response.status_code == 200
    assert_basics(response)
    assert response.headers["cache-control"] == "public, max-age=300, must-revalidate"
    again = client.get("/widgets/mature-api.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert_basics(again)
    assert again.headers["cache-control"] == "public, max-age=300, must-revalidate"


def test_an_svg_chart_cannot_run_anything_when_opened(client, session: Session) -> None:
    carol = make_person(session, Role.manager)
    topic = make_topic(session, "Apprenticeships")
    session.commit()
    profile = client.post("/api/reports/profiles", headers=carol.headers, json={
        "name": "Plan", "topics": [{"topic_id": topic, "required_people": 1, "level": 2}]})
    assert profile.status_code == 201, profile.text

    response = client.get("/api/reports/skills-gap/chart.svg", headers=carol.headers,
                          params={"profile_id": profile.json()["id"]})

    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    assert_basics(response)
    assert response.headers["content-security-policy"] == ACTIVE_CONTENT_CSP
    assert directives(ACTIVE_CONTENT_CSP) == {"default-src": ["'none'"], "style-src": ["'unsafe-inline'"],
                                             "sandbox": []}
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_docs_keep_loading_their_cdn_scripts(client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert "https://cdn.jsdelivr.net/" in response.text  # which a CSP would have to allow; they get none
    assert "content-security-policy" not in response.headers
    assert_basics(response)
    assert response.headers["x-frame-options"] == "DENY"


def test_answers_made_outside_the_routes_carry_the_headers(client, session: Session, monkeypatch) -> None:
    alice = make_person(session)
    limit = client.app.state.settings.max_body_bytes
    too_big = client.post("/api/pages", headers={**alice.headers, "Content-Type": "application/json"},
                          content=b" " * (limit + 1))
    assert too_big.status_code == 413
    assert_basics(too_big)
    assert too_big.headers["cache-control"] == "no-store"

    monkeypatch.setattr(client.app.state.page_index, "search", lambda *args: 1 / 0)
    crashed = client.get("/api/search", params={"q": "fair"}, headers=alice.headers)
    assert crashed.status_code == 500
    assert_basics(crashed)
    assert crashed.headers["content-security-policy"] == JSON_CSP
