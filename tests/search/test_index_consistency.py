"""The index follows the change log from its own position: crash between commit and indexing, rebuild, one writer,
two hosts with their own index folders."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Visibility
from app.changelog import Change, LogFollower, Position
from app.search.index import IndexBusy, IndexDocument, PageIndex, SearchRequest
from app.search.indexer import Indexer
from tests.factories import make_page, make_person, make_space
from tests.search.helpers import index_now, search, titles


@pytest.fixture
def author(session: Session):
    return make_person(session)


@pytest.fixture
def space(session: Session, author):
    return make_space(session, author.user, Visibility.organisation)


def queued_pages(session: Session, indexer: Indexer) -> list[int]:
    """Pages of the log rows the index folder's position has not applied yet."""
    ids = LogFollower(position=indexer.position() or Position()).pending_ids(session)
    return list(session.scalars(select(Change.page_id).where(Change.id.in_(ids)).order_by(Change.id)))


def test_changes_wait_in_the_log_until_indexed(client, session, author, space):
    page = make_page(session, author.user, space, "Retail jobs", "Shop floor work.")
    assert page.id in queued_pages(session, client.app.state.indexer)
    index_now(client)
    assert queued_pages(session, client.app.state.indexer) == []
    assert titles(search(client, author, "shop")) == ["Retail jobs"]


def test_a_crash_between_commit_and_index_loses_nothing(client, session, author, space, monkeypatch):
    make_page(session, author.user, space, "Retail jobs", "Shop floor work.")
    indexer = client.app.state.indexer

    def crash(documents, removed):
        list(documents)
        raise RuntimeError("power cut while indexing")

    monkeypatch.setattr(indexer.index, "apply", crash)
    with pytest.raises(RuntimeError):
        indexer.drain()
    monkeypatch.undo()
    assert queued_pages(session, indexer), "the position must not pass a failed indexing"
    assert search(client, author, "shop")["total"] == 0
    # next start-up (or the next round of the loop) applies it
    client.app.state.indexer.ensure_ready()
    assert queued_pages(session, indexer) == []
    assert titles(search(client, author, "shop")) == ["Retail jobs"]


def test_an_index_committed_before_its_position_was_saved_is_simply_redone(client, session, author, space,
                                                                           monkeypatch):
    make_page(session, author.user, space, "Retail jobs", "Shop floor work.")
    indexer = client.app.state.indexer
    monkeypatch.setattr(indexer, "_save", lambda position: (_ for _ in ()).throw(RuntimeError("crash")))
    with pytest.raises(RuntimeError):
        indexer.drain()
    monkeypatch.undo()
    assert queued_pages(session, indexer)  # indexed, but the position does not say so yet
    index_now(client)  # indexing again is harmless: no duplicate hit
    result = search(client, author, "shop")
    assert result["total"] == 1 and titles(result) == ["Retail jobs"]


def test_a_deleted_index_is_rebuilt_with_the_same_answers(client, session, author, space, tmp_path):
    for number, sector in enumerate(["Construction", "Retail", "Construction", "Health and social care"]):
        make_page(session, author.user, space, f"Sector page {number}",
                  f"[[Sector::{sector}]] Vacancies and pay in {sector.lower()}. " + "detail " * number)
    index_now(client)
    queries = ["vacancies", "construction pay", "sector:retail", ""]
    before = [search(client, author, q) for q in queries]

    index: PageIndex = client.app.state.page_index
    index.close()
    for path in index.directory.iterdir():
        path.unlink()
    assert index.is_empty()
    client.app.state.indexer.ensure_ready()  # what a server does at start-up
    after = [search(client, author, q) for q in queries]
    assert after == before


