"""Audience and purpose annotations: written inline or structured, several audiences on one page,
by label, synonym or key, and refused with the same clear 422 as any typed annotation (both databases).
"""

from __future__ import annotations

from sqlalchemy import select

from app.annotations.models import PageAnnotation
from app.annotations.vocabulary import LMI
from app.demo.loader import load_demo
from app.pages.models import Page
from tests.annotations.test_page_annotations_api import by_property, create, post

AUDIENCES = "https://w3id.org/mature-lmi/audiences/"
PURPOSES = "https://w3id.org/mature-lmi/purposes/"


def test_a_page_names_several_audiences_and_a_purpose(client, alice, space_id):
    page = create(client, alice, space_id, title="Routes for career changers", content=(
        "For [[Audience::Adults changing career]] and [[Audience::returners]] "
        "([[Purpose::Given to clients directly]]).\n"))
    found = by_property(page)
    assert sorted(a["value"] for a in found["Audience"]) == ["Adults changing career", "Adults returning to work"]
    assert {a["iri"] for a in found["Audience"]} == {AUDIENCES + "adults-changing-career",
                                                    AUDIENCES + "adults-returning-to-work"}
    [purpose] = found["Purpose"]
    assert (purpose["value"], purpose["iri"]) == ("Given to clients directly", PURPOSES + "given-to-clients-directly")


def test_the_key_and_structured_form_resolve_to_the_same_concepts(client, alice, space_id):
    page = create(client, alice, space_id, title="Adviser briefing", content="Background.\n", annotations=[
        {"property": "Audience", "value": "practitioners-only"},
        {"property": "Intended use", "value": "used by practitioners"}])
    found = by_property(page)
    assert [a["value"] for a in found["Audience"]] == ["Practitioners only"]
    assert [a["value"] for a in found["Purpose"]] == ["Used by practitioners"]


def test_an_unknown_audience_is_refused_naming_the_choices(client, session, alice, space_id):
    response = post(client, alice, space_id, title="Bad audience",
                    content="For [[Audience::Adults chaning career]] [[Purpose::Given to clients directly]].\n")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["annotation"] == "[[Audience::Adults chaning career]]"
    assert "is not a known audience" in error["message"]
    assert error["suggestions"][0] == "Adults changing career"
    assert "Young people in school" in error["accepted"] and "Practitioners only" in error["accepted"]
    assert session.scalar(select(Page.id).where(Page.title == "Bad audience")) is None


def test_an_unknown_purpose_is_refused(client, alice, space_id):
    response = post(client, alice, space_id, title="Bad purpose", content="x\n",
                    annotations=[{"property": "Purpose", "value": "Adults changing career"}])
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "annotations[0]" and "is not a known purpose" in error["message"]
    assert "Interpreted for a client" in error["accepted"]


def test_demo_pages_say_who_they_are_for(session):
    """A few demo pages state their audiences and purpose in their current text (the demo shows the facets)."""
    load_demo(session)
    rows = session.execute(
        select(Page.title, PageAnnotation.property_iri, PageAnnotation.value_text)
        .join(PageAnnotation, PageAnnotation.revision_id == Page.current_revision_id)
        .where(PageAnnotation.property_iri.in_([str(LMI.audience), str(LMI.purpose)]))).all()
    audiences: dict[str, set[str]] = {}
    purposes: dict[str, set[str]] = {}
    for title, prop, value in rows:
        (audiences if prop == str(LMI.audience) else purposes).setdefault(title, set()).add(value)
    assert len(audiences) >= 4 and set(audiences) == set(purposes)
    assert audiences["T Levels and post-16 options"] == {"Young people in school",
                                                         "Young people leaving school or college"}
    assert {value for found in purposes.values() for value in found} == {
        "Given to clients directly", "Used by practitioners", "Interpreted for a client"}
