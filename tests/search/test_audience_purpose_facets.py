"""Audience and purpose as search facets: counted over what the caller may read, filtered by label,
synonym or key, AND across the two, OR within one (both databases)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Visibility
from tests.factories import Person, make_person, make_space, post_page
from tests.search.helpers import facet, index_now, search, titles


@pytest.fixture
def people(session: Session) -> dict[str, Person]:
    return {"author": make_person(session), "reader": make_person(session), "outsider": make_person(session)}


@pytest.fixture
def pages(client: TestClient, session: Session, people: dict[str, Person]) -> None:
    """Two shared pages and one in a members-only space the outsider may not read."""
    shared = make_space(session, people["author"].user, Visibility.organisation)
    private = make_space(session, people["author"].user, Visibility.members,
                         {people["reader"].user: MemberRole.reader})
    post_page(client, people["author"], shared.id, "Apprenticeships after GCSEs",
              "Apprenticeship routes. [[Audience::Young people in school]] [[Audience::School leavers]] "
              "[[Purpose::Given to clients directly]]\n")
    post_page(client, people["author"], shared.id, "Retraining as an electrician",
              "Apprenticeship or college. [[Audience::Adults changing career]] [[Purpose::Interpreted for a client]]\n")
    post_page(client, people["author"], private.id, "Apprenticeship levy briefing",
              "Apprenticeship funding. [[Audience::Practitioners only]] [[Purpose::Used by practitioners]]\n")
    index_now(client)


def test_audience_and_purpose_facets_count_only_readable_pages(client, people, pages):
    outsider = search(client, people["outsider"], "apprenticeship")
    assert outsider["total"] == 2
    assert facet(outsider, "audience") == {"Young people in school": 1, "Young people leaving school or college": 1,
                                           "Adults changing career": 1}
    assert facet(outsider, "purpose") == {"Given to clients directly": 1, "Interpreted for a client": 1}
    labels = {f["key"]: (f["label"], f["parameter"]) for f in outsider["facets"]}
    assert labels["audience"] == ("Audience", "where=audience:{value}")
    assert labels["purpose"] == ("Purpose", "where=purpose:{value}")
    # the control: a member of the private space counts its page
    reader = search(client, people["reader"], "apprenticeship")
    assert reader["total"] == 3
    assert facet(reader, "audience")["Practitioners only"] == 1
    assert facet(reader, "purpose")["Used by practitioners"] == 1


def test_filters_by_audience_and_purpose(client, people, pages):
    reader = people["reader"]
    by_audience = search(client, reader, "apprenticeship", where="audience:Adults changing career")
    assert titles(by_audience) == ["Retraining as an electrician"]
    selected = [v["value"] for f in by_audience["facets"] if f["key"] == "audience" for v in f["values"] if v["selected"]]
    assert selected == ["Adults changing career"]
    either = search(client, reader, "apprenticeship", where=["audience:school leavers", "audience:practitioners-only"])
    assert sorted(titles(either)) == ["Apprenticeship levy briefing", "Apprenticeships after GCSEs"]
    both = search(client, reader, "apprenticeship", where=["audience:practitioners-only", "purpose:Given to clients"])
    assert titles(both) == []
    by_key = search(client, reader, "apprenticeship", where="purpose:used-by-practitioners")
    assert titles(by_key) == ["Apprenticeship levy briefing"]


def test_a_private_page_is_not_found_by_its_audience(client, people, pages):
    probe = search(client, people["outsider"], "", where="audience:Practitioners only")
    assert probe["total"] == 0 and probe["results"] == []
    assert facet(probe, "audience") == {}
    control = search(client, people["author"], "", where="audience:Practitioners only")
    assert titles(control) == ["Apprenticeship levy briefing"]


def test_the_query_box_knows_audience_and_purpose_as_fields(client, people, pages):
    assert titles(search(client, people["outsider"], 'audience:"adults changing career"')) == [
        "Retraining as an electrician"]
    assert titles(search(client, people["outsider"], "purpose:practitioners")) == []  # private: the probe
    assert titles(search(client, people["reader"], "purpose:practitioners")) == ["Apprenticeship levy briefing"]
