"""The quality overview and review queues: right counts, right reasons, and no private page anywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Role, Visibility
from app.db import utcnow
from app.pages.models import Page
from tests.factories import make_person, make_space, personal_space
from tests.factories import post_page as create


@pytest.fixture
def org(client: TestClient, session: Session) -> dict:
    author, manager = make_person(session), make_person(session, Role.manager)
    raters = [make_person(session) for _ in range(3)]
    team = make_space(session, author.user, Visibility.organisation, {r.user: MemberRole.reader for r in raters})
    pages = {
        "expired": create(client, author, team.id, "Expired figures", "[[Valid until::2020-01-31]]\n"),
        "fine": create(client, author, team.id, "Fresh figures", "[[Valid until::2099-01-31]]\n"),
        "private": create(client, author, personal_space(session, author.user).id, "Private draft",
                          "[[Valid until::2019-01-01]]\n"),
    }
    return {"author": author, "manager": manager, "raters": raters, "team": team, "pages": pages}


def test_overview_counts_only_readable_pages(client, session, org):
    outsider = make_person(session)
    mine = client.get("/api/quality/overview", headers=org["author"].headers).json()
    theirs = client.get("/api/quality/overview", headers=outsider.headers).json()
    managers = client.get("/api/quality/overview", headers=org["manager"].headers).json()
    assert mine["pages"] == 3 and theirs["pages"] == 2 and managers["pages"] == 2
    assert sum(bucket["pages"] for bucket in theirs["score_histogram"]) == 2
    assert {s["key"] for s in theirs["spaces"]} == {org["team"].key}
    assert sum(theirs["by_phase"].values()) == 2


def test_stale_queue_gives_the_reason_and_hides_private_pages(client, session, org):
    queue = client.get("/api/quality/review-queue?kind=stale", headers=org["manager"].headers).json()["items"]
    assert [item["title"] for item in queue] == ["Expired figures"]
    assert queue[0]["reason"] == "Valid until 31 January 2020 has passed"
    own = client.get("/api/quality/review-queue?kind=stale", headers=org["author"].headers).json()["items"]
    assert {item["title"] for item in own} == {"Expired figures", "Private draft"}


def test_pages_not_reviewed_for_a_year_are_stale(client, session, org):
    page = session.get(Page, org["pages"]["fine"]["id"])
    page.updated_at = utcnow() - timedelta(days=400)
    session.commit()
    titles = [i["title"] for i in client.get("/api/quality/review-queue?kind=stale",
                                              headers=org["manager"].headers).json()["items"]]
    assert "Fresh figures" in titles


def test_low_rated_and_conflicting_queues(client, org):
    page = org["pages"]["fine"]
    url = f"/api/pages/{page['id']}/ratings/mine"
    for rater, score in zip(org["raters"], (1, 2, 5)):
        client.put(url, headers=rater.headers, json={"scores": {"reliability": score}})
    conflicting = client.get("/api/quality/review-queue?kind=conflicting",
                             headers=org["manager"].headers).json()["items"]
    assert [i["title"] for i in conflicting] == ["Fresh figures"]
    assert conflicting[0]["reason"] == "3 colleagues disagree: their ratings differ by 4.0 points out of 5"
    low = client.get("/api/quality/review-queue?kind=low_rated", headers=org["manager"].headers).json()["items"]
    assert [i["title"] for i in low] == []  # mean 2.7 is above the low-rated line
    client.put(url, headers=org["raters"][2].headers, json={"scores": {"reliability": 1}})
    low = client.get("/api/quality/review-queue?kind=low_rated", headers=org["manager"].headers).json()["items"]
    assert [i["title"] for i in low] == ["Fresh figures"] and "1.3 out of 5" in low[0]["reason"]
    overview = client.get("/api/quality/overview", headers=org["manager"].headers).json()
    assert overview["queues"] == {"stale": 1, "low_rated": 1, "low_rated_much_read": 0, "conflicting": 0,
                                  "unassessed": 1}  # the expired page: nobody rated it
    assert overview["pages_in_queues"] == 2  # the expired page waits in two queues, counted once


def test_the_queues_leave_out_authors_ratings_as_the_score_does(client, org):
    page = org["pages"]["fine"]
    url = f"/api/pages/{page['id']}/ratings/mine"
    client.put(url, headers=org["author"].headers, json={"overall": 1})        # the author's own: not counted
    client.put(url, headers=org["raters"][0].headers, json={"overall": 2})
    low = client.get("/api/quality/review-queue?kind=low_rated", headers=org["manager"].headers).json()["items"]
    assert low == []  # one counted rater: not enough for the low-rated queue
    client.put(url, headers=org["raters"][1].headers, json={"overall": 1})   # the control: a second colleague
    low = client.get("/api/quality/review-queue?kind=low_rated", headers=org["manager"].headers).json()["items"]
    assert [i["title"] for i in low] == ["Fresh figures"] and low[0]["reason"].endswith("by 2 colleagues")


def test_unknown_queue_is_422(client, org):
    response = client.get("/api/quality/review-queue?kind=popular", headers=org["manager"].headers)
    assert response.status_code == 422 and "kind" in response.json()["detail"]
