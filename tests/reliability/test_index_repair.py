"""A deleted or damaged search-index folder is noticed and rebuilt from the database: while the server
runs (search answers 503 with a clear detail meanwhile, never a 500 or a silently empty answer) and at
start-up, in one process and in the real two-worker server."""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth import service as account_service
from app.auth.models import Role, TokenKind, Visibility
from app.main import create_app
from app.pages import service as page_service
from tests.conftest import SECRET, migrated_database, settings_for
from tests.factories import make_page, make_person, make_space
from tests.live_server import LiveServer
from tests.search.helpers import index_now

PAGES = 6
REPAIRED_WITHIN = 20.0  # seconds, for the real server


def damage(folder: Path) -> None:
    """Overwrite every index file with garbage of the same size (a disk fault, a bad copy)."""
    files = [path for path in folder.iterdir() if path.is_file() and not path.name.startswith(".")]
    assert files, f"no index files in {folder}"
    for path in files:
        path.write_bytes(os.urandom(max(path.stat().st_size, 64)))


@pytest.fixture
def indexed(client: TestClient, session: Session):
    """Six pages in the index of the in-process app; returns (author, the index folder)."""
    author = make_person(session)
    space = make_space(session, author.user, Visibility.organisation)
    for number in range(PAGES):
        make_page(session, author.user, space, f"Careers fair {number}", f"Employers at the fair, stand {number}.")
    index_now(client)
    return author, client.app.state.page_index.directory


def found(client: TestClient, author, q: str = "fair") -> httpx.Response:
    return client.get("/api/search", params={"q": q}, headers=author.headers)


@pytest.mark.parametrize("fault", ["deleted", "damaged"])
def test_a_broken_index_answers_503_then_is_rebuilt_by_the_indexer(client, indexed, fault, caplog):
    author, folder = indexed
    assert found(client, author).json()["total"] == PAGES
    if fault == "deleted":
        shutil.rmtree(folder)
    else:
        damage(folder)
    with caplog.at_level(logging.ERROR, logger="app.search.index"):
        # a question not asked before: answers already in memory may still be served, the first read finds it
        broken = found(client, author, "stand")
    assert broken.status_code == 503, broken.text
    assert broken.headers["content-type"] == "application/problem+json"
    assert "rebuilt automatically" in broken.json()["detail"]
    assert "missing or damaged" in caplog.text
    assert client.get("/api/search/suggest", params={"q": "care"}, headers=author.headers).status_code == 503

    client.app.state.indexer.step()  # one round of the server's background loop
    repaired = found(client, author)
    assert repaired.status_code == 200 and repaired.json()["total"] == PAGES, repaired.text
    assert client.app.state.page_index.intact()


def test_a_deleted_folder_is_noticed_without_anyone_searching(client, indexed):
    author, folder = indexed
    shutil.rmtree(folder)
    client.app.state.indexer.step()
    assert found(client, author).json()["total"] == PAGES


def test_a_damaged_index_is_rebuilt_at_start_up(client, indexed, database, tmp_path):
    author, folder = indexed
    client.app.state.page_index.close()
    damage(folder)
    with TestClient(create_app(settings_for("sqlite://", tmp_path), database=database)) as restarted:
        assert restarted.app.state.page_index.directory == folder
        restarted.app.state.indexer.ensure_ready()  # what a server process does first
        answer = found(restarted, author)
        assert answer.status_code == 200 and answer.json()["total"] == PAGES, answer.text


def test_a_search_bug_is_not_mistaken_for_damage(client, indexed, monkeypatch):
    """Only unreadable files trigger a rebuild; any other error stays an error (and the index is kept)."""
    author, _folder = indexed
    index = client.app.state.page_index
    monkeypatch.setattr(index, "_matches", lambda *args: 1 / 0)
    assert found(client, author).status_code == 500
    assert not index.damaged


# -- the real server: two worker processes sharing one index folder ---------------------------------------

@pytest.fixture
def live(backend: str, tmp_path: Path, request: pytest.FixtureRequest):
    url, database = migrated_database(backend, tmp_path, request)
    with database.transaction() as session:
        user = account_service.create_user(session, "keeper", "Keeper", Role.adviser, None)
        token = account_service.issue_token(session, SECRET, user, TokenKind.personal, "t", None).token
        space = make_space(session, user, Visibility.organisation)
        for number in range(PAGES):
            page_service.create_page(session, user, space.id, f"Careers fair {number}",
                                     f"Employers at the fair, stand {number}.", [], "")
    try:
        yield url, tmp_path, {"Authorization": f"Bearer {token}"}
    finally:
        database.dispose()


def wait_for_all_pages(server: LiveServer, headers: dict[str, str]) -> list[int]:
    """Poll search until it finds every page again; returns the statuses seen on the way."""
    seen = []
    deadline = time.monotonic() + REPAIRED_WITHIN
    while True:
        response = httpx.get(f"{server.url}/api/search", params={"q": "fair"}, headers=headers, timeout=30)
        seen.append(response.status_code)
        assert response.status_code in (200, 503), response.text
        if response.status_code == 503:
            assert "rebuilt automatically" in response.json()["detail"]
        elif response.json()["total"] == PAGES:
            return seen
        assert time.monotonic() < deadline, f"search did not recover within {REPAIRED_WITHIN} s: {seen[-5:]}"
        time.sleep(0.1)


@pytest.mark.parametrize("backend", ["sqlite"])  # the in-process tests above run on both databases
def test_the_running_server_rebuilds_a_deleted_then_a_damaged_folder_and_at_start_up(live):
    url, data_dir, headers = live
    server = LiveServer(url, data_dir, SECRET, workers=2)
    try:
        server.wait_until_up()
        wait_for_all_pages(server, headers)
        shutil.rmtree(data_dir / "search")
        wait_for_all_pages(server, headers)
        damage(data_dir / "search")
        wait_for_all_pages(server, headers)
    finally:
        server.stop()
    damage(data_dir / "search")
    restarted = LiveServer(url, data_dir, SECRET, workers=2)
    try:
        restarted.wait_until_up()
        wait_for_all_pages(restarted, headers)
    finally:
        restarted.stop()
