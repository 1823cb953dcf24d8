"""Sign-in, tokens (session and personal), roles on account endpoints, spaces and memberships."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.auth.models import AccessToken, MemberRole, Role, Visibility
from app.db import utcnow
from tests.factories import make_person, make_space, make_user, personal_space


def login(client: TestClient, username: str, password: str = "correct horse battery"):
    return client.post("/api/auth/token", json={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_health_and_docs_need_no_token(client):
    assert client.get("/health").json()["status"] == "ok"
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwdw=="},
                                     {"Authorization": "Bearer mat_not-a-real-token"}])
def test_api_refuses_missing_or_unknown_tokens_with_401_problem(client, headers):
    response = client.get("/api/users/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "token" in response.json()["detail"].lower()


def test_password_login_issues_an_expiring_token_that_works(client, session):
    make_user(session, username="alice")
    response = login(client, "Alice")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["access_token"].startswith("mat_")
    assert body["expires_at"] is not None
    me = client.get("/api/users/me", headers=bearer(body["access_token"])).json()
    assert me["username"] == "alice" and me["personal_space_id"] is not None


def test_tokens_are_stored_only_as_keyed_hashes(client, session):
    make_user(session, username="alice")
    token = login(client, "alice").json()["access_token"]
    stored = session.scalars(select(AccessToken.token_hash)).all()
    assert token not in stored and all(len(h) == 64 for h in stored)


@pytest.mark.parametrize("username, password", [("alice", "wrong password!"), ("nobody", "correct horse battery")])
def test_wrong_credentials_give_the_same_401(client, session, username, password):
    make_user(session, username="alice")
    response = login(client, username, password)
    assert response.status_code == 401
    assert response.json()["detail"] == "The username or password is wrong, or the account is deactivated."


def test_logout_revokes_the_token(client, session):
    make_user(session, username="alice")
    token = login(client, "alice").json()["access_token"]
    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 204
    response = client.get("/api/users/me", headers=bearer(token))
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_expired_token_is_refused(client, session):
    make_user(session, username="alice")
    issued = login(client, "alice").json()
    record = session.get(AccessToken, issued["id"])
    record.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    response = client.get("/api/users/me", headers=bearer(issued["access_token"]))
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_personal_access_tokens_can_be_listed_and_revoked(client, session):
    alice = make_person(session)
    created = client.post("/api/tokens", headers=alice.headers, json={"name": "intranet widget", "expires_in_days": 30})
    assert created.status_code == 201
    token = created.json()["access_token"]
    listed = client.get("/api/tokens", headers=alice.headers).json()["items"]
    assert "intranet widget" in [t["name"] for t in listed]
    assert all(token not in str(t) for t in listed) and token.endswith(listed[0]["hint"])
    assert client.delete(f"/api/tokens/{created.json()['id']}", headers=alice.headers).status_code == 204
    assert client.get("/api/users/me", headers=bearer(token)).status_code == 401


def test_nobody_can_revoke_someone_elses_token_except_an_admin(client, session):
    alice, bob, admin = make_person(session), make_person(session), make_person(session, Role.admin)
    token_id = client.post("/api/tokens", headers=alice.headers, json={"name": "x"}).json()["id"]
    assert client.delete(f"/api/tokens/{token_id}", headers=bob.headers).status_code == 404
    assert client.delete(f"/api/tokens/{token_id}", headers=admin.headers).status_code == 204


@pytest.mark.parametrize("role, status", [(Role.adviser, 403), (Role.manager, 403), (Role.admin, 201)])
def test_only_admins_create_accounts(client, session, role, status):
    caller = make_person(session, role)
    response = client.post("/api/users", headers=caller.headers, json={
        "username": "newbie", "display_name": "New Adviser", "role": "adviser", "password": "long enough pw"})
    assert response.status_code == status
    if status == 201:
        assert login(client, "newbie", "long enough pw").status_code == 200


def test_account_input_is_validated(client, session):
    admin = make_person(session, Role.admin)
    response = client.post("/api/users", headers=admin.headers, json={
        "username": "Bad Name", "display_name": "", "role": "wizard", "password": "short"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"username", "display_name", "role", "password"}
    make_user(session, username="taken")
    dup = client.post("/api/users", headers=admin.headers, json={
        "username": "taken", "display_name": "X", "password": "long enough pw"})
    assert dup.status_code == 409


def test_disabling_an_account_revokes_its_tokens(client, session):
    admin, alice = make_person(session, Role.admin), make_person(session)
    assert client.patch(f"/api/users/{alice.id}", headers=admin.headers, json={"is_active": False}).status_code == 200
    assert client.get("/api/users/me", headers=alice.headers).status_code == 401


def test_people_change_their_own_name_but_not_their_role_nor_a_password_here(client, session):
    alice = make_person(session, username="alice")
    assert client.patch(f"/api/users/{alice.id}", headers=alice.headers, json={"role": "admin"}).status_code == 403
    elsewhere = client.patch(f"/api/users/{alice.id}", headers=alice.headers,
                             json={"password": "new password 1", "current_password": "correct horse battery"})
    assert elsewhere.status_code == 422 and "POST /api/users/me/password" in elsewhere.json()["detail"]
    assert login(client, "alice").status_code == 200  # nothing changed
    renamed = client.patch(f"/api/users/{alice.id}", headers=alice.headers, json={"display_name": "Alice O."})
    assert renamed.status_code == 200 and renamed.json()["display_name"] == "Alice O."
    other = make_person(session)
    assert client.patch(f"/api/users/{other.id}", headers=alice.headers, json={"display_name": "X"}).status_code == 403


# ------------------------------------------------------------------ spaces and memberships


@pytest.mark.parametrize("role, status", [(Role.adviser, 403), (Role.manager, 201), (Role.admin, 201)])
def test_managers_and_admins_create_organisational_spaces(client, session, role, status):
    caller = make_person(session, role)
    response = client.post("/api/spaces", headers=caller.headers,
                           json={"key": "north-east", "name": "North East team"})
    assert response.status_code == status
    if status == 201:
        assert response.json()["my_right"] == "own" and response.json()["kind"] == "organisation"
        again = client.post("/api/spaces", headers=caller.headers, json={"key": "north-east", "name": "Again"})
        assert again.status_code == 409


def test_space_owner_manages_members_and_a_space_keeps_an_owner(client, session):
    owner, bob = make_person(session, Role.manager), make_person(session)
    space = make_space(session, owner.user)
    url = f"/api/spaces/{space.id}/members"
    assert client.put(f"{url}/{bob.id}", headers=owner.headers, json={"role": "editor"}).status_code == 200
    assert client.put(f"{url}/{owner.id}", headers=bob.headers, json={"role": "reader"}).status_code == 403
    members = {m["username"]: m["role"] for m in client.get(url, headers=bob.headers).json()["items"]}
    assert members == {owner.user.username: "owner", bob.user.username: "editor"}
    last = client.delete(f"{url}/{owner.id}", headers=owner.headers)
    assert last.status_code == 422 and "no owner left" in last.json()["detail"]
    assert client.put(f"{url}/{bob.id}", headers=owner.headers, json={"role": "owner"}).status_code == 200
    assert client.delete(f"{url}/{owner.id}", headers=bob.headers).status_code == 204


def test_personal_space_is_private_until_shared(client, session):
    alice, bob, admin = make_person(session), make_person(session), make_person(session, Role.admin)
    mine = personal_space(session, alice.user)
    assert client.get(f"/api/spaces/{mine.id}", headers=bob.headers).status_code == 404
    assert client.get(f"/api/spaces/{mine.id}", headers=admin.headers).status_code == 404
    refused = client.patch(f"/api/spaces/{mine.id}", headers=alice.headers, json={"visibility": "organisation"})
    assert refused.status_code == 422 and "adding members" in refused.json()["detail"]
    client.put(f"/api/spaces/{mine.id}/members/{bob.id}", headers=alice.headers, json={"role": "reader"})
    assert client.get(f"/api/spaces/{mine.id}", headers=bob.headers).json()["my_right"] == "read"
    demote = client.put(f"/api/spaces/{mine.id}/members/{alice.id}", headers=alice.headers, json={"role": "reader"})
    assert demote.status_code == 422


def test_organisation_visibility_opens_a_space_for_reading_only(client, session):
    owner, colleague = make_person(session, Role.manager), make_person(session)
    space = make_space(session, owner.user)
    assert client.get(f"/api/spaces/{space.id}", headers=colleague.headers).status_code == 404
    client.patch(f"/api/spaces/{space.id}", headers=owner.headers, json={"visibility": "organisation"})
    assert client.get(f"/api/spaces/{space.id}", headers=colleague.headers).json()["my_right"] == "read"
    create = client.post("/api/pages", headers=colleague.headers, json={"space_id": space.id, "title": "Mine"})
    assert create.status_code == 403 and "edit rights" in create.json()["detail"]


def test_readable_space_sql_agrees_with_the_python_rule(session):
    """The SQL used by lists/search and the Python rule used by single reads must never disagree."""
    from app.auth.models import Space
    from app.auth.rights import Right, readable_space_clause, right_in_space

    people = [make_user(session, role) for role in (Role.adviser, Role.manager, Role.admin)]
    spaces = [make_space(session, people[0], visibility) for visibility in Visibility]
    spaces.append(make_space(session, people[1], Visibility.members, {people[0]: MemberRole.reader}))
    spaces += [personal_space(session, person) for person in people]
    ids = [space.id for space in spaces]
    for person in people:
        by_sql = set(session.scalars(select(Space.id).where(readable_space_clause(person), Space.id.in_(ids))))
        by_python = {space.id for space in spaces if right_in_space(session, person, space) >= Right.read}
        assert by_sql == by_python, person.role
