"""GET /api/search and /api/search/suggest: ranking, facets, filters, snippets, privacy (both databases)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Role, Visibility
from tests.factories import Person, make_person, make_space, personal_space, post_page
from tests.search.helpers import facet, index_now, search, titles


@pytest.fixture
def people(session: Session) -> dict[str, Person]:
    return {"author": make_person(session), "reader": make_person(session), "outsider": make_person(session),
            "manager": make_person(session, Role.manager)}


@pytest.fixture
def shared(session: Session, people: dict[str, Person]):
    """A space every colleague may read."""
    return make_space(session, people["author"].user, Visibility.organisation)


@pytest.fixture
def private(session: Session, people: dict[str, Person]):
    """A members-only space: the author edits, `reader` reads, `outsider` is not a member."""
    return make_space(session, people["author"].user, Visibility.members, {people["reader"].user: MemberRole.reader})


def create(client: TestClient, person: Person, space_id: int, title: str, content: str,
           categories: list[str] | None = None) -> dict:
    return post_page(client, person, space_id, title, content, categories=categories or [])


def edit(client: TestClient, person: Person, page: dict, content: str) -> dict:
    response = client.patch(f"/api/pages/{page['id']}", headers=person.headers,
                            json={"content": content, "base_revision": page["revision"]["id"]})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_title_match_beats_a_single_mention(client, people, shared):
    create(client, people["author"], shared.id, "Notes from the jobs fair",
           "Lots of stalls. One mentioned welding briefly. " + "Other employers were there. " * 20)
    create(client, people["author"], shared.id, "Welding careers", "What the work is like and how to start.")
    index_now(client)
    result = search(client, people["reader"], "welding")
    assert titles(result) == ["Welding careers", "Notes from the jobs fair"]
    assert result["total"] == 2 and result["matched"] == "all"


def test_at_equal_relevance_the_more_mature_page_comes_first(client, session, people, shared):
    raters = [make_person(session) for _ in range(3)]
    text = "How to become a plumber: apprenticeships, college courses and pay."
    first = create(client, people["author"], shared.id, "Plumbing route one", text)
    second = create(client, people["author"], shared.id, "Plumbing route two", text)
    for rater in raters:  # colleagues vouch for the second page only
        response = client.put(f"/api/pages/{second['id']}/ratings/mine", headers=rater.headers, json={"scores": {
            "currency": 5, "reliability": 5, "relevance": 5, "impartiality": 5, "accessibility": 5,
            "comprehensiveness": 5}})
        assert response.status_code == 200
    index_now(client)
    result = search(client, people["reader"], "plumber")
    assert titles(result) == ["Plumbing route two", "Plumbing route one"]
    scores = {hit["title"]: hit["maturity"]["score"] for hit in result["results"]}
    assert scores["Plumbing route two"] > scores["Plumbing route one"]
    assert first["id"] != second["id"]


def test_snippets_mark_the_matched_words_including_other_forms(client, people, shared):
    create(client, people["author"], shared.id, "Routes into engineering",
           "Intro text. " * 40 + "Employers in the region offer advanced apprenticeships every September. " + "More. " * 40)
    index_now(client)
    hit = search(client, people["reader"], "apprenticeship")["results"][0]
    marked = [part["text"] for part in hit["snippet"] if part["match"]]
    assert marked == ["apprenticeships"]
    assert "Employers in the region offer advanced" in "".join(part["text"] for part in hit["snippet"])
    assert len("".join(part["text"] for part in hit["snippet"])) < 400  # a passage, not the page


def test_markup_is_not_searched_or_quoted(client, people, shared):
    create(client, people["author"], shared.id, "Care work",
           "See [[Adult social care pay|our pay notes]] and **bold facts**. [[Category:Hidden category]]")
    index_now(client)
    text = "".join(part["text"] for part in search(client, people["reader"], "care")["results"][0]["snippet"])
    assert "our pay notes" in text and "[[" not in text and "**" not in text and "Hidden" not in text


def test_facets_count_what_matches_and_filters_narrow_it(client, people, shared, private):
    create(client, people["author"], shared.id, "Construction skills shortages",
           "[[Sector::Construction]] [[Region::North East]] Bricklayers and site managers are in demand.",
           ["Sector profile"])
    create(client, people["author"], shared.id, "Care jobs in the North East",
           "[[Sector::Health and social care]] [[Region::North East]] Demand for care workers.", ["Sector profile"])
    create(client, people["author"], private.id, "Construction pay notes",
           "[[Sector::Construction]] Pay for bricklayers and demand.", ["Pay"])
    index_now(client)

    everything = search(client, people["reader"], "demand")
    assert everything["total"] == 3
    assert facet(everything, "sector") == {"Construction": 2, "Health and social care": 1}
    assert facet(everything, "region") == {"North East": 2}
    assert facet(everything, "category") == {"Sector profile": 2, "Pay": 1}
    assert facet(everything, "space", by="value") == {str(shared.id): 2, str(private.id): 1}

    by_sector = search(client, people["reader"], "demand", where="sector:Construction")
    assert sorted(titles(by_sector)) == ["Construction pay notes", "Construction skills shortages"]
    both = search(client, people["reader"], "demand", where=["sector:Construction", "region:North East"])
    assert titles(both) == ["Construction skills shortages"]
    either = search(client, people["reader"], "demand", where=["sector:Construction", "sector:Health and social care"])
    assert either["total"] == 3
    assert titles(search(client, people["reader"], "demand", category="Pay")) == ["Construction pay notes"]
    assert search(client, people["reader"], "demand", space=private.id)["total"] == 1
    selected = [v for f in by_sector["facets"] if f["key"] == "sector" for v in f["values"] if v["selected"]]
    assert [value["value"] for value in selected] == ["Construction"]


def test_field_queries_phrases_and_booleans(client, people, shared):
    create(client, people["author"], shared.id, "Construction skills shortages",
           "[[Sector::Construction]] Site managers are hard to find.")
    create(client, people["author"], shared.id, "Site visits", "Managers on site told us about hiring.")
    index_now(client)
    assert titles(search(client, people["reader"], "sector:construction")) == ["Construction skills shortages"]
    assert titles(search(client, people["reader"], '"site managers"')) == ["Construction skills shortages"]
    assert titles(search(client, people["reader"], "site NOT hiring")) == ["Construction skills shortages"]
    assert titles(search(client, people["reader"], "title:visits")) == ["Site visits"]


def test_maturity_and_date_filters(client, session, people, shared):
    create(client, people["author"], shared.id, "Dental nurse route", "Dental nurses train on the job.")
    index_now(client)
    found = search(client, people["reader"], "dental")
    score, phase = found["results"][0]["maturity"]["score"], found["results"][0]["maturity"]["phase"]
    assert search(client, people["reader"], "dental", min_score=score)["total"] == 1
    assert search(client, people["reader"], "dental", min_score=min(score + 1, 100))["total"] == 0
    assert search(client, people["reader"], "dental", phase=phase)["total"] == 1
    other_phase = "standardising" if phase != "standardising" else "expressing_ideas"
    assert search(client, people["reader"], "dental", phase=other_phase)["total"] == 0
    today = date.today()
    assert search(client, people["reader"], "dental", modified_after=today.isoformat())["total"] == 1
    assert search(client, people["reader"], "dental", modified_before=(today - timedelta(days=1)).isoformat())["total"] == 0


def test_sorting_by_recency_and_maturity(client, session, people, shared):
    older = create(client, people["author"], shared.id, "Hairdressing first notes", "Hairdressing salons.")
    create(client, people["author"], shared.id, "Hairdressing second notes", "Hairdressing salons.")
    rater = make_person(session)
    client.put(f"/api/pages/{older['id']}/ratings/mine", headers=rater.headers,
               json={"scores": {"currency": 5, "reliability": 5, "relevance": 5}})
    index_now(client)
    assert titles(search(client, people["reader"], "hairdressing", sort="recency")) == [
        "Hairdressing second notes", "Hairdressing first notes"]
    assert titles(search(client, people["reader"], "hairdressing", sort="maturity"))[0] == "Hairdressing first notes"


def test_paging_is_stable_and_says_how_to_continue(client, people, shared):
    for number in range(7):
        create(client, people["author"], shared.id, f"Retail note {number}", "Retail jobs " + "shop " * number)
    index_now(client)
    first = search(client, people["reader"], "retail", limit=3)
    assert first["total"] == 7 and len(first["results"]) == 3 and first["next_offset"] == 3
    assert "offset=3" in first["next"]
    seen = titles(first) + titles(search(client, people["reader"], "retail", limit=3, offset=3)) \
        + titles(search(client, people["reader"], "retail", limit=3, offset=6))
    assert sorted(seen) == sorted(f"Retail note {number}" for number in range(7))
    assert search(client, people["reader"], "retail", limit=3, offset=6)["next_offset"] is None


def test_no_page_has_every_word_so_pages_with_some_are_shown(client, people, shared):
    create(client, people["author"], shared.id, "Engineering apprenticeships", "Apprenticeships in engineering.")
    index_now(client)
    result = search(client, people["reader"], "engineering apprenticeships zebra")
    assert result["matched"] == "any" and titles(result) == ["Engineering apprenticeships"]


def test_did_you_mean_offers_a_spelling_that_finds_pages(client, people, shared, private):
    create(client, people["author"], shared.id, "Apprenticeships", "Apprenticeships combine work and training.")
    create(client, people["author"], private.id, "Zookeeper notes", "Zookeepers care for animals.")
    index_now(client)
    result = search(client, people["reader"], "apprentiseships")
    assert result["total"] == 0 and result["did_you_mean"] == "apprenticeships"
    # a spelling is only offered if it finds something the caller may read
    assert search(client, people["outsider"], "zookeper")["did_you_mean"] is None
    assert search(client, people["reader"], "zookeper")["did_you_mean"] == "zookeeper"


def test_did_you_mean_does_not_tell_whether_a_word_is_in_a_page_you_may_not_read(client, people, shared, private):
    """A word only in unreadable pages is treated as unknown: the outsider gets the spelling they would get
    if that page did not exist, so the answer does not say that the word is written somewhere."""
    create(client, people["author"], shared.id, "Zebras", "Zebras crossing guidance for careers fairs.")
    create(client, people["author"], private.id, "Pilot", "Zebrax is the code name of the pilot.")
    index_now(client)
    outsider = search(client, people["outsider"], "zebrax")
    assert outsider["total"] == 0 and outsider["did_you_mean"] == "zebras"
    # the control: a member finds the page with the word, so the word is known to her and kept as typed
    member = search(client, people["reader"], "zebrax")
    assert titles(member) == ["Pilot"] and member["did_you_mean"] is None


def test_did_you_mean_picks_its_spelling_from_pages_you_may_read(client, people, shared, private):
    """Of two spellings one edit away, the one in more of the caller's pages is offered: one only in pages they
    may not read never is, however common there."""
    create(client, people["author"], shared.id, "Welders", "Welders and welding apprenticeships.")
    for number in range(3):
        create(client, people["author"], private.id, f"Welbers {number}", "Welbers everywhere: welbers welbers.")
    index_now(client)
    assert search(client, people["outsider"], "welgers")["did_you_mean"] == "welders"
    # the control: the member may read both, and is offered the spelling most of her pages have
    assert search(client, people["reader"], "welgers")["did_you_mean"] == "welbers"


def test_title_suggestions_while_typing(client, people, shared, private):
    create(client, people["author"], shared.id, "Engineering apprenticeships", "x")
    create(client, people["author"], shared.id, "Energy sector overview", "x")
    create(client, people["author"], private.id, "Engineering pay (private)", "x")
    index_now(client)

    def suggest(person, q):
        response = client.get("/api/search/suggest", params={"q": q}, headers=person.headers)
        assert response.status_code == 200, response.text
        return sorted(item["title"] for item in response.json()["suggestions"])

    assert suggest(people["reader"], "eng") == ["Engineering apprenticeships", "Engineering pay (private)"]
    assert suggest(people["outsider"], "eng") == ["Engineering apprenticeships"]
    assert suggest(people["outsider"], "en") == ["Energy sector overview", "Engineering apprenticeships"]
    assert suggest(people["outsider"], "eng appr") == ["Engineering apprenticeships"]
    assert suggest(people["outsider"], "xyz") == []


def test_privacy_holds_in_results_totals_facets_and_pages(client, session, people, shared, private):
    create(client, people["author"], shared.id, "Public retail notes", "Retail vacancies [[Sector::Retail]]")
    create(client, people["author"], private.id, "Private retail notes", "Retail vacancies [[Sector::Retail]]",
           ["Confidential"])
    create(client, people["author"], personal_space(session, people["author"].user).id, "My retail diary",
           "Retail vacancies")
    index_now(client)

    outsider = search(client, people["outsider"], "retail")
    assert titles(outsider) == ["Public retail notes"] and outsider["total"] == 1
    assert facet(outsider, "sector") == {"Retail": 1}
    assert "Confidential" not in facet(outsider, "category")
    assert all(value["value"] != str(private.id) for f in outsider["facets"] for value in f["values"])
    assert search(client, people["outsider"], "retail", space=private.id)["total"] == 0
    assert search(client, people["outsider"], "retail", offset=1)["results"] == []

    assert search(client, people["reader"], "retail")["total"] == 2
    assert search(client, people["author"], "retail")["total"] == 3
    assert search(client, people["manager"], "retail")["total"] == 2  # managers read organisational spaces only


def test_rights_changes_apply_at_once_without_reindexing(client, session, people, private):
    create(client, people["author"], private.id, "Private retail notes", "Retail vacancies")
    index_now(client)
    assert search(client, people["outsider"], "retail")["total"] == 0
    response = client.put(f"/api/spaces/{private.id}/members/{people['outsider'].id}", headers=people["author"].headers,
                          json={"role": "reader"})
    assert response.status_code in (200, 201), response.text
    assert search(client, people["outsider"], "retail")["total"] == 1


def test_edits_moves_deletes_and_restores_reach_the_index(client, people, shared):
    page = create(client, people["author"], shared.id, "Logistics overview", "Warehouse operatives.")
    index_now(client)
    page = edit(client, people["author"], page, "HGV drivers are in short supply.")
    assert search(client, people["reader"], "drivers")["total"] == 0  # not yet drained
    index_now(client)
    assert titles(search(client, people["reader"], "drivers")) == ["Logistics overview"]
    assert search(client, people["reader"], "warehouse")["total"] == 0

    moved = client.post(f"/api/pages/{page['id']}/move", headers=people["author"].headers,
                        json={"title": "Transport and logistics"})
    assert moved.status_code == 200, moved.text
    index_now(client)
    assert titles(search(client, people["reader"], "drivers")) == ["Transport and logistics"]

    assert client.delete(f"/api/pages/{page['id']}", headers=people["author"].headers).status_code == 204
    index_now(client)
    assert search(client, people["reader"], "drivers")["total"] == 0
    assert client.post(f"/api/pages/{page['id']}/restore", headers=people["author"].headers).status_code == 200
    index_now(client)
    assert search(client, people["reader"], "drivers")["total"] == 1


@pytest.mark.parametrize("params, field", [
    ({"where": "colour:blue"}, "colour"),
    ({"where": "sector"}, "property:value"),
    ({"sort": "alphabetical"}, "sort"),
    ({"phase": "ripe"}, "phase"),
    ({"min_score": "101"}, "min_score"),
    ({"modified_after": "2026-02-01", "modified_before": "2026-01-01"}, "modified_after"),
    ({"limit": "0"}, "limit"),
])
def test_bad_search_parameters_are_explained(client, people, params, field):
    response = client.get("/api/search", params={"q": "x", **params}, headers=people["reader"].headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text


def test_search_needs_a_signed_in_caller(client):
    assert client.get("/api/search", params={"q": "x"}).status_code == 401
    assert client.get("/api/search/suggest", params={"q": "x"}).status_code == 401


def test_a_rating_that_changes_maturity_reaches_the_ranking(client, session, people, shared):
    text = "Veterinary nursing: courses, placements and pay."
    first = create(client, people["author"], shared.id, "Veterinary route one", text)
    second = create(client, people["author"], shared.id, "Veterinary route two", text)
    index_now(client)
    before = search(client, people["reader"], "veterinary")
    assert {hit["maturity"]["score"] for hit in before["results"]} == {before["results"][0]["maturity"]["score"]}
    for rater in (make_person(session), make_person(session)):
        client.put(f"/api/pages/{first['id']}/ratings/mine", headers=rater.headers,
                   json={"scores": {"currency": 5, "reliability": 5, "relevance": 5, "impartiality": 5}})
    assert index_now(client) >= 1  # the ratings queued the page
    after = search(client, people["reader"], "veterinary")
    assert titles(after) == ["Veterinary route one", "Veterinary route two"]
    assert after["results"][0]["maturity"]["score"] > before["results"][0]["maturity"]["score"]
    assert second["id"] == after["results"][1]["page_id"]
