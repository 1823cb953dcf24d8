"""A rater whom colleagues tagged as expert in the page's topics weighs more, within the documented bound."""

from __future__ import annotations

from app.auth.models import Visibility
from app.people.service import person_of_user
from app.quality.maturity import RATER_INFLUENCE_BOUND
from tests.factories import make_person, make_space

CONTENT = "[[Topic::Apprenticeships]] [[Sector::Engineering and manufacturing]]\n\nRoutes into engineering.\n"
TOP = {"currency": 5, "reliability": 5, "relevance": 5, "impartiality": 5, "accessibility": 5, "comprehensiveness": 5}



def maturity(client, person, page_id: int) -> dict:
    response = client.get(f"/api/pages/{page_id}/maturity", headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_expert_raters_rating_counts_more_but_within_the_bound(client, session, scheme):
    author, expert, novice = make_person(session), make_person(session), make_person(session)
    colleagues = [make_person(session) for _ in range(2)]
    space = make_space(session, author.user, Visibility.organisation)
    pages = []
    for title in ("Engineering routes A", "Engineering routes B"):
        response = client.post("/api/pages", headers=author.headers,
                               json={"space_id": space.id, "title": title, "content": CONTENT})
        assert response.status_code == 201, response.text
        pages.append(response.json()["id"])
    expert_person = person_of_user(session, expert.id).id
    for colleague in colleagues:  # two colleagues recognise the expert in apprenticeships
        response = client.post(f"/api/people/{expert_person}/tags", headers=colleague.headers,
                               json={"topic": "Apprenticeships", "level": 5})
        assert response.status_code == 201, response.text

    for rater, page_id in ((expert, pages[0]), (novice, pages[1])):
        response = client.put(f"/api/pages/{page_id}/ratings/mine", headers=rater.headers, json={"scores": TOP})
        assert response.status_code == 200, response.text

    by_expert, by_novice = maturity(client, author, pages[0]), maturity(client, author, pages[1])
    assert by_expert["score"] > by_novice["score"]
    assert by_expert["score"] - by_novice["score"] <= RATER_INFLUENCE_BOUND
    ratings = next(c for c in by_expert["contributions"] if c["key"] == "ratings")
    assert "recognised expertise" in ratings["explanation"]
    assert "recognised expertise" not in next(
        c for c in by_novice["contributions"] if c["key"] == "ratings")["explanation"]


def test_self_tags_do_not_make_an_expert(client, session, scheme):
    author, rater, other = make_person(session), make_person(session), make_person(session)
    space = make_space(session, author.user, Visibility.organisation)
    ids = []
    for title in ("Self-tag page A", "Self-tag page B"):
        ids.append(client.post("/api/pages", headers=author.headers,
                               json={"space_id": space.id, "title": title, "content": CONTENT}).json()["id"])
    me = person_of_user(session, rater.id).id
    assert client.post(f"/api/people/{me}/tags", headers=rater.headers,
                       json={"topic": "Apprenticeships", "level": 5}).status_code == 201
    client.put(f"/api/pages/{ids[0]}/ratings/mine", headers=rater.headers, json={"scores": TOP})
    client.put(f"/api/pages/{ids[1]}/ratings/mine", headers=other.headers, json={"scores": TOP})
    assert maturity(client, author, ids[0])["score"] == maturity(client, author, ids[1])["score"]
