"""Many advisers saving the same page at once, against the real server with two worker processes.

No save is lost, no two revisions claim the same parent, and the conflict rules hold, on SQLite
and on PostgreSQL.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import MemberRole
from app.db import Database
from app.pages.models import Revision
from tests.conftest import SharedServer
from tests.factories import make_space, users_with_tokens
from tests.live_server import LiveServer, all_at_once

WRITERS = 8
LINES = [f"Paragraph {n}: original text." for n in range(WRITERS)]


@dataclass
class Live:
    server: LiveServer
    database: Database
    tokens: list[str]
    space_id: int


@pytest.fixture(scope="module")
def live(shared_server: SharedServer) -> Live:
    """The shared server, and writers and a space of this module's own: each test races on a page of its own."""
    with shared_server.database.transaction() as session:
        users, tokens = users_with_tokens(session, WRITERS, "writer")
        space_id = make_space(session, users[0], members=dict.fromkeys(users[1:], MemberRole.editor)).id
    return Live(shared_server.server, shared_server.database, tokens, space_id)


_titles = itertools.count(1)


def _create(live: Live) -> dict:
    response = httpx.post(f"{live.server.url}/api/pages", headers=_auth(live.tokens[0]), json={
        "space_id": live.space_id, "title": f"Shared page {next(_titles)}", "content": "\n\n".join(LINES)})
    assert response.status_code == 201, response.text
    return response.json()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _save_all_at_once(live: Live, page: dict, contents: list[str], on_conflict: str) -> list[httpx.Response]:
    def save(n: int):
        return lambda client: client.patch(
            f"{live.server.url}/api/pages/{page['id']}", headers=_auth(live.tokens[n]),
            json={"content": contents[n], "base_revision": page["revision"]["id"], "on_conflict": on_conflict,
                  "summary": f"writer {n}"})

    return all_at_once([save(n) for n in range(len(contents))])


def _chain(live: Live, page_id: int) -> list[Revision]:
    with live.database.transaction(write=False) as session:
        return list(session.scalars(select(Revision).where(Revision.page_id == page_id).order_by(Revision.number)))


def _assert_linear(chain: list[Revision]) -> None:
    assert [r.number for r in chain] == list(range(1, len(chain) + 1))
    assert [r.parent_id for r in chain] == [None] + [r.id for r in chain[:-1]]


def test_concurrent_edits_of_different_paragraphs_all_land(live: Live) -> None:
    page = _create(live)
    contents = ["\n\n".join(line.replace("original", f"edited by {n}") if i == n else line
                            for i, line in enumerate(LINES)) for n in range(WRITERS)]
    responses = _save_all_at_once(live, page, contents, "merge")
    assert [r.status_code for r in responses] == [200] * WRITERS, [r.text for r in responses if r.status_code != 200]
    assert sum(r.json()["merged"] for r in responses) == WRITERS - 1  # all but the first were merged
    final = httpx.get(f"{live.server.url}/api/pages/{page['id']}", headers=_auth(live.tokens[0])).json()
    for n in range(WRITERS):
        assert f"Paragraph {n}: edited by {n} text." in final["content"]
    chain = _chain(live, page["id"])
    assert len(chain) == WRITERS + 1
    _assert_linear(chain)


def test_concurrent_edits_of_the_same_line_let_exactly_one_win(live: Live) -> None:
    page = _create(live)
    contents = ["\n\n".join([f"Paragraph 0: writer {n} says so.", *LINES[1:]]) for n in range(WRITERS)]
    responses = _save_all_at_once(live, page, contents, "merge")
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (WRITERS - 1)
    winner = next(r for r in responses if r.status_code == 200).json()
    for loser in (r for r in responses if r.status_code == 409):
        problem = loser.json()
        assert problem["current_revision"]["id"] == winner["revision"]["id"]
        assert problem["attempted_content"].startswith("Paragraph 0: writer")
    chain = _chain(live, page["id"])
    assert len(chain) == 2
    _assert_linear(chain)


def test_fail_mode_under_concurrency_keeps_one_save(live: Live) -> None:
    page = _create(live)
    contents = ["\n\n".join(line.replace("original", f"edited by {n}") if i == n else line
                            for i, line in enumerate(LINES)) for n in range(WRITERS)]
    responses = _save_all_at_once(live, page, contents, "fail")
    assert sorted(r.status_code for r in responses) == [200] + [409] * (WRITERS - 1)
    _assert_linear(_chain(live, page["id"]))


def test_the_database_itself_refuses_two_children_of_one_revision(live: Live) -> None:
    """The last line of defence, below the row lock: `revision.parent_id` is unique."""
    page = _create(live)
    with pytest.raises(IntegrityError), live.database.transaction() as session:
        for n in range(2):
            session.add(Revision(page_id=page["id"], number=2 + n, parent_id=page["revision"]["id"], title="x",
                                 content="x", categories=[], summary="", minor=False, kind="edit",
                                 author_id=page["revision"]["author"]["id"], size=1))
        session.flush()
