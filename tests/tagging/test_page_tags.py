"""Readers tag pages with topics: rules, privacy, merges carried over, topics in search, RDF and topic pages."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Role, Visibility
from app.changelog import Change
from app.topics.models import TopicConcept
from tests.factories import Person, make_person, make_space, post_page
from tests.search.helpers import facet, index_now, search, titles

APPRENTICESHIPS = "https://w3id.org/mature-lmi/topics/apprenticeships"



@pytest.fixture
def people(session: Session, scheme) -> dict[str, Person]:
    return {"author": make_person(session), "reader": make_person(session), "other": make_person(session),
            "outsider": make_person(session), "manager": make_person(session, Role.manager)}


@pytest.fixture
def spaces(session: Session, people) -> dict:
    return {"shared": make_space(session, people["author"].user, Visibility.organisation),
            "closed": make_space(session, people["author"].user, Visibility.members,
                                 {people["reader"].user: MemberRole.reader})}


def create(client, person, space, title: str, content: str = "Notes.\n") -> dict:
    return post_page(client, person, space.id, title, content)


def tag(client, person, page: dict, **body):
    return client.post(f"/api/pages/{page['id']}/tags", headers=person.headers, json=body)


def page_topics(client, person, page: dict) -> dict[str, dict]:
    response = client.get(f"/api/pages/{page['id']}/topics", headers=person.headers)
    assert response.status_code == 200, response.text
    return {t["topic"]["label"]: t for t in response.json()["topics"]}


def topic_id(session: Session, label: str) -> int:
    return session.scalar(select(TopicConcept.id).where(TopicConcept.label == label))


def test_readers_tag_without_edit_rights_once_per_topic_and_counts_are_shown(client, session, people, spaces):
    page = create(client, people["author"], spaces["closed"], "Closed notes", "[[Topic::Careers guidance]]\n")
    first = tag(client, people["reader"], page, topic="Apprenticeships")
    assert first.status_code == 201, first.text
    assert tag(client, people["reader"], page, topic="apprenticeship").status_code == 200  # a synonym: same tag
    assert tag(client, people["author"], page, topic_id=topic_id(session, "Apprenticeships")).status_code == 201
    seen = page_topics(client, people["reader"], page)
    assert seen["Apprenticeships"]["readers"] == 2 and seen["Apprenticeships"]["mine"]
    assert seen["Apprenticeships"]["annotated"] is False
    annotated = [label for label, t in seen.items() if t["annotated"]]
    assert annotated and all(seen[label]["readers"] == 0 for label in annotated)


def test_free_text_becomes_one_candidate_and_tags_are_removable(client, session, people, spaces):
    page = create(client, people["author"], spaces["shared"], "Esports careers")
    assert tag(client, people["reader"], page, topic="Esports coaching").status_code == 201
    assert tag(client, people["other"], page, topic="esports  COACHING").status_code == 201  # same candidate
    topics = page_topics(client, people["reader"], page)
    assert topics["Esports coaching"]["readers"] == 2
    assert topics["Esports coaching"]["topic"]["status"] == "candidate"
    candidate = topics["Esports coaching"]["topic"]["id"]
    assert client.delete(f"/api/pages/{page['id']}/tags/{candidate}", headers=people["reader"].headers).status_code == 204
    assert client.delete(f"/api/pages/{page['id']}/tags/{candidate}", headers=people["reader"].headers).status_code == 404
    assert page_topics(client, people["other"], page)["Esports coaching"]["readers"] == 1


@pytest.mark.parametrize("body", [{}, {"topic": " "}, {"topic": "x", "topic_id": 1}, {"topic_id": 999999},
                                  {"topic": "https://example.org/not-a-topic"}])
def test_bad_tags_are_422(client, people, spaces, body):
    page = create(client, people["author"], spaces["shared"], "Some page")
    response = tag(client, people["reader"], page, **body)
    assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem+json")


def test_tags_on_pages_you_cannot_read_stay_invisible(client, session, people, spaces):
    page = create(client, people["author"], spaces["closed"], "Closed apprenticeship notes")
    assert tag(client, people["reader"], page, topic="Apprenticeships").status_code == 201
    assert tag(client, people["outsider"], page, topic="Apprenticeships").status_code == 404
    assert client.get(f"/api/pages/{page['id']}/topics", headers=people["outsider"].headers).status_code == 404
    topic = topic_id(session, "Apprenticeships")
    listing = client.get(f"/api/topics/{topic}/pages", headers=people["outsider"].headers).json()
    assert listing["total"] == 0 and listing["items"] == []
    assert client.get(f"/api/topics/{topic}/pages", headers=people["reader"].headers).json()["total"] == 1
    index_now(client)
    assert search(client, people["outsider"], "", where="topic:Apprenticeships")["total"] == 0
    assert facet(search(client, people["outsider"], ""), "topic") == {}


def test_a_topics_pages_by_maturity_including_narrower_topics(client, session, people, spaces):
    direct = create(client, people["author"], spaces["shared"], "Apprenticeships overview", "[[Topic::Apprenticeships]]\n")
    tagged = create(client, people["author"], spaces["shared"], "Degree apprenticeship notes")
    narrower = session.scalar(select(TopicConcept).where(TopicConcept.label == "Higher and degree apprenticeships"))
    assert narrower is not None, "the seeded scheme has a narrower topic of Apprenticeships"
    assert tag(client, people["reader"], tagged, topic_id=narrower.id).status_code == 201
    for rater in (people["other"], people["manager"]):
        client.put(f"/api/pages/{tagged['id']}/ratings/mine", headers=rater.headers,
                   json={"scores": {"currency": 5, "reliability": 5, "relevance": 5}})
    topic = topic_id(session, "Apprenticeships")
    listing = client.get(f"/api/topics/{topic}/pages", headers=people["reader"].headers).json()
    assert [item["title"] for item in listing["items"]] == ["Degree apprenticeship notes", "Apprenticeships overview"]
    only = client.get(f"/api/topics/{topic}/pages", params={"narrower": "false"}, headers=people["reader"].headers)
    assert [item["page_id"] for item in only.json()["items"]] == [direct["id"]]


def test_topics_in_search_facets_and_filters(client, session, people, spaces):
    create(client, people["author"], spaces["shared"], "Engineering routes", "[[Topic::Apprenticeships]] routes\n")
    tagged = create(client, people["author"], spaces["shared"], "Welding routes", "routes\n")
    create(client, people["author"], spaces["shared"], "Retail routes", "routes\n")
    tag(client, people["reader"], tagged, topic="Apprenticeships")
    index_now(client)
    result = search(client, people["reader"], "routes")
    assert facet(result, "topic") == {"Apprenticeships": 2}
    filtered = search(client, people["reader"], "routes", where="topic:apprenticeships")
    assert sorted(titles(filtered)) == ["Engineering routes", "Welding routes"]
    by_id = search(client, people["reader"], "routes", where=f"topic:{topic_id(session, 'Apprenticeships')}")
    assert by_id["total"] == 2
    bad = client.get("/api/search", params={"q": "routes", "where": "topic:Underwater basket weaving"},
                     headers=people["reader"].headers)
    assert bad.status_code == 422 and "names no topic" in bad.json()["detail"]


def test_tags_appear_in_the_pages_rdf_and_the_change_log(client, session, people, spaces):
    page = create(client, people["author"], spaces["shared"], "RDF page")
    tag(client, people["reader"], page, topic="Apprenticeships")
    response = client.get(f"/api/pages/{page['id']}", headers={**people["reader"].headers, "Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    assert URIRef(APPRENTICESHIPS) in set(graph.objects(None, DCTERMS.subject))
    kinds = list(session.scalars(select(Change.kind).where(Change.page_id == page["id"])))
    assert "page.tagged" in kinds


def test_merging_topics_carries_page_tags_over(client, session, people, spaces):
    page = create(client, people["author"], spaces["shared"], "Gig work notes")
    assert tag(client, people["reader"], page, topic="Gig economy work").status_code == 201   # a candidate
    assert tag(client, people["reader"], page, topic="Platform gig jobs").status_code == 201  # another
    assert tag(client, people["other"], page, topic="Platform gig jobs").status_code == 201
    source = topic_id(session, "Gig economy work")
    target = topic_id(session, "Platform gig jobs")
    merged = client.post(f"/api/topics/{source}/merge", headers=people["manager"].headers, json={"into_id": target})
    assert merged.status_code == 200, merged.text
    topics = page_topics(client, people["reader"], page)
    assert list(topics) == ["Platform gig jobs"]
    assert topics["Platform gig jobs"]["readers"] == 2  # the reader who had both counts once
    index_now(client)
    assert facet(search(client, people["reader"], "gig"), "topic") == {"Platform gig jobs": 1}
    assert search(client, people["reader"], "", where=f"topic:{source}")["total"] == 1


def test_pages_readers_tagged_count_as_evidence_in_the_authors_profile(client, session, people, spaces):
    from app.people.service import person_of_user

    shared = create(client, people["author"], spaces["shared"], "Apprenticeship funding explained")
    closed = create(client, people["author"], spaces["closed"], "Closed apprenticeship notes")
    for page in (shared, closed):
        assert tag(client, people["reader"], page, topic="Apprenticeships").status_code == 201
    author = person_of_user(session, people["author"].id).id
    assert client.post(f"/api/people/{author}/tags", headers=people["reader"].headers,
                       json={"topic": "Apprenticeships", "level": 4}).status_code == 201

    def evidence(viewer) -> list[str]:
        profile = client.get(f"/api/people/{author}", headers=viewer.headers).json()
        entry = next(t for t in profile["topics"] if t["topic"]["label"] == "Apprenticeships")
        return sorted(page["title"] for page in entry["pages"])

    assert evidence(people["reader"]) == ["Apprenticeship funding explained", "Closed apprenticeship notes"]
    assert evidence(people["outsider"]) == ["Apprenticeship funding explained"]  # never a page they cannot read


def seen(client, person, url: str, **params) -> str:
    """The answer as lower-case text, without the echo of the caller's own question."""
    response = client.get(url, headers=person.headers, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    if isinstance(body, dict):
        body.pop("query", None)
    return json.dumps(body).lower()


def test_a_candidate_from_a_private_page_is_its_proposers_until_used_where_everyone_may_read(client, session,
                                                                                               people, spaces):
    """A free-text tag on a members-only page makes a candidate only its proposer sees: not in the topic list,
    suggestions, the change log, by id or as a tag of someone else's page; used on a page everyone may read,
    it is an ordinary candidate."""
    closed = create(client, people["author"], spaces["closed"], "Closed pilot notes")
    assert tag(client, people["author"], closed, topic="Quokka pilot").status_code == 201
    candidate = topic_id(session, "Quokka pilot")
    urls = [("/api/topics", {"limit": 200}), ("/api/topics", {"q": "quokka"}), ("/api/topics/changes", {"limit": 200}),
            ("/api/topics/suggest", {"q": "quokk"}), ("/api/experts", {"q": "quokka"})]
    for url, params in urls:  # the control: the proposer sees her candidate at every door
        assert "quokka pilot" in seen(client, people["author"], url, **params), url
    for name in ("reader", "other", "manager"):  # a member of the space, a colleague, a gardener
        for url, params in urls:
            assert "quokka" not in seen(client, people[name], url, **params), (name, url)
        assert client.get(f"/api/topics/{candidate}", headers=people[name].headers).status_code == 404
        assert client.get(f"/api/topics/{candidate}/pages", headers=people[name].headers).status_code == 404
        assert client.post("/api/follows", headers=people[name].headers,
                           json={"kind": "topic", "id": candidate}).status_code == 404
    shared = create(client, people["author"], spaces["shared"], "Shared pilot notes")
    assert tag(client, people["other"], shared, topic_id=candidate).status_code == 422  # no such topic, by id
    assert client.get(f"/api/topics/{candidate}", headers=people["author"].headers).status_code == 200
    # the members of the space still see the tag on the page they may read
    assert "Quokka pilot" in page_topics(client, people["reader"], closed)
    # used where everyone may read (the same label typed on a shared page), it is an ordinary candidate
    assert tag(client, people["reader"], shared, topic="quokka PILOT").status_code == 201
    assert topic_id(session, "Quokka pilot") == candidate
    for name in ("other", "manager"):
        assert "quokka pilot" in seen(client, people[name], "/api/topics", q="quokka")
        assert client.get(f"/api/topics/{candidate}", headers=people[name].headers).status_code == 200


def test_a_candidate_from_a_shared_page_or_a_person_is_everyones(client, session, people, spaces):
    shared = create(client, people["author"], spaces["shared"], "Shared notes")
    assert tag(client, people["author"], shared, topic="Wombat studies").status_code == 201
    assert "wombat studies" in seen(client, people["outsider"], "/api/topics", q="wombat")
    closed = create(client, people["author"], spaces["closed"], "Closed notes")
    assert tag(client, people["author"], closed, topic="Falcon studies").status_code == 201
    assert "falcon" not in seen(client, people["outsider"], "/api/topics", q="falcon")
    me = client.get("/api/people/me", headers=people["author"].headers).json()["person"]["id"]
    tagged = client.post(f"/api/people/{me}/tags", headers=people["author"].headers,
                         json={"topic": "Falcon studies", "level": 3})
    assert tagged.status_code == 201, tagged.text
    assert "falcon studies" in seen(client, people["outsider"], "/api/topics", q="falcon")
