"""The real server (two workers) killed with SIGKILL in the middle of concurrent writes, three times.

Writers edit the same pages with If-Match, rate them and tag the same people from several threads.
After each restart: every acknowledged (2xx) write is in the database, nothing is half-written
(revision chains unbroken, every page has its head revision, one current rating and tag per person),
no acknowledged edit overwrote another, and search and SPARQL catch up with the acknowledged edits.
Run on SQLite (WAL recovery) and PostgreSQL.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from app.auth.models import MemberRole, Visibility
from app.db import Database
from app.pages import service as page_service
from app.pages.models import Page, Revision
from app.people.models import PersonTag
from app.quality import scoring
from app.quality.models import PageMaturity, Rating
from app.changelog import LogFollower
from app.search.index import PageIndex
from app.search.indexer import Indexer
from app.topics import skos
from tests.conftest import SECRET, migrated_database
from tests.factories import make_space, person_ids, users_with_tokens
from tests.live_server import LiveServer

WRITERS = 6
PAGES = 3
ROUNDS = 3
CATCH_UP_WITHIN = 20.0  # seconds
TOPICS = ["Apprenticeships", "Labour market information", "Careers guidance"]


@dataclass
class Acknowledged:
    """What the server answered 2xx to, per kind; only these must survive."""

    edits: list[tuple[int, int, int, str]] = field(default_factory=list)  # page, base revision, revision, marker
    ratings: list[tuple[int, int, int]] = field(default_factory=list)  # rating id, page, score
    tags: list[tuple[int, int, int]] = field(default_factory=list)  # tag id, person, level
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Setup:
    url: str
    data_dir: Path
    database: Database
    tokens: list[str]
    pages: list[int]
    people: list[int]


@pytest.fixture
def setup(backend: str, tmp_path: Path, request: pytest.FixtureRequest):
    url, database = migrated_database(backend, tmp_path, request)
    with database.transaction() as session:
        skos.seed(session)
        users, tokens = users_with_tokens(session, WRITERS, "writer")
        space = make_space(session, users[0], Visibility.organisation,
                           members=dict.fromkeys(users[1:], MemberRole.editor))
        pages = [page_service.create_page(session, users[0], space.id, f"Shared page {n}", f"Start {n}.", [], "").id
                 for n in range(PAGES)]
        people = person_ids(session, users)
    try:
        yield Setup(url, tmp_path, database, tokens, pages, people)
    finally:
        database.dispose()


def writer(server: LiveServer, setup: Setup, n: int, round_: int, acked: Acknowledged, stop: threading.Event) -> None:
    """One adviser: edit, rate, tag, edit ... until the server dies under them."""
    rng = random.Random(f"{round_}-{n}")
    headers = {"Authorization": f"Bearer {setup.tokens[n]}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as http:
        step = 0
        while not stop.is_set():
            step += 1
            try:
                kind = step % 3
                if kind == 0:
                    page = setup.pages[rng.randrange(PAGES)]
                    read = http.get(f"/api/pages/{page}")
                    base = read.json()["revision"]["id"]
                    marker = f"crashr{round_}w{n}s{step}"
                    saved = http.patch(f"/api/pages/{page}", headers={"If-Match": read.headers["ETag"]},
                                       json={"content": f"Edited by {n}: {marker}.", "on_conflict": "fail"})
                    assert saved.status_code in (200, 409), saved.text
                    if saved.status_code == 200:
                        with acked.lock:
                            acked.edits.append((page, base, saved.json()["revision"]["id"], marker))
                elif kind == 1:
                    page, score = setup.pages[rng.randrange(PAGES)], rng.randint(1, 5)
                    rated = http.put(f"/api/pages/{page}/ratings/mine", json={"scores": {"reliability": score}})
                    assert rated.status_code == 200, rated.text
                    with acked.lock:
                        acked.ratings.append((rated.json()["id"], page, score))
                else:
                    person, level = setup.people[rng.randrange(WRITERS)], rng.randint(1, 5)
                    tagged = http.post(f"/api/people/{person}/tags",
                                       json={"topic": TOPICS[rng.randrange(len(TOPICS))], "level": level})
                    assert tagged.status_code in (200, 201), tagged.text
                    with acked.lock:
                        acked.tags.append((tagged.json()["id"], person, level))
            except (httpx.TransportError, KeyError, ValueError):
                return  # the server died mid-request: this write is unacknowledged
            except AssertionError:
                if stop.is_set():
                    return  # an answer cut short by the kill
                raise


def kill(server: LiveServer) -> None:
    os.killpg(server.process.pid, signal.SIGKILL)  # no shutdown hook runs: commits in flight are cut
    server.process.wait(timeout=10)
    server.log.close()


def hammer_and_kill(setup: Setup, round_: int, acked: Acknowledged) -> None:
    t0=time.monotonic()
    server = LiveServer(setup.url, setup.data_dir, SECRET, workers=2)
    server.wait_until_up()
    print("up", round(time.monotonic()-t0,2))
    before = len(acked.edits) + len(acked.ratings) + len(acked.tags)
    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(server, setup, n, round_, acked, stop)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 15
    while len(acked.edits) + len(acked.ratings) + len(acked.tags) < before + 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    print("writes", round(time.monotonic()-t0,2))
    time.sleep(random.uniform(0.0, 0.3))  # somewhere in the middle of the next writes
    stop.set()
    kill(server)
    for thread in threads:
        thread.join(timeout=20)
    assert len(acked.edits) + len(acked.ratings) + len(acked.tags) >= before + 20, "too few writes before the kill"


def check_database(setup: Setup, acked: Acknowledged) -> dict[int, int]:
    """Every acknowledged write is there and whole; returns each page's head revision."""
    heads = {}
    with setup.database.transaction(write=False) as session:
        revisions = {r.id: r for r in session.scalars(select(Revision))}
        for page_id, base, revision_id, marker in acked.edits:
            saved = revisions.get(revision_id)
            assert saved is not None and saved.page_id == page_id and marker in saved.content, "an acked edit is lost"
            assert saved.parent_id == base, "an acknowledged edit was saved over a revision its writer never saw"
        for page in session.scalars(select(Page)):
            chain = sorted((r for r in revisions.values() if r.page_id == page.id), key=lambda r: r.number)
            assert chain, f"page {page.id} has no revision"
            assert [r.number for r in chain] == list(range(1, len(chain) + 1))
            assert [r.parent_id for r in chain] == [None] + [r.id for r in chain[:-1]], "broken revision chain"
            assert page.current_revision_id == chain[-1].id, "the page's head is not its last revision"
            heads[page.id] = chain[-1].id
            stored = session.get(PageMaturity, page.id)
            assert stored is not None and stored.score == scoring.assess_page(session, page).score

        ratings = {r.id: r for r in session.scalars(select(Rating))}
        for rating_id, _page_id, score in acked.ratings:
            assert rating_id in ratings and ratings[rating_id].reliability == score, "an acked rating is lost"
        current = defaultdict(int)
        for rating in ratings.values():
            current[(rating.rater_id, rating.page_id)] += rating.superseded_at is None
        assert set(current.values()) == {1}, "someone has no, or several, current ratings of a page"

        tags = {t.id: t for t in session.scalars(select(PersonTag))}
        for tag_id, person_id, level in acked.tags:
            assert tag_id in tags and tags[tag_id].person_id == person_id and tags[tag_id].level == level
        current = defaultdict(int)
        for tag in tags.values():
            current[(tag.tagger_id, tag.person_id, tag.concept_id)] += tag.superseded_at is None
        assert set(current.values()) == {1}, "a tagger has several current tags of one person on one topic"
    return heads


