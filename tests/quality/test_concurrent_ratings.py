"""Many colleagues rating the same page at once, against the real server with two workers."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from app.auth.models import MemberRole, User
from app.pages import service as page_service
from app.pages.models import Page
from app.quality import scoring
from app.quality.models import PageMaturity, Rating
from tests.conftest import SharedServer
from tests.factories import make_space, users_with_tokens
from tests.live_server import all_at_once

RATERS = 8
_modules = itertools.count()  # each module using `live` (this one, test_concurrent_reviews) gets raters of its own


@pytest.fixture(scope="module")
def live(shared_server: SharedServer) -> dict:
    """The shared server, raters of this module's own and their space; each test rates a page of its own (the
    `page_id` fixture)."""
    database = shared_server.database
    with database.transaction() as session:
        users, tokens = users_with_tokens(session, RATERS + 1, f"rater{next(_modules)}-")
        space = make_space(session, users[0], members=dict.fromkeys(users[1:], MemberRole.reader))
        owner_id, space_id = users[0].id, space.id
    return {"server": shared_server.server, "database": database, "tokens": tokens[1:], "owner_id": owner_id,
            "space_id": space_id}


@pytest.fixture
def page_id(live: dict) -> int:
    """A new page nobody has rated yet."""
    with live["database"].transaction() as session:
        owner = session.get(User, live["owner_id"])
        page = page_service.create_page(session, owner, live["space_id"], f"Shared {next(_titles)}",
                                        "[[Sector::Retail]]\n", [], "")
        return page.id


_titles = itertools.count(1)


def _put(live: dict, page_id: int, token: str, score: int):
    url = f"{live['server'].url}/api/pages/{page_id}/ratings/mine"
    return lambda client: client.put(url, headers={"Authorization": f"Bearer {token}"},
                                     json={"scores": {"reliability": score}})


def test_concurrent_ratings_by_different_people_all_count(live, page_id):
    responses = all_at_once([_put(live, page_id, token, 1 + n % 5) for n, token in enumerate(live["tokens"])])
    assert [r.status_code for r in responses] == [200] * RATERS
    with live["database"].transaction() as session:
        current = session.scalars(select(Rating).where(Rating.page_id == page_id,
                                                       Rating.superseded_at.is_(None))).all()
        assert len(current) == RATERS
        stored = session.get(PageMaturity, page_id)
        stored_score = stored.score
        recomputed = scoring.assess_page(session, session.get(Page, page_id))
    assert stored_score == recomputed.score  # the incremental score equals a recompute


def test_one_person_rating_many_times_at_once_keeps_one_current_rating(live, page_id):
    token = live["tokens"][0]
    responses = all_at_once([_put(live, page_id, token, 1 + n % 5) for n in range(RATERS)])
    assert [r.status_code for r in responses] == [200] * RATERS
    with live["database"].transaction() as session:
        ratings = session.scalars(select(Rating).where(Rating.page_id == page_id)).all()
    assert len(ratings) == RATERS and sum(r.superseded_at is None for r in ratings) == 1
