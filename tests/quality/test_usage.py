"""Page views as a usage signal: counted in memory, written in batches, and the "low-rated but much-read"
review queue that uses them (no private page in it)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Role, Visibility
from app.db import utcnow
from app.quality.models import PageView
from app.quality.usage import add_views
from tests.factories import make_person, make_space, personal_space, post_page

LOW = {"currency": 1, "reliability": 2, "relevance": 2}


def create(client, person, space_id: int, title: str) -> dict:
    return post_page(client, person, space_id, title, "Some figures.\n")


def read(client, person, page: dict, times: int) -> None:
    for _ in range(times):
        assert client.get(f"/api/pages/{page['id']}", headers=person.headers).status_code == 200


def flush(client) -> int:
    return client.app.state.view_counter.flush(client.app.state.database)


def views(session: Session, page: dict) -> int:
    session.expire_all()
    return sum(session.scalars(select(PageView.views).where(PageView.page_id == page["id"])))


def test_reads_are_counted_and_added_up_across_flushes(client, session):
    author = make_person(session)
    page = create(client, author, personal_space(session, author.user).id, "Counted page")
    read(client, author, page, 3)
    assert views(session, page) == 0  # not written on every read
    assert flush(client) == 1
    read(client, author, page, 2)
    flush(client)
    assert views(session, page) == 5
    assert flush(client) == 0  # nothing left to write
    assert client.get(f"/api/pages/{page['id']}/revisions", headers=author.headers).status_code == 200
    flush(client)
    assert views(session, page) == 5  # only opening the page counts


def test_views_of_a_page_removed_meanwhile_are_dropped(client, session):
    author = make_person(session)
    page = create(client, author, personal_space(session, author.user).id, "Short-lived page")
    add_views(session, Counter({(page["id"], utcnow().date()): 4, (999_999, utcnow().date()): 1}))
    session.commit()
    assert views(session, page) == 4


@pytest.fixture
def org(client, session: Session) -> dict:
    author, manager = make_person(session), make_person(session, Role.manager)
    raters = [make_person(session) for _ in range(2)]
    team = make_space(session, author.user, Visibility.organisation)
    closed = make_space(session, author.user, Visibility.members, {r.user: MemberRole.reader for r in raters})
    pages = {"busy": create(client, author, team.id, "Busy but poor"),
             "quiet": create(client, author, team.id, "Quiet and poor"),
             "secret": create(client, author, closed.id, "Closed busy and poor")}
    for page in pages.values():
        for rater in raters:
            response = client.put(f"/api/pages/{page['id']}/ratings/mine", headers=rater.headers, json={"scores": LOW})
            assert response.status_code == 200, response.text
    read(client, raters[0], pages["busy"], 25)
    read(client, raters[0], pages["quiet"], 5)
    read(client, raters[0], pages["secret"], 30)
    flush(client)
    return {"author": author, "manager": manager, "raters": raters, "pages": pages}


def test_low_rated_much_read_queue_puts_heavily_used_poor_pages_first(client, session, org):
    queue = client.get("/api/quality/review-queue", params={"kind": "low_rated_much_read"},
                       headers=org["raters"][0].headers).json()["items"]
    assert [item["title"] for item in queue] == ["Closed busy and poor", "Busy but poor"]
    assert queue[1]["reason"] == ("Rated 1.7 out of 5 on average by 2 colleagues, yet opened 25 times "
                                  "in the last 30 days")
    outsider = make_person(session)
    assert [item["title"] for item in client.get("/api/quality/review-queue", params={
        "kind": "low_rated_much_read"}, headers=outsider.headers).json()["items"]] == ["Busy but poor"]
    overview = client.get("/api/quality/overview", headers=outsider.headers).json()
    assert overview["queues"]["low_rated_much_read"] == 1


def test_old_views_do_not_count(client, session, org):
    long_ago = utcnow().date() - timedelta(days=45)
    add_views(session, Counter({(org["pages"]["quiet"]["id"], long_ago): 500}))
    session.commit()
    titles = [item["title"] for item in client.get("/api/quality/review-queue", params={
        "kind": "low_rated_much_read"}, headers=org["author"].headers).json()["items"]]
    assert "Quiet and poor" not in titles
