"""Following pages, spaces, topics and people; automatic following of what you edit or rate."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Visibility
from app.topics import skos
from app.topics.models import TopicConcept
from app.people.service import person_of_user
from tests.factories import make_person, make_space, personal_space
from tests.following.helpers import create_page, edit, follow, follow_ids, rate, types


@pytest.fixture
def team(session: Session):
    alice, ben, carol = make_person(session), make_person(session), make_person(session)
    space = make_space(session, alice.user, Visibility.organisation,
                       {ben.user: MemberRole.editor, carol.user: MemberRole.editor})
    return alice, ben, carol, space


def test_editing_or_rating_a_page_follows_it(client, team):
    alice, ben, carol, space = team
    page = create_page(client, alice, space.id, "Care work")
    assert follow_ids(client, alice) == [f"page-{page['id']}"]
    assert follow_ids(client, ben) == []
    edit(client, ben, page["id"], "Ben's notes.\n")
    rate(client, carol, page["id"])
    for person in (ben, carol):
        (item,) = client.get("/api/follows", headers=person.headers).json()["items"]
        assert item == {"id": f"page-{page['id']}", "kind": "page", "target_id": page["id"], "label": "Care work",
                        "automatic": True, "since": None, "url": f"/api/pages/{page['id']}"}
    edit(client, alice, page["id"], "Alice again.\n", summary="Alice's update")
    assert types(client, ben) == ["page.edited", "page.rated"]
    assert types(client, carol) == ["page.edited"]


def test_automatic_following_can_be_turned_off_and_on(client, team):
    alice, ben, _, space = team
    page = create_page(client, alice, space.id, "Care work")
    edit(client, ben, page["id"], "Ben's notes.\n")
    assert client.get("/api/follows/settings", headers=ben.headers).json() == {"auto_follow": True}
    response = client.put("/api/follows/settings", headers=ben.headers, json={"auto_follow": False})
    assert response.status_code == 200 and response.json() == {"auto_follow": False}
    assert follow_ids(client, ben) == []
    edit(client, alice, page["id"], "Alice again.\n")
    assert types(client, ben) == []
    follow(client, ben, "page", page["id"])  # an explicit follow does not depend on the setting
    assert types(client, ben) == []  # a follow starts when it is made
    edit(client, alice, page["id"], "Alice once more.\n")
    assert types(client, ben) == ["page.edited"]
    client.put("/api/follows/settings", headers=ben.headers, json={"auto_follow": True})
    assert follow_ids(client, ben) == [f"page-{page['id']}"]


def test_an_unfollowed_page_stays_unfollowed_after_editing_it_again(client, team):
    alice, ben, _, space = team
    page = create_page(client, alice, space.id, "Care work")
    edit(client, ben, page["id"], "Ben's notes.\n")
    assert client.delete(f"/api/follows/page-{page['id']}", headers=ben.headers).status_code == 204
    edit(client, ben, page["id"], "Ben edits again.\n")
    rate(client, ben, page["id"])
    assert follow_ids(client, ben) == []
    edit(client, alice, page["id"], "Alice again.\n")
    assert types(client, ben) == []
    assert follow(client, ben, "page", page["id"])["automatic"] is False  # following again undoes it
    edit(client, alice, page["id"], "Alice once more.\n")
    assert types(client, ben) == ["page.edited"]


def test_follow_every_kind_and_unfollow(client, session, team):
    alice, ben, _, space = team
    skos.seed(session)
    session.commit()
    topic = session.query(TopicConcept).filter_by(label="Apprenticeships").one()
    page = create_page(client, alice, space.id, "Care work")
    alice_person = person_of_user(session, alice.id).id
    created = client.post("/api/follows", headers=ben.headers, json={"kind": "space", "id": space.id})
    assert created.status_code == 201 and created.headers["location"] == f"/api/follows/space-{space.id}"
    again = client.post("/api/follows", headers=ben.headers, json={"kind": "space", "id": space.id})
    assert again.status_code == 200
    follow(client, ben, "topic", topic.id)
    follow(client, ben, "person", alice_person)
    follow(client, ben, "page", page["id"])
    assert follow_ids(client, ben) == [f"page-{page['id']}", f"space-{space.id}", f"topic-{topic.id}",
                                       f"person-{alice_person}"]
    labels = {item["id"]: item["label"] for item in client.get("/api/follows", headers=ben.headers).json()["items"]}
    assert labels[f"topic-{topic.id}"] == "Apprenticeships" and labels[f"person-{alice_person}"] == alice.user.display_name
    assert client.get(f"/api/follows/topic-{topic.id}", headers=ben.headers).json()["since"] is not None
    assert client.delete(f"/api/follows/topic-{topic.id}", headers=ben.headers).status_code == 204
    assert client.delete(f"/api/follows/topic-{topic.id}", headers=ben.headers).status_code == 404
    assert f"topic-{topic.id}" not in follow_ids(client, ben)


def test_paging_through_follows(client, session, team):
    alice, ben, _, space = team
    pages = [create_page(client, alice, space.id, f"Page {n}") for n in range(5)]
    for page in pages:
        follow(client, ben, "page", page["id"])
    first = client.get("/api/follows", headers=ben.headers, params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next"]
    seen = [item["id"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        body = client.get("/api/follows", headers=ben.headers, params={"limit": 2, "cursor": cursor}).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
    assert seen == [f"page-{page['id']}" for page in pages]


def test_you_cannot_follow_what_you_cannot_see(client, session, team):
    alice, _, _, _ = team
    outsider = make_person(session)
    private = create_page(client, alice, personal_space(session, alice.user).id, "My draft")
    secret_space = make_space(session, alice.user, Visibility.members)
    cases = [({"kind": "page", "id": private["id"]}, 404), ({"kind": "space", "id": secret_space.id}, 404),
             ({"kind": "topic", "id": 999999}, 404), ({"kind": "person", "id": 999999}, 404),
             ({"kind": "person", "id": person_of_user(session, outsider.id).id}, 422),
             ({"kind": "shelf", "id": 1}, 422), ({"kind": "page", "id": 0}, 422), ({"kind": "page"}, 422)]
    for body, expected in cases:
        response = client.post("/api/follows", headers=outsider.headers, json=body)
        assert response.status_code == expected, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    for bad in ("page-x", "shelf-1", "page-", "nonsense", f"page-{private['id']}"):
        assert client.delete(f"/api/follows/{bad}", headers=outsider.headers).status_code == 404
    assert client.get("/api/follows", headers=outsider.headers, params={"cursor": "bad"}).status_code == 400
    assert client.get("/api/follows").status_code == 401


def test_a_followed_page_you_lose_access_to_leaves_your_list(client, session, team):
    alice, ben, _, _ = team
    space = make_space(session, alice.user, Visibility.members, {ben.user: MemberRole.editor})
    page = create_page(client, alice, space.id, "Team notes")
    follow(client, ben, "page", page["id"])
    assert follow_ids(client, ben) == [f"page-{page['id']}"]
    assert client.delete(f"/api/spaces/{space.id}/members/{ben.id}", headers=alice.headers).status_code == 204
    assert follow_ids(client, ben) == []
