"""The `mature` command: migrations, accounts, tokens and the demo dataset, on a fresh data folder."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import run_cli as run


def test_help_lists_the_commands():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("serve", "db", "demo", "user", "token"):
        assert command in result.output


def test_user_add_and_token_create_give_a_working_token(env):
    assert run("db", "upgrade").exit_code == 0
    added = run("user", "add", "alice", "--role", "manager", stdin="a long password\n")
    assert added.exit_code == 0, added.output
    created = run("token", "create", "alice")
    assert created.exit_code == 0
    token = created.stdout.strip()
    assert token.startswith("mat_") and "\n" not in token

    with TestClient(create_app(Settings())) as client:
        me = client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["username"] == "alice" and me["role"] == "manager"
        login = client.post("/api/auth/token", json={"username": "alice", "password": "a long password"})
        assert login.status_code == 200


def test_cli_errors_are_clear(env):
    run("db", "upgrade")
    short = run("user", "add", "bob", stdin="short\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    run("user", "add", "bob", stdin="a long password\n")
    again = run("user", "add", "bob", stdin="a long password\n")
    assert again.exit_code != 0 and "already in use" in again.output
    missing = run("token", "create", "nobody")
    assert missing.exit_code != 0 and "no user" in missing.output.lower()


def test_demo_is_realistic_and_idempotent(env):
    first = run("demo")
    assert first.exit_code == 0, first.output
    assert "16 pages" in first.output
    second = run("demo")
    assert second.exit_code == 0 and "0 users, 0 spaces, 0 pages" in second.output

    with TestClient(create_app(Settings())) as client:
        token = client.post("/api/auth/token", json={"username": "erin", "password": "mature-demo"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        titles = [p["title"] for p in client.get("/api/pages?limit=200", headers=headers).json()["items"]]
        assert "Health and social care in the North East" in titles       # erin reads north-east
        assert "Creative industries – rough notes" not in titles          # alice's private draft
        nursing = next(p for p in client.get("/api/pages?limit=200", headers=headers).json()["items"]
                       if p["title"] == "Nursing progression routes")
        history = client.get(f"/api/pages/{nursing['id']}/revisions", headers=headers).json()["items"]
        assert len(history) >= 3 and len({r["author"]["id"] for r in history}) >= 2


def test_demo_is_refused_in_production(env, monkeypatch):
    monkeypatch.setenv("MATURE_ENV", "production")
    result = run("demo")
    assert result.exit_code != 0 and "production" in result.output


def test_dump_writes_what_a_user_may_read(env, tmp_path):
    from rdflib import Dataset, URIRef

    run("demo")
    out = tmp_path / "erin.nq"
    result = run("dump", "--user", "erin", "--output", str(out))
    assert result.exit_code == 0, result.output
    data = Dataset()
    data.parse(out, format="nquads")
    titles = {str(o) for _, _, o, _ in data.quads((None, URIRef("http://purl.org/dc/terms/title"), None, None))}
    assert "Health and social care in the North East" in titles
    assert "Creative industries – rough notes" not in titles  # alice's private draft
    everything = run("dump", "--all", "--format", "trig")
    assert everything.exit_code == 0 and "Creative industries" in everything.output
    assert run("dump").exit_code != 0


def test_reindex_rebuilds_search_from_the_database(env, monkeypatch):
    run("demo")
    result = run("reindex")
    assert result.exit_code == 0, result.output
    assert "indexed 19 pages" in result.output  # 16 pages and 3 bookmarks
    assert "search index: 19/19" in result.output  # plain progress lines when not on a terminal

    monkeypatch.setenv("MATURE_SEARCH_INDEXING", "false")  # prove the answers come from the rebuild alone
    with TestClient(create_app(Settings())) as client:
        token = client.post("/api/auth/token", json={"username": "erin", "password": "mature-demo"}).json()["access_token"]
        found = client.get("/api/search", params={"q": "nursing"}, headers={"Authorization": f"Bearer {token}"}).json()
        assert "Nursing progression routes" in [hit["title"] for hit in found["results"]]
        assert client.app.state.indexer.drain() == 0  # the rebuild covered everything the demo queued
