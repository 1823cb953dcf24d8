"""Every list of the OpenAPI honours `limit` (one answer without it was 1.8 MB) and says how to get the next page:
a walk over every GET that answers a list, with `limit=1`, on SQLite and PostgreSQL. The lists paged only since
issue 19 must give a next page here (the data below has two of each), and following it gives the rest.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Role, Visibility
from tests.factories import make_person, make_space, post_page
from tests.security.test_bad_input import _list_operations

NEWLY_PAGED = {"/api/spaces", "/api/spaces/{space_id}/members", "/api/spaces/{space_id}/wanted-pages",
               "/api/pages/{page_id}/backlinks", "/api/tokens", "/api/pages/{page_id}/ratings", "/api/users/me/ratings",
               "/api/webhooks", "/api/teams/{team_id}/members", "/api/teams", "/api/reports/profiles"}
REQUIRED = {"q": "care", "kind": "stale"}  # required query parameters of some lists


def _items(body: object) -> list:
    return body if isinstance(body, list) else body["items"]  # type: ignore[index]


def test_every_list_honours_limit_and_links_its_next_page(client: TestClient, session: Session, scheme) -> None:
    admin, ben = make_person(session, Role.admin), make_person(session)
    space = make_space(session, admin.user, Visibility.organisation, {ben.user: MemberRole.editor})
    target = post_page(client, admin, space.id, "Target", "[[Sector::Retail]] notes.\n")
    post_page(client, admin, space.id, "Care work", "See [[Target]], [[Missing one]] and [[Missing two]].\n")
    post_page(client, ben, space.id, "Other", "See [[Target]] and [[Missing three]].\n")
    for person, score in ((admin, 4), (ben, 2)):
        rated = client.put(f"/api/pages/{target['id']}/ratings/mine", headers=person.headers,
                           json={"scores": {"currency": score}})
        assert rated.status_code == 200, rated.text
    assert client.put(f"/api/pages/{target['id'] + 1}/ratings/mine", headers=admin.headers,
                      json={"scores": {"relevance": 5}}).status_code == 200
    assert client.post("/api/tokens", headers=admin.headers, json={"name": "second"}).status_code == 201
    hooks = [client.post("/api/webhooks", headers=admin.headers, json={
        "url": f"https://hooks.example.org/{n}", "event_types": ["page.edited"]}).json() for n in range(2)]
    team = client.post("/api/teams", headers=admin.headers, json={"name": "North East"}).json()
    client.post("/api/teams", headers=admin.headers, json={"name": "Yorkshire"})
    for person in (admin, ben):
        assert client.put(f"/api/teams/{team['id']}/members/{person.id}", headers=admin.headers).status_code == 200
    topic = client.get("/api/topics", headers=admin.headers, params={"limit": 1}).json()["items"][0]
    profile, _ = (client.post("/api/reports/profiles", headers=admin.headers, json={
        "name": name, "topics": [{"topic_id": topic["id"], "required_people": 1, "level": 2}]}).json()
        for name in ("Season", "Winter"))
    person_id = client.get("/api/people/me", headers=admin.headers).json()["person"]["id"]
    path_values = {"page_id": target["id"], "space_id": space.id, "team_id": team["id"], "person_id": person_id,
                   "topic_id": topic["id"], "webhook_id": hooks[0]["id"], "profile_id": profile["id"]}

    with_next, problems = set(), []
    for path, operation in _list_operations():
        url = re.sub(r"\{(\w+)\}", lambda m: str(path_values[m.group(1)]), path)
        params = {"limit": 1, **{p["name"]: REQUIRED.get(p["name"], path_values.get(p["name"]))
                                 for p in operation.get("parameters", []) if p["in"] == "query" and p.get("required")}}
        answer = client.get(url, headers=admin.headers, params=params)
        if answer.status_code != 200:
            problems.append(f"{path}: {answer.status_code} {answer.text[:200]}")
            continue
        first = _items(answer.json())
        if "limit" in {p["name"] for p in operation.get("parameters", [])} and len(first) > 1:
            problems.append(f"{path}: {len(first)} items for limit=1")
        following = answer.json().get("next") if isinstance(answer.json(), dict) else None
        if following:
            with_next.add(path)
            second = client.get(following, headers=admin.headers)
            rest = _items(second.json())
            if second.status_code != 200 or not rest or rest == first:
                problems.append(f"{path}: the next page {following} answered {second.status_code} {rest!r:.200}")
    assert not problems, problems
    assert with_next >= NEWLY_PAGED, f"no next page from {sorted(NEWLY_PAGED - with_next)}"
