"""expertise_in: the number the quality package may weight ratings by."""

from __future__ import annotations

import pytest

from app.people.expertise import expertise_in
from tests.people.conftest import person_id, tag

APPRENTICESHIPS = "https://w3id.org/mature-lmi/topics/apprenticeships"
DEGREE = "https://w3id.org/mature-lmi/topics/higher-and-degree-apprenticeships"


def test_mean_colleague_level_in_the_topics_and_narrower_ones(client, session, staff):
    alice = person_id(session, staff["alice"])
    assert expertise_in(session, staff["alice"].id, [APPRENTICESHIPS]) == 0.0
    tag(client, staff["alice"], alice, "Apprenticeships", level=5)  # self-tags never count
    assert expertise_in(session, staff["alice"].id, [APPRENTICESHIPS]) == 0.0
    tag(client, staff["ben"], alice, "Apprenticeships", level=4)
    tag(client, staff["dan"], alice, "Degree apprenticeships")  # no level: counts as 3
    assert expertise_in(session, staff["alice"].id, [APPRENTICESHIPS]) == pytest.approx(3.5)
    assert expertise_in(session, staff["alice"].id, [DEGREE]) == pytest.approx(3.0)
    assert expertise_in(session, staff["alice"].id, ["https://example.org/unknown"]) == 0.0
    assert expertise_in(session, staff["alice"].id, []) == 0.0
    assert expertise_in(session, staff["ben"].id, [APPRENTICESHIPS]) == 0.0


def test_merged_topics_iris_still_count(client, session, staff):
    alice = person_id(session, staff["alice"])
    made = tag(client, staff["ben"], alice, "Apprentice schemes", level=5).json()["topic"]
    target = client.get("/api/topics/suggest?q=Apprenticeships", headers=staff["ben"].headers).json()[0]["topic"]
    client.post(f"/api/topics/{made['id']}/merge", headers=staff["carol"].headers, json={"into_id": target["id"]})
    assert expertise_in(session, staff["alice"].id, [made["iri"]]) == pytest.approx(5.0)
    assert expertise_in(session, staff["alice"].id, [APPRENTICESHIPS]) == pytest.approx(5.0)


def test_share_for_the_maturity_model(client, session, staff):
    from app.people.expertise import expertise_share

    tag(client, staff["ben"], person_id(session, staff["alice"]), "Apprenticeships", level=4)
    assert expertise_share(session, staff["alice"].id, [APPRENTICESHIPS]) == pytest.approx(0.8)
    assert expertise_share(session, staff["ben"].id, [APPRENTICESHIPS]) == 0.0


def test_several_users_at_once_agree_with_one_at_a_time(client, session, staff):
    from app.people.expertise import expertise_of, expertise_share, expertise_shares

    tag(client, staff["ben"], person_id(session, staff["alice"]), "Apprenticeships", level=4)
    tag(client, staff["alice"], person_id(session, staff["ben"]), "Degree apprenticeships", level=2)
    tag(client, staff["dan"], person_id(session, staff["ben"]), "Apprenticeships")
    users = [staff[name].id for name in ("alice", "ben", "dan")]
    assert expertise_of(session, users, [APPRENTICESHIPS]) == {
        staff["alice"].id: 4.0, staff["ben"].id: 2.5, staff["dan"].id: 0.0}
    assert expertise_shares(session, users, [APPRENTICESHIPS]) == {
        user: expertise_share(session, user, [APPRENTICESHIPS]) for user in users}
