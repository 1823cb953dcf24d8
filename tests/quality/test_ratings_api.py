"""Ratings, maturity and approvals through the API, on both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Role, Visibility
from tests.factories import Person, make_person, make_space, personal_space

CONTENT = ("[[Sector::Health and social care]] [[Region::North East]] [[Source::ONS ASHE 2025]] "
           "[[Valid until::2030-03-31]] [[Median pay::£24,000]]\n\n"
           + "Care workers support adults at home and in residential settings across the region. " * 6 + "\n")


@pytest.fixture
def people(session: Session) -> dict[str, Person]:
    return {"author": make_person(session), "rater": make_person(session), "other": make_person(session),
            "manager": make_person(session, Role.manager), "outsider": make_person(session)}


@pytest.fixture
def page(client: TestClient, session: Session, people: dict[str, Person]) -> dict:
    space = make_space(session, people["author"].user, Visibility.members, {
        people["rater"].user: MemberRole.reader, people["other"].user: MemberRole.reader})
    response = client.post("/api/pages", headers=people["author"].headers,
                           json={"space_id": space.id, "title": "Care work", "content": CONTENT})
    assert response.status_code == 201
    return response.json()


def rate(client, person, page, **scores):
    return client.put(f"/api/pages/{page['id']}/ratings/mine", headers=person.headers,
                      json={"scores": scores or {"reliability": 5, "currency": 5}})


def maturity(client, person, page) -> dict:
    response = client.get(f"/api/pages/{page['id']}/maturity", headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_readers_rate_and_the_score_moves_at_once(client, people, page):
    before = maturity(client, people["rater"], page)
    response = rate(client, people["rater"], page, reliability=5, currency=5, relevance=5)
    assert response.status_code == 200
    body = response.json()
    assert body["revision_id"] == page["revision"]["id"] and body["by_author"] is False
    after = maturity(client, people["rater"], page)
    assert after["score"] > before["score"]
    assert any(c["key"] == "ratings" and "1 colleague" in c["explanation"] for c in after["contributions"])


def test_outsiders_cannot_rate_or_see_maturity(client, people, page):
    assert rate(client, people["outsider"], page).status_code == 404
    assert client.get(f"/api/pages/{page['id']}/maturity", headers=people["outsider"].headers).status_code == 404
    assert client.get(f"/api/pages/{page['id']}/ratings", headers=people["outsider"].headers).status_code == 404


@pytest.mark.parametrize("scores", [{"reliability": 0}, {"currency": 6}, {}, {"reliability": "good"}, {"colour": 3}])
def test_bad_ratings_are_422(client, people, page, scores):
    response = client.put(f"/api/pages/{page['id']}/ratings/mine", headers=people["rater"].headers,
                          json={"scores": scores})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_one_current_rating_per_person_with_history(client, people, page):
    rate(client, people["rater"], page, reliability=2)
    rate(client, people["rater"], page, reliability=4)
    current = client.get(f"/api/pages/{page['id']}/ratings", headers=people["rater"].headers).json()["items"]
    assert [r["scores"]["reliability"] for r in current] == [4]
    history = client.get(f"/api/pages/{page['id']}/ratings?history=true", headers=people["rater"].headers).json()["items"]
    assert [r["scores"]["reliability"] for r in history] == [4, 2] and history[1]["superseded_at"] is not None
    mine = client.get("/api/users/me/ratings", headers=people["rater"].headers).json()["items"]
    assert len(mine) == 2


def test_authors_ratings_are_shown_but_not_counted(client, people, page):
    before = maturity(client, people["author"], page)["score"]
    body = rate(client, people["author"], page, reliability=5, currency=5).json()
    assert body["by_author"] is True
    assert maturity(client, people["author"], page)["score"] == before


def test_anonymous_raters_are_named_only_to_managers_and_themselves(client, session, people, page):
    client.put(f"/api/pages/{page['id']}/ratings/mine", headers=people["rater"].headers,
               json={"scores": {"reliability": 3}, "anonymous": True})
    seen_by = lambda who: client.get(f"/api/pages/{page['id']}/ratings", headers=people[who].headers).json()["items"][0]["rater"]  # noqa: E731
    assert seen_by("other") is None
    assert seen_by("rater")["id"] == people["rater"].id
    assert seen_by("manager")["id"] == people["rater"].id


def test_recent_changes_never_name_an_anonymous_rater(client, people, page):
    """The change log itself carries no actor for an anonymous rating, so no view of it can name the rater."""
    rate(client, people["other"], page, reliability=4)   # the control: a named rating is shown with its rater
    client.put(f"/api/pages/{page['id']}/ratings/mine", headers=people["rater"].headers,
               json={"scores": {"reliability": 3}, "anonymous": True})
    client.delete(f"/api/pages/{page['id']}/ratings/mine", headers=people["rater"].headers)
    changes = client.get("/api/recent-changes?include_minor=true", headers=people["author"].headers).json()["items"]
    rating_events = [c for c in changes if c["kind"] in ("page.rated", "page.rating_withdrawn")]
    assert sorted(c["kind"] for c in rating_events) == ["page.rated", "page.rated", "page.rating_withdrawn"]
    named = [c["actor"]["id"] for c in rating_events if c["actor"] is not None]
    assert named == [people["other"].id]


def test_withdrawing_a_rating(client, people, page):
    rate(client, people["rater"], page)
    assert client.delete(f"/api/pages/{page['id']}/ratings/mine", headers=people["rater"].headers).status_code == 204
    assert client.get(f"/api/pages/{page['id']}/ratings", headers=people["rater"].headers).json()["items"] == []
    assert client.delete(f"/api/pages/{page['id']}/ratings/mine", headers=people["rater"].headers).status_code == 404


def test_approval_is_a_managers_decision_and_shows_later_edits(client, people, page):
    url = f"/api/pages/{page['id']}/approval"
    assert client.put(url, headers=people["rater"].headers, json={}).status_code == 403
    approved = client.put(url, headers=people["manager"].headers, json={"note": "Checked against ASHE"})
    assert approved.status_code == 200 and approved.json()["differs"] is False
    assert maturity(client, people["rater"], page)["phase"] == "standardising"

    client.patch(f"/api/pages/{page['id']}", headers=people["author"].headers,
                 json={"content": CONTENT + "More.\n", "base_revision": page["revision"]["id"]})
    assert client.get(url, headers=people["rater"].headers).json()["differs"] is True
    assert maturity(client, people["rater"], page)["approved_differs"] is True

    assert client.delete(url, headers=people["manager"].headers).status_code == 204
    assert client.get(url, headers=people["rater"].headers).status_code == 404
    assert maturity(client, people["rater"], page)["phase"] != "standardising"


def test_personal_pages_cannot_be_approved(client, session, people):
    mine = personal_space(session, people["manager"].user)
    page = client.post("/api/pages", headers=people["manager"].headers,
                       json={"space_id": mine.id, "title": "Draft", "content": "x\n"}).json()
    response = client.put(f"/api/pages/{page['id']}/approval", headers=people["manager"].headers, json={})
    assert response.status_code == 422 and "personal space" in response.json()["detail"]


def test_my_ratings_hide_pages_i_can_no_longer_read(client, session, people, page):
    rate(client, people["rater"], page)
    space_id = page["space_id"]
    client.delete(f"/api/spaces/{space_id}/members/{people['rater'].id}", headers=people["author"].headers)
    assert client.get("/api/users/me/ratings", headers=people["rater"].headers).json()["items"] == []


def test_a_day_old_score_is_reassessed_on_read(client, session, people, page):
    """Currency decays with time alone: a stored score older than a day is not served as is."""
    from datetime import timedelta

    from app.db import utcnow
    from app.quality.models import PageMaturity

    stored = session.get(PageMaturity, page["id"])
    stored.score, stored.computed_at = 99.0, utcnow() - timedelta(days=2)
    session.commit()
    body = maturity(client, people["rater"], page)
    assert body["score"] != 99.0 and body["computed_at"] > stored.computed_at.isoformat().replace("+00:00", "Z")


def test_recompute_command_gives_what_incremental_updates_gave(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from sqlalchemy import select

    from app.cli import main
    from app.config import Settings
    from app.db import Database, make_engine
    from app.quality.models import PageMaturity

    monkeypatch.setenv("MATURE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MATURE_SECRET_KEY", "x" * 40)
    monkeypatch.delenv("MATURE_DATABASE_URL", raising=False)
    assert CliRunner().invoke(main, ["demo"]).exit_code == 0
    database = Database(make_engine(Settings()))
    read = lambda: {m.page_id: (m.score, m.phase) for m in database.session(write=False).scalars(select(PageMaturity))}  # noqa: E731
    incremental = read()
    result = CliRunner().invoke(main, ["recompute"])
    assert result.exit_code == 0 and "19 pages" in result.output  # 16 demo pages and 3 bookmarks
    assert read() == incremental and len(incremental) == 19
    database.dispose()


def test_score_over_time(client, people, page):
    first = client.get(f"/api/pages/{page['id']}/maturity/history", headers=people["rater"].headers).json()
    assert len(first) == 1
    rate(client, people["rater"], page, reliability=5, currency=5)
    rate(client, people["other"], page, reliability=5, currency=5)
    history = client.get(f"/api/pages/{page['id']}/maturity/history", headers=people["rater"].headers).json()
    assert len(history) == 3 and history[-1]["score"] > history[0]["score"]
    assert history[-1]["score"] == maturity(client, people["rater"], page)["score"]
    assert client.get(f"/api/pages/{page['id']}/maturity/history",
                      headers=people["outsider"].headers).status_code == 404


# ------------------------------------------------------------------ overall judgements, the author notice, issues


def put(client, person, page, body):
    return client.put(f"/api/pages/{page['id']}/ratings/mine", headers=person.headers, json=body)


def test_a_quick_overall_judgement_is_enough_and_is_the_ratings_value(client, people, page):
    response = put(client, people["rater"], page, {"overall": 5})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["overall"] == 5 and body["scores"]["equality"] is None and body["counted"] is True
    low = put(client, people["other"], page, {"overall": 1, "scores": {"currency": 5, "equality": 5}}).json()
    assert (low["overall"], low["scores"]["equality"]) == (1, 5)
    explained = next(c for c in maturity(client, people["rater"], page)["contributions"] if c["key"] == "ratings")
    # the overall judgements are the values (5 and 1, mean 3, drawn towards the prior 2.5 as (12.5+6)/7): the
    # criteria scored are shown beside them
    assert explained["explanation"].startswith(
        "Rated by 2 colleagues (overall 3.0, currency 5.0, equality of opportunity 5.0 on average); counted as 2.6")


@pytest.mark.parametrize(("body", "words"), [
    ({}, "give an overall judgement (1-5) or score at least one criterion"),
    ({"scores": {}, "comment": "Good."}, "give an overall judgement (1-5) or score at least one criterion"),
    ({"overall": 0}, "overall"), ({"overall": 6}, "overall"), ({"overall": 4.5}, "overall"),
    ({"overall": True}, "overall"), ({"scores": {"equality": 9}}, "equality"),
    ({"overall": 2, "issue": True}, "an issue needs a comment"),
    ({"overall": 2, "issue": True, "comment": "   "}, "an issue needs a comment"),
])
def test_ratings_that_say_nothing_or_issues_without_a_comment_are_422(client, people, page, body, words):
    response = put(client, people["rater"], page, body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert words in response.json()["detail"]
    assert client.get(f"/api/pages/{page['id']}/ratings", headers=people["rater"].headers).json()["items"] == []


def test_the_author_is_told_before_and_after_rating_that_their_rating_is_not_counted(client, people, page):
    mine = f"/api/pages/{page['id']}/ratings/mine"
    before = client.get(mine, headers=people["author"].headers).json()
    assert before == {"by_author": True, "counted": False, "rating": None}
    put(client, people["author"], page, {"overall": 5})
    after = client.get(mine, headers=people["author"].headers).json()
    assert after["by_author"] is True and after["counted"] is False
    assert after["rating"]["overall"] == 5 and after["rating"]["counted"] is False
    listed = client.get(f"/api/pages/{page['id']}/ratings", headers=people["rater"].headers).json()["items"]
    assert [(r["by_author"], r["counted"]) for r in listed] == [(True, False)]
    # the control: a colleague who wrote nothing is told their rating counts, and it does
    assert client.get(mine, headers=people["rater"].headers).json() == {"by_author": False, "counted": True,
                                                                         "rating": None}
    put(client, people["rater"], page, {"overall": 4})
    assert client.get(mine, headers=people["rater"].headers).json()["rating"]["counted"] is True
    assert client.get(mine, headers=people["outsider"].headers).status_code == 404


def test_a_replaced_rating_no_longer_counts(client, people, page):
    put(client, people["rater"], page, {"overall": 2})
    put(client, people["rater"], page, {"overall": 4})
    history = client.get(f"/api/pages/{page['id']}/ratings?history=true", headers=people["rater"].headers).json()
    assert [(r["overall"], r["counted"]) for r in history["items"]] == [(4, True), (2, False)]


def test_the_review_queues_value_a_rating_as_the_model_does(client, people, page):
    """An overall 1 with criteria at 5 is a low rating in the queues too (one rule: overall, else the mean)."""
    for who in ("rater", "other"):
        put(client, people[who], page, {"overall": 1, "scores": {"currency": 5, "reliability": 5}})
    queue = client.get("/api/quality/review-queue", params={"kind": "low_rated"},
                       headers=people["manager"].headers).json()["items"]
    assert [item["page_id"] for item in queue] == [page["id"]]
    assert queue[0]["reason"].startswith("Rated 1.0 out of 5")
    for who in ("rater", "other"):                        # the control: without the overall, their mean is 5
        put(client, people[who], page, {"scores": {"currency": 5, "reliability": 5}})
    assert client.get("/api/quality/review-queue", params={"kind": "low_rated"},
                      headers=people["manager"].headers).json()["items"] == []


def test_an_issue_is_logged_with_the_comment_and_marked_on_the_rating(client, session, people, page):
    from sqlalchemy import select

    from app.changelog import Change

    body = put(client, people["rater"], page, {"overall": 2, "comment": " Pay figure is out of date. ",
                                               "issue": True}).json()
    assert body["issue"] is True and body["comment"] == "Pay figure is out of date."
    session.expire_all()
    logged = session.scalars(select(Change).where(Change.page_id == page["id"], Change.kind == "page.issue_raised")).all()
    assert [(c.summary, c.actor_id, c.details["rating_id"]) for c in logged] == [
        ("Pay figure is out of date.", people["rater"].id, body["id"])]
