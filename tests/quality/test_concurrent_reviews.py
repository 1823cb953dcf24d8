"""Colleagues claiming the same review at once, against the real server with two workers: one wins."""

from __future__ import annotations

from sqlalchemy import select

from app.quality.models import ReviewItem
from tests.live_server import all_at_once
from tests.quality.test_concurrent_ratings import RATERS, live, page_id  # noqa: F401  (the server and a fresh page)


def _claim(live: dict, page_id: int, token: str):  # noqa: F811
    url = f"{live['server'].url}/api/pages/{page_id}/reviews/unassessed/claim"
    return lambda client: client.post(url, headers={"Authorization": f"Bearer {token}"}, json={})


def test_concurrent_claims_open_one_item_and_one_claimer_wins(live, page_id):  # noqa: F811
    responses = all_at_once([_claim(live, page_id, token) for token in live["tokens"]])
    assert sorted(r.status_code for r in responses) == [200] + [409] * (RATERS - 1), [r.text for r in responses]
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {problem["title"] for problem in refused} == {"Review already claimed"}
    with live["database"].transaction() as session:
        items = session.scalars(select(ReviewItem).where(ReviewItem.page_id == page_id)).all()
        assert [(item.queue, item.resolved_at) for item in items] == [("unassessed", None)]
        winner = next(r for r in responses if r.status_code == 200).json()
        assert items[0].assignee_id == winner["assignee"]["id"]