def check_derived_stores_catch_up(setup: Setup, heads: dict[int, int]) -> None:
    """Search finds each page by its head revision's marker; SPARQL names the head as current revision."""
    with setup.database.transaction(write=False) as session:
        markers = {page_id: session.get(Revision, revision_id).content.split(": ")[-1].rstrip(".")
                   for page_id, revision_id in heads.items()}
    server = LiveServer(setup.url, setup.data_dir, SECRET, workers=2)
    headers = {"Authorization": f"Bearer {setup.tokens[0]}"}
    query = ("PREFIX lmi: <https://w3id.org/mature-lmi/ontology#> "
             "SELECT ?page ?revision WHERE { ?page lmi:currentRevision ?revision }")
    try:
        t0=time.monotonic()
        server.wait_until_up()
        print("check up", round(time.monotonic()-t0,2))
        deadline = time.monotonic() + CATCH_UP_WITHIN
        while True:
            found = {page_id: _search(server, headers, marker) for page_id, marker in markers.items()}
            answer = httpx.get(f"{server.url}/sparql", params={"query": query}, timeout=30,
                               headers={**headers, "Accept": "application/sparql-results+json"})
            assert answer.status_code == 200, answer.text
            current = {int(b["page"]["value"].rsplit("/", 1)[1]): int(b["revision"]["value"].rsplit("/", 1)[1])
                       for b in answer.json()["results"]["bindings"]}
            if all(found[page_id] == [page_id] for page_id in markers) and current == heads:
                break
            assert time.monotonic() < deadline, f"not caught up: search {found}, sparql {current} != {heads}"
            time.sleep(0.2)
        print("caught up", round(time.monotonic()-t0,2))
        indexer = Indexer(setup.database, PageIndex(setup.data_dir / "search"))  # reads the host's position only
        with setup.database.transaction(write=False) as session:
            while (position := indexer.position()) is None or LogFollower(position=position).backlog(session):
                assert time.monotonic() < deadline, "the search index did not reach the end of the log"
                time.sleep(0.2)
                session.rollback()
    finally:
        server.stop()


def _search(server: LiveServer, headers: dict[str, str], marker: str) -> list[int]:
    response = httpx.get(f"{server.url}/api/search", params={"q": marker}, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return [hit["page_id"] for hit in response.json()["results"]]


def test_killed_mid_write_three_times_loses_nothing_acknowledged(setup):
    acked = Acknowledged()
    for round_ in range(ROUNDS):
        t=time.monotonic()
        hammer_and_kill(setup, round_, acked)
        print("round", round(time.monotonic()-t,2))
        check_database(setup, acked)
        print("checked", round(time.monotonic()-t,2))
    assert acked.edits and acked.ratings and acked.tags
    check_derived_stores_catch_up(setup, check_database(setup, acked))
