"""'Used with a client' marks and approvals for trial through the API, on both databases: the piloting signals."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Role, Visibility
from app.changelog import Change
from app.quality.models import ClientUse, PageMaturity
from tests.factories import Person, make_person, make_space

CONTENT = ("[[Sector::Health and social care]] [[Region::North East]] [[Source::ONS ASHE 2025]] "
           "[[Valid until::2030-03-31]] [[Median pay::£24,000]]\n\n"
           + "Care workers support adults at home and in residential settings across the region. " * 6 + "\n")


@pytest.fixture
def people(session: Session) -> dict[str, Person]:
    return {"author": make_person(session), "adviser": make_person(session), "other": make_person(session),
            "manager": make_person(session, Role.manager), "outsider": make_person(session)}


@pytest.fixture
def page(client: TestClient, session: Session, people: dict[str, Person]) -> dict:
    space = make_space(session, people["author"].user, Visibility.members, {
        people["adviser"].user: MemberRole.reader, people["other"].user: MemberRole.reader,
        people["manager"].user: MemberRole.reader})
    response = client.post("/api/pages", headers=people["author"].headers,
                           json={"space_id": space.id, "title": "Care work", "content": CONTENT})
    assert response.status_code == 201
    return response.json()


def maturity(client: TestClient, person: Person, page: dict) -> dict:
    response = client.get(f"/api/pages/{page['id']}/maturity", headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()


def practice(body: dict) -> dict:
    return next(c for c in body["contributions"] if c["key"] == "practice")


def test_an_adviser_marks_a_use_once_a_day_and_the_score_follows(client, session, people, page):
    url = f"/api/pages/{page['id']}/uses"
    before = maturity(client, people["adviser"], page)
    first = client.post(url, headers=people["adviser"].headers)
    assert first.status_code == 201, first.text
    assert (first.json()["uses"], first.json()["people"]) == (1, 1) and first.json()["my_latest"]
    again = client.post(url, headers=people["adviser"].headers)
    assert again.status_code == 200 and again.json()["uses"] == 1          # one per person, page and day
    client.post(url, headers=people["other"].headers)

    after = maturity(client, people["adviser"], page)
    assert after["score"] > before["score"]
    assert practice(after)["explanation"] == "Used with clients 2 times in the last 12 months by 2 colleagues"
    session.expire_all()
    assert session.get(PageMaturity, page["id"]).score == after["score"]   # stored in the same transaction
    kinds = session.scalars(select(Change.kind).where(Change.page_id == page["id"])).all()
    assert kinds.count("page.used_with_client") == 2
    mine = client.get(url, headers=people["other"].headers).json()
    assert (mine["uses"], mine["people"]) == (2, 2)


def test_withdrawing_a_mark(client, session, people, page):
    url = f"/api/pages/{page['id']}/uses"
    client.post(url, headers=people["adviser"].headers)
    assert client.delete(url + "/mine", headers=people["adviser"].headers).status_code == 204
    assert client.get(url, headers=people["adviser"].headers).json() | {"since": None} == {
        "page_id": page["id"], "uses": 0, "people": 0, "since": None, "my_latest": None}
    assert practice(maturity(client, people["adviser"], page))["points"] == 0.0
    assert client.delete(url + "/mine", headers=people["adviser"].headers).status_code == 404
    session.expire_all()
    assert session.scalars(select(ClientUse)).all() == []
    assert "page.client_use_withdrawn" in session.scalars(select(Change.kind).where(Change.page_id == page["id"])).all()


def test_people_who_cannot_read_the_page_cannot_mark_or_count_its_uses(client, people, page):
    url = f"/api/pages/{page['id']}/uses"
    assert client.post(url, headers=people["outsider"].headers).status_code == 404
    assert client.get(url, headers=people["outsider"].headers).status_code == 404
    assert client.delete(url + "/mine", headers=people["outsider"].headers).status_code == 404
    assert client.post(url, headers=people["adviser"].headers).status_code == 201   # the control: a reader may
    assert client.get(url, headers=people["outsider"].headers).status_code == 404


def test_a_trial_approval_puts_a_shared_page_into_piloting(client, session, people, page):
    url = f"/api/pages/{page['id']}/approval"
    assert client.put(url, headers=people["adviser"].headers, json={"kind": "trial"}).status_code == 403
    assert client.put(url, headers=people["manager"].headers, json={"kind": "pilot"}).status_code == 422
    assert maturity(client, people["adviser"], page)["phase"] == "distributing"

    trial = client.put(url, headers=people["manager"].headers, json={"kind": "trial", "note": "Try it in January"})
    assert trial.status_code == 200 and trial.json()["kind"] == "trial"
    body = maturity(client, people["adviser"], page)
    assert (body["phase"], body["phase_reason"]) == ("piloting", "A manager approved it for trial with clients")
    assert next(c for c in body["contributions"] if c["key"] == "approval")["points"] == 5.0

    reference = client.put(url, headers=people["manager"].headers, json={})
    assert reference.json()["kind"] == "reference"                           # the old behaviour is the default
    assert maturity(client, people["adviser"], page)["phase"] == "standardising"
    session.expire_all()
    approvals = session.scalars(select(Change.details).where(Change.page_id == page["id"],
                                                             Change.kind == "page.approved")).all()
    assert [d["approval_kind"] for d in approvals] == ["trial", "reference"]


def test_maturity_says_whether_the_page_is_assessed_and_what_to_watch(client, people, page):
    body = maturity(client, people["adviser"], page)
    assert body["assessed"] is False and body["flags"] == ["not_assessed"]
    assert "to be formalised it needs" in body["phase_reason"]
    client.put(f"/api/pages/{page['id']}/ratings/mine", headers=people["adviser"].headers,
               json={"scores": {"reliability": 4}})
    body = maturity(client, people["adviser"], page)
    assert body["assessed"] is True and "not_assessed" not in body["flags"]
