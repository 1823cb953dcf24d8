"""Bookmarks of external LMI sources: pages like any other, one URL per space, and the link check
(against a local server on 127.0.0.1 only)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Visibility
from app.tagging.linkcheck import CheckState, check_bookmarks
from app.tagging.models import Bookmark
from app.tagging.urls import url_key
from tests.factories import Person, make_person, make_space
from tests.search.helpers import index_now, search, titles

ONS = "https://www.ons.gov.uk/employmentandlabourmarket/peopleinwork"



@pytest.fixture
def people(session: Session, scheme) -> dict[str, Person]:
    return {"author": make_person(session), "reader": make_person(session), "outsider": make_person(session)}


@pytest.fixture
def space(session: Session, people):
    return make_space(session, people["author"].user, Visibility.members, {people["reader"].user: MemberRole.reader})


def bookmark(client, person, space_id: int, url: str = ONS, **extra):
    return client.post("/api/bookmarks", headers=person.headers, json={
        "space_id": space_id, "url": url, "title": extra.pop("title", "ONS: people in work"),
        "publisher": "Office for National Statistics", "note": "Regional tables are the useful part.", **extra})


def test_a_bookmark_is_a_page_with_its_source_annotated_and_tagged(client, session, people, space):
    response = bookmark(client, people["author"], space.id, topics=["Labour market information"])
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["url"] == ONS and response.headers["Location"] == created["page"]
    page = client.get(created["page"], headers=people["reader"].headers).json()
    assert "Bookmark" in page["categories"]
    statements = {(a["property"], a["value"]) for a in page["annotations"]}
    assert any(value == ONS for _, value in statements)
    assert any(value == "Office for National Statistics" for _, value in statements)
    topics = client.get(f"{created['page']}/topics", headers=people["reader"].headers).json()["topics"]
    assert [t["topic"]["label"] for t in topics] == ["Labour market information"]
    rated = client.put(f"{created['page']}/ratings/mine", headers=people["reader"].headers,
                       json={"scores": {"reliability": 5}})
    assert rated.status_code == 200
    index_now(client)
    assert titles(search(client, people["reader"], "regional tables")) == ["ONS: people in work"]


@pytest.mark.parametrize("same", [ONS + "/", ONS + "#section-2", ONS.replace("https://www.ons", "HTTPS://WWW.ONS"),
                                  ONS.replace(".gov.uk/", ".gov.uk:443/")])
def test_the_same_source_in_the_same_space_sends_you_to_the_existing_one(client, people, space, same):
    first = bookmark(client, people["author"], space.id).json()
    again = bookmark(client, people["author"], space.id, url=same, title="Another title")
    assert again.status_code == 409, again.text
    problem = again.json()
    assert problem["existing_page_id"] == first["page_id"]
    assert again.headers["Location"] == f"/api/pages/{first['page_id']}"
    assert "already bookmarked" in problem["detail"]


def test_other_spaces_and_other_urls_are_separate(client, session, people, space):
    other = make_space(session, people["author"].user, Visibility.organisation)
    assert bookmark(client, people["author"], space.id).status_code == 201
    assert bookmark(client, people["author"], other.id, title="ONS in another space").status_code == 201
    assert bookmark(client, people["author"], space.id, url=ONS + "?edition=2025", title="2025 edition").status_code == 201
    listed = client.get("/api/bookmarks", params={"space_id": space.id}, headers=people["reader"].headers).json()
    assert len(listed["items"]) == 2


def test_moving_a_bookmark_keeps_one_url_per_space(client, session, people, space):
    other = make_space(session, people["author"].user, Visibility.organisation)
    here = bookmark(client, people["author"], space.id).json()
    bookmark(client, people["author"], other.id, title="ONS there")
    moved = client.post(f"/api/pages/{here['page_id']}/move", headers=people["author"].headers,
                        json={"title": "ONS: people in work", "space_id": other.id})
    assert moved.status_code == 409 and "already bookmarks" in moved.json()["detail"]
    third = make_space(session, people["author"].user, Visibility.organisation)
    moved = client.post(f"/api/pages/{here['page_id']}/move", headers=people["author"].headers,
                        json={"title": "ONS: people in work", "space_id": third.id})
    assert moved.status_code == 200, moved.text
    assert session.get(Bookmark, here["page_id"]).space_id == third.id


def test_bookmark_rights_and_privacy(client, people, space):
    assert bookmark(client, people["reader"], space.id).status_code == 403  # reader, not editor
    assert bookmark(client, people["outsider"], space.id).status_code == 404
    bookmark(client, people["author"], space.id)
    assert client.get("/api/bookmarks", headers=people["outsider"].headers).json()["items"] == []
    # the duplicate check never tells an outsider what the space holds
    assert bookmark(client, people["outsider"], space.id).status_code == 404


@pytest.mark.parametrize("url", ["ons.gov.uk/jobs", "ftp://ons.gov.uk/x", "javascript:alert(1)", "https://",
                                 "https://ons.gov.uk:99999/x", "https://x.org/" + "a" * 2000])
def test_bad_urls_are_422_with_an_example(client, people, space, url):
    response = bookmark(client, people["author"], space.id, url=url)
    assert response.status_code == 422, response.text
    assert "url" in response.json()["detail"]


def test_url_keys():
    assert url_key("HTTPS://Example.ORG:443/a/b/?x=1#frag") == "https://example.org/a/b?x=1"
    assert url_key("http://example.org:8080/") == "http://example.org:8080"
    assert url_key("https://example.org/a") != url_key("http://example.org/a")


class _Source(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:  # noqa: N802
        self._answer()

    def do_GET(self) -> None:  # noqa: N802
        self._answer()

    def _answer(self) -> None:
        status = {"/ok": 200, "/gone": 404, "/no-head": 405 if self.command == "HEAD" else 200}.get(self.path, 500)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_source() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Source)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused at once)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def test_the_link_check_flags_gone_sources_dead_and_unanswered_ones_could_not_check(
        client, session, people, space, local_source, database):
    pages = {}
    for path in ("ok", "gone", "no-head", "error"):
        pages[path] = bookmark(client, people["author"], space.id, url=f"{local_source}/{path}", title=path).json()
    refused = bookmark(client, people["author"], space.id, url=f"http://127.0.0.1:{_closed_port()}/nothing",
                       title="refused").json()

    skipped = check_bookmarks(database, timeout=5)
    assert all(result.skipped for result in skipped.results)  # private addresses need --allow-private

    run = check_bookmarks(database, timeout=5, allow_private=True)
    results = {r.url.rsplit("/", 1)[-1]: r for r in run.results}
    assert not run.outage
    assert (results["ok"].status, results["ok"].state) == (200, CheckState.alive)
    assert (results["gone"].status, results["gone"].state) == (404, CheckState.dead)
    assert (results["no-head"].status, results["no-head"].state) == (200, CheckState.alive)
    assert (results["error"].status, results["error"].state) == (500, CheckState.could_not_check)
    assert results["nothing"].state is CheckState.could_not_check and results["nothing"].status is None
    listed = {item["page_id"]: item for item in client.get(
        "/api/bookmarks", headers=people["reader"].headers).json()["items"]}
    assert {pid for pid, item in listed.items() if item["dead"]} == {pages["gone"]["page_id"]}
    assert listed[refused["page_id"]]["check_state"] == "could_not_check"
    assert "ConnectError" in listed[refused["page_id"]]["check_error"]
    assert listed[pages["ok"]["page_id"]]["check_state"] == "alive"
    assert all(item["last_checked_at"] for item in listed.values())


def test_a_run_where_almost_nothing_answers_is_an_outage_and_changes_nothing(client, session, people, space,
                                                                            database):
    urls = [f"http://127.0.0.1:{_closed_port()}/source-{n}" for n in range(3)]
    made = [bookmark(client, people["author"], space.id, url=url, title=f"source {n}").json()
            for n, url in enumerate(urls)]
    for page in made:  # as an earlier check left them
        session.get(Bookmark, page["page_id"]).check_state = "alive"
    session.flush()

    run = check_bookmarks(database, timeout=5, allow_private=True)
    assert run.outage and run.count(CheckState.could_not_check) == 3
    for page in made:
        row = session.get(Bookmark, page["page_id"])
        session.refresh(row)
        assert (row.dead, row.check_state, row.last_checked_at) == (False, "alive", None)