def test_a_rebuild_covers_what_was_logged_and_keeps_what_came_after(client, session, author, space):
    make_page(session, author.user, space, "Retail jobs", "Shop floor work.")
    indexer: Indexer = client.app.state.indexer
    assert indexer.rebuild() == 1
    assert queued_pages(session, indexer) == []
    later = make_page(session, author.user, space, "Retail pay", "Shop pay.")
    assert set(queued_pages(session, indexer)) == {later.id}
    index_now(client)
    assert search(client, author, "shop")["total"] == 2


def test_one_writer_at_a_time_the_other_leaves_the_position_alone(client, session, author, space):
    make_page(session, author.user, space, "Retail jobs", "Shop floor work.")
    other_process = PageIndex(client.app.state.page_index.directory)  # same folder, as a second server would
    holder = other_process.open().writer()
    try:
        assert client.app.state.indexer.drain() == 0
        assert queued_pages(session, client.app.state.indexer), "the log keeps the work while another process writes"
    finally:
        holder.cancel()
    assert index_now(client) >= 1
    assert titles(search(client, author, "shop")) == ["Retail jobs"]
    # the other process sees the new generation without restarting
    request = SearchRequest(text="shop", readable_spaces=frozenset({space.id}))
    assert other_process.search(request).total == 1
    other_process.close()


def test_two_hosts_with_their_own_index_folders_both_index_every_change(client, session, author, space, tmp_path):
    """Nothing is consumed: the host that applies a change first leaves it for the other (the scale-out bug)."""
    page = make_page(session, author.user, space, "Retail jobs", "Shop floor work.")
    first = client.app.state.indexer
    second = Indexer(client.app.state.database, PageIndex(tmp_path / "other-host"))
    assert first.drain() >= 1
    assert second.drain() >= 1, "the second host's index must apply the rows the first one already applied"
    request = SearchRequest(text="shop", readable_spaces=frozenset({space.id}))
    assert [hit.page_id for hit in second.index.search(request).hits] == [page.id]
    assert first.position() == second.position()
    second.index.close()


def doc(page_id: int, title: str, body: str = "body") -> IndexDocument:
    return IndexDocument(page_id=page_id, space_id=1, title=title, body=body, categories=(), annotations={},
                         annotation_text="", maturity=50.0, phase="appropriating", modified=datetime.now(UTC))


def test_many_small_commits_never_duplicate_hits(tmp_path):
    """whoosh-reloaded duplicates hits on `Searcher.refresh()` after merges; we reopen instead."""
    index = PageIndex(tmp_path)
    request = SearchRequest(text="welding", readable_spaces=frozenset({1}))
    for round_number in range(30):
        index.apply([doc(page_id, f"Welding {page_id}", f"round {round_number}") for page_id in range(1, 6)], [])
        result = index.search(request)
        assert result.total == 5, f"round {round_number}: {result.total} hits for 5 pages"
        assert sorted(hit.page_id for hit in result.hits) == [1, 2, 3, 4, 5]
    index.apply([], [3])
    assert index.search(request).total == 4
    index.close()


def test_a_busy_index_raises_index_busy(tmp_path):
    index = PageIndex(tmp_path)
    holder = PageIndex(tmp_path).open().writer()
    try:
        with pytest.raises(IndexBusy):
            index.apply([doc(1, "Welding")], [])
    finally:
        holder.cancel()
    index.apply([doc(1, "Welding")], [])
    assert index.doc_count() == 1


def test_browsing_never_shows_replaced_or_removed_versions(tmp_path):
    index = PageIndex(tmp_path)
    index.apply([doc(page_id, f"Welding {page_id}") for page_id in range(1, 4)], [])
    browse = SearchRequest(text="", readable_spaces=frozenset({1}))
    assert index.search(browse).total == 3
    index.apply([doc(2, "Welding two, edited")], [])  # the old version stays in its segment, deleted
    index.apply([], [3])
    result = index.search(browse)
    assert result.total == 2
    assert sorted((hit.page_id, hit.title) for hit in result.hits) == [(1, "Welding 1"), (2, "Welding two, edited")]
    index.close()
