"""A rating comment marked as an issue reaches the page's authors' feeds, and nobody else's, within the rights rule."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Role, Visibility
from tests.factories import make_person, make_space
from tests.following.helpers import create_page, edit, feed, follow

ISSUE = "page.issue_raised"
PROBLEM = "The bursary figure is last year's: it is £28,000 now."


@pytest.fixture
def team(session: Session):
    """Alice wrote the page, Ben edited it, Carol rates it, Dev is a reader who neither wrote nor follows it."""
    alice, ben, carol, dev = (make_person(session) for _ in range(4))
    manager = make_person(session, Role.manager)
    space = make_space(session, alice.user, Visibility.members, {
        ben.user: MemberRole.editor, carol.user: MemberRole.reader, dev.user: MemberRole.reader,
        manager.user: MemberRole.reader})
    return alice, ben, carol, dev, manager, space


def raise_issue(client, rater, page_id: int, *, anonymous: bool = False, comment: str = PROBLEM) -> dict:
    response = client.put(f"/api/pages/{page_id}/ratings/mine", headers=rater.headers,
                          json={"overall": 2, "comment": comment, "issue": True, "anonymous": anonymous})
    assert response.status_code == 200, response.text
    return response.json()


def issues(client, person) -> list[dict]:
    return feed(client, person, type=ISSUE)


def test_an_issue_reaches_every_author_but_not_other_readers(client, team):
    alice, ben, carol, dev, _, space = team
    page = create_page(client, alice, space.id, "Teacher training")
    edit(client, ben, page["id"], "Bursaries.\n")
    rating = raise_issue(client, carol, page["id"])
    assert rating["issue"] is True and rating["comment"] == PROBLEM

    for author in (alice, ben):                       # the control: authors see it
        (event,) = issues(client, author)
        assert event["summary"] == PROBLEM and event["page"]["id"] == page["id"]
        assert event["actor"]["id"] == carol.id and event["details"]["rating_id"] == rating["id"]
    assert issues(client, dev) == []                  # a reader who neither wrote nor follows the page
    assert issues(client, carol) == []                # nor the rater: their own doing


def test_an_author_who_unfollowed_the_page_still_gets_its_issues(client, team):
    alice, ben, carol, _, _, space = team
    page = create_page(client, alice, space.id, "Teacher training")
    assert client.delete(f"/api/follows/page-{page['id']}", headers=alice.headers).status_code == 204
    assert client.put("/api/follows/settings", headers=ben.headers, json={"auto_follow": False}).status_code == 200
    edit(client, ben, page["id"], "Bursaries.\n")
    raise_issue(client, carol, page["id"])
    client.put(f"/api/pages/{page['id']}/ratings/mine", headers=carol.headers, json={"overall": 3})

    assert [e["type"] for e in feed(client, alice)] == [ISSUE]   # not the rating itself: she unfollowed
    assert [e["type"] for e in feed(client, ben)] == [ISSUE]


def test_a_follower_who_is_not_an_author_sees_it_as_any_page_event(client, team):
    alice, _, carol, dev, _, space = team
    page = create_page(client, alice, space.id, "Teacher training")
    follow(client, dev, "page", page["id"])
    raise_issue(client, carol, page["id"])
    assert [e["summary"] for e in issues(client, dev)] == [PROBLEM]


def test_an_author_who_can_no_longer_read_the_page_does_not_get_it(client, team):
    alice, ben, carol, _, _, space = team
    page = create_page(client, alice, space.id, "Teacher training")
    edit(client, ben, page["id"], "Bursaries.\n")
    assert client.delete(f"/api/spaces/{space.id}/members/{ben.id}", headers=alice.headers).status_code == 204
    raise_issue(client, carol, page["id"])
    assert issues(client, ben) == []
    assert len(issues(client, alice)) == 1            # the control: the author who may read it


def test_an_anonymous_raters_issue_names_nobody(client, team):
    alice, _, carol, _, manager, space = team
    page = create_page(client, alice, space.id, "Teacher training")
    follow(client, manager, "page", page["id"])
    raise_issue(client, carol, page["id"], anonymous=True)

    for reader in (alice, manager):
        (event,) = issues(client, reader)
        assert event["actor"] is None and event["summary"] == PROBLEM
        assert carol.user.username not in str(event) and carol.user.display_name not in str(event)
    changes = client.get("/api/recent-changes", headers=alice.headers).json()
    logged = [c for c in (changes["items"] if isinstance(changes, dict) else changes) if c["kind"] == ISSUE]
    assert len(logged) == 1 and logged[0]["actor"] is None


def test_a_rating_without_the_issue_mark_reaches_no_authors_feed_as_an_issue(client, team):
    alice, _, carol, _, _, space = team
    page = create_page(client, alice, space.id, "Teacher training")
    client.put(f"/api/pages/{page['id']}/ratings/mine", headers=carol.headers,
               json={"overall": 2, "comment": "Fine, if a little dated."})
    assert issues(client, alice) == []
    assert [e["type"] for e in feed(client, alice)] == ["page.rated"]   # the control: the rating itself shows


def test_saving_the_same_issue_again_raises_it_once_and_a_new_comment_raises_a_new_one(client, team):
    alice, _, carol, _, _, space = team
    page = create_page(client, alice, space.id, "Teacher training")
    raise_issue(client, carol, page["id"])
    raise_issue(client, carol, page["id"])           # the form keeps the box ticked: re-saving is no new issue
    assert [e["summary"] for e in issues(client, alice)] == [PROBLEM]
    raise_issue(client, carol, page["id"], comment="The salaried route is missing.")
    assert [e["summary"] for e in issues(client, alice)] == ["The salaried route is missing.", PROBLEM]
