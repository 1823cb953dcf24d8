"""Annotations through the HTTP API: inline `[[P::V]]` and structured `annotations` on create and edit,
the 422 that refuses a bad one (and saves nothing), per-revision annotations, PATCH/revert/merge rules.

Runs on SQLite and PostgreSQL (the `client` fixture is parametrised by backend).
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.changelog import Change
from app.pages.models import Page, Revision
from app.annotations.models import PageAnnotation
from tests.factories import Person

LMI = "https://w3id.org/mature-lmi/ontology#"
SECTORS = "https://w3id.org/mature-lmi/sectors/"
REGIONS = "https://w3id.org/mature-lmi/regions/"

CONTENT = (
    "## Care work in the North East\n\n"
    "Sector: [[Sector::Health and social care]].\n\n"
    "Median pay is [[Median pay::£27,500]] a year.\n\n"
    "Check again by [[Valid until::2027-03-31]].\n"
)


def post(client: TestClient, person: Person, space_id: int, title: str = "Care work", content: str = CONTENT,
         **extra):
    return client.post("/api/pages", headers=person.headers,
                       json={"space_id": space_id, "title": title, "content": content, **extra})


def create(client: TestClient, person: Person, space_id: int, title: str = "Care work", content: str = CONTENT,
           **extra) -> dict:
    response = post(client, person, space_id, title, content, **extra)
    assert response.status_code == 201, response.text
    return response.json()


def patch(client: TestClient, person: Person, page: dict, base: int, **body):
    return client.patch(f"/api/pages/{page['id']}", headers=person.headers, json={"base_revision": base, **body})


def read(client: TestClient, person: Person, page_id: int) -> dict:
    response = client.get(f"/api/pages/{page_id}", headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()


def by_property(page: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for annotation in page["annotations"]:
        found.setdefault(annotation["property"], []).append(annotation)
    return found


def facts(page: dict) -> set[tuple[str, str, str]]:
    """(property, canonical value, origin) of each annotation."""
    return {(a["property"], a["value"], a["origin"]) for a in page["annotations"]}


def revision_count(session: Session, page_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Revision).where(Revision.page_id == page_id))


# ------------------------------------------------------------------ create: inline and structured


def test_inline_and_structured_annotations_are_typed_and_returned(client, alice, space_id):
    page = create(client, alice, space_id, annotations=[{"property": "Region", "value": "North East"}])
    assert page["annotations"] == [
        {"property": "Sector", "property_iri": LMI + "sector", "value": "Health and social care",
         "raw": "Health and social care", "kind": "concept", "iri": SECTORS + "health-and-social-care",
         "unit": None, "origin": "inline"},
        {"property": "Median pay", "property_iri": LMI + "medianPay", "value": "27500 GBP", "raw": "£27,500",
         "kind": "money", "iri": None, "unit": "GBP", "origin": "inline"},
        {"property": "Valid until", "property_iri": LMI + "validUntil", "value": "2027-03-31", "raw": "2027-03-31",
         "kind": "date", "iri": None, "unit": None, "origin": "inline"},
        {"property": "Region", "property_iri": LMI + "region", "value": "North East", "raw": "North East",
         "kind": "concept", "iri": REGIONS + "north-east", "unit": None, "origin": "structured"},
    ]
    assert read(client, alice, page["id"])["annotations"] == page["annotations"]


def test_annotations_are_found_by_alternative_names(client, alice, space_id):
    page = create(client, alice, space_id, content="Pay: [[median_salary::GBP 31000]]\n",
                  annotations=[{"property": "lmi:growthForecast", "value": "3.5%"},
                               {"property": "Area", "value": "NE"}])
    found = by_property(page)
    assert found["Median pay"][0]["value"] == "31000 GBP"
    assert found["Growth forecast"][0]["value"] == "3.5" and found["Growth forecast"][0]["unit"] == "percent"
    assert found["Region"][0]["value"] == "North East" and found["Region"][0]["raw"] == "NE"


def test_the_text_still_renders_the_annotated_value(client, alice, space_id):
    page = create(client, alice, space_id)
    assert '<span class="annotation" data-property="Sector">Health and social care</span>' in page["html"]
    assert '<span class="annotation" data-property="Median pay">£27,500</span>' in page["html"]
    assert '<span class="annotation" data-property="Valid until">2027-03-31</span>' in page["html"]
    assert "[[" not in page["html"]


def test_an_annotation_written_twice_and_also_structured_is_stored_once(client, session, alice, space_id):
    content = CONTENT + "\nAgain: [[Sector::Healthcare]] and [[sector::Health and social care]].\n"
    page = create(client, alice, space_id, content=content,
                  annotations=[{"property": "Sector", "value": "health and social care"}])
    sectors = by_property(page)["Sector"]
    assert len(sectors) == 1 and sectors[0]["origin"] == "structured"  # kept as given in the API, so it outlives text edits
    stored = session.scalar(select(func.count()).select_from(PageAnnotation).where(
        PageAnnotation.revision_id == page["revision"]["id"], PageAnnotation.property_iri == LMI + "sector"))
    assert stored == 1
    assert len(page["annotations"]) == 3


# ------------------------------------------------------------------ refused annotations: 422, nothing saved


def test_bad_inline_annotation_refuses_the_create_and_saves_nothing(client, session, alice, space_id):
    before = session.scalar(select(func.max(Change.id)))
    response = post(client, alice, space_id, title="Bad pay",
                    content=CONTENT.replace("£27,500", "27500"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Invalid annotation"
    [error] = problem["errors"]
    assert error["field"] == "content"
    assert error["annotation"] == "[[Median pay::27500]]"
    assert "the currency is missing" in error["message"]
    assert error["accepted"] == "an amount with its currency, such as 27500 GBP or £27,500"
    assert "[[Median pay::27500]]" in problem["detail"] and "Nothing of this edit was saved" in problem["detail"]

    assert session.scalar(select(Page.id).where(Page.title == "Bad pay")) is None
    assert session.scalar(select(func.max(Change.id))) == before
    found = client.get(f"/api/spaces/{space_id}/pages/Bad pay", headers=alice.headers)
    assert found.status_code == 404


def test_bad_structured_annotation_names_it_with_suggestions(client, session, alice, space_id):
    response = post(client, alice, space_id, title="Bad sector",
                    annotations=[{"property": "Region", "value": "North East"},
                                 {"property": "Sector", "value": "Helth and social care"}])
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "annotations[1]"
    assert error["annotation"] == "Sector = 'Helth and social care'"
    assert "is not a known sector" in error["message"]
    assert error["suggestions"][0] == "Health and social care"
    assert "Health and social care" in error["accepted"] and "Construction" in error["accepted"]
    assert session.scalar(select(Page.id).where(Page.title == "Bad sector")) is None


def test_several_bad_annotations_are_all_listed(client, alice, space_id):
    content = "[[Sectr::Health]] and [[Valid until::soon]] and [[Sector::Construction]]\n"
    response = post(client, alice, space_id, content=content,
                    annotations=[{"property": "Source URL", "value": "www.ons.gov.uk"},
                                 {"property": "Vacancies", "value": "12.5"}])
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["field"], e["annotation"]) for e in errors] == [
        ("content", "[[Sectr::Health]]"),
        ("content", "[[Valid until::soon]]"),
        ("annotations[0]", "Source URL = 'www.ons.gov.uk'"),
        ("annotations[1]", "Vacancies = '12.5'"),
    ]
    assert errors[0]["suggestions"][0] == "Sector"
    assert "(and 3 more)" in response.json()["detail"]
    assert all(e["message"] and e["accepted"] for e in errors)


def test_bad_annotation_in_an_edit_leaves_the_page_unchanged(client, session, alice, space_id):
    page = create(client, alice, space_id, annotations=[{"property": "Region", "value": "North East"}])
    before = read(client, alice, page["id"])
    revisions = revision_count(session, page["id"])

    inline = patch(client, alice, page, page["revision"]["id"],
                   content=CONTENT.replace("2027-03-31", "2027-02-30") + "\nMore notes.\n")
    assert inline.status_code == 422
    assert inline.json()["errors"][0]["annotation"] == "[[Valid until::2027-02-30]]"
    assert "it is not a date" in inline.json()["errors"][0]["message"]

    structured = patch(client, alice, page, page["revision"]["id"], content=CONTENT + "\nMore notes.\n",
                       annotations=[{"property": "Median pay", "value": "£27500 EUR"}])
    assert structured.status_code == 422
    assert structured.json()["errors"][0]["field"] == "annotations[0]"
    assert "two different currencies" in structured.json()["errors"][0]["message"]

    after = read(client, alice, page["id"])
    assert after == before
    assert revision_count(session, page["id"]) == revisions


# ------------------------------------------------------------------ every revision keeps its own annotations


def test_old_revisions_keep_their_annotations(client, alice, space_id):
    page = create(client, alice, space_id, annotations=[{"property": "Region", "value": "North East"}])
    first = page["revision"]["id"]
    edited = patch(client, alice, page, first,
                   content=CONTENT.replace("£27,500", "£29,000").replace("Health and social care", "Construction"),
                   annotations=[{"property": "Region", "value": "London"}])
    assert edited.status_code == 200, edited.text
    new = edited.json()
    assert facts(new) == {("Sector", "Construction", "inline"), ("Median pay", "29000 GBP", "inline"),
                          ("Valid until", "2027-03-31", "inline"), ("Region", "London", "structured")}

    old = client.get(f"/api/pages/{page['id']}/revisions/{first}", headers=alice.headers)
    assert old.status_code == 200
    assert facts(old.json()) == {("Sector", "Health and social care", "inline"),
                                 ("Median pay", "27500 GBP", "inline"), ("Valid until", "2027-03-31", "inline"),
                                 ("Region", "North East", "structured")}
    current = client.get(f"/api/pages/{page['id']}/revisions/{new['revision']['id']}", headers=alice.headers)
    assert current.json()["annotations"] == new["annotations"]


def test_patch_without_annotations_keeps_the_structured_ones(client, alice, space_id):
    page = create(client, alice, space_id, annotations=[{"property": "Region", "value": "North East"},
                                                        {"property": "Source", "value": "ONS ASHE 2024"}])
    edited = patch(client, alice, page, page["revision"]["id"], content=CONTENT + "\nMore notes.\n")
    assert edited.status_code == 200 and edited.json()["changed"] is True
    structured = {(a["property"], a["value"]) for a in edited.json()["annotations"] if a["origin"] == "structured"}
    assert structured == {("Region", "North East"), ("Source", "ONS ASHE 2024")}


def test_patch_with_empty_annotations_removes_the_structured_ones(client, alice, space_id):
    page = create(client, alice, space_id, annotations=[{"property": "Region", "value": "North East"}])
    edited = patch(client, alice, page, page["revision"]["id"], annotations=[])
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["changed"] is True and body["revision"]["id"] != page["revision"]["id"]
    assert all(a["origin"] == "inline" for a in body["annotations"])
    assert {a["property"] for a in body["annotations"]} == {"Sector", "Median pay", "Valid until"}
    assert body["content"] == page["content"]


def test_patch_changing_only_annotations_makes_a_revision(client, alice, space_id):
    page = create(client, alice, space_id)
    edited = patch(client, alice, page, page["revision"]["id"],
                   annotations=[{"property": "Vacancies", "value": "1,500"}])
    assert edited.status_code == 200
    assert edited.json()["changed"] is True
    [vacancies] = by_property(edited.json())["Vacancies"]
    assert vacancies["value"] == "1500" and vacancies["kind"] == "integer" and vacancies["origin"] == "structured"


def test_revert_brings_back_the_annotations_of_that_revision(client, alice, bob, space_id):
    page = create(client, alice, space_id, annotations=[{"property": "Region", "value": "North East"}])
    first = page["revision"]["id"]
    changed = patch(client, bob, page, first, content="Nothing typed here any more.\n",
                    annotations=[{"property": "Region", "value": "Scotland"}])
    assert changed.status_code == 200
    assert facts(changed.json()) == {("Region", "Scotland", "structured")}

    reverted = client.post(f"/api/pages/{page['id']}/revert", headers=alice.headers, json={"revision_id": first})
    assert reverted.status_code == 200, reverted.text
    assert facts(reverted.json()) == facts(page)
    assert reverted.json()["revision"]["kind"] == "revert"
    # and the structured ones are the base of the next edit
    later = patch(client, alice, page, reverted.json()["revision"]["id"], content=CONTENT + "\nLater.\n")
    assert ("Region", "North East", "structured") in facts(later.json())


def test_revert_to_a_revision_differing_only_in_annotations(client, alice, space_id):
    page = create(client, alice, space_id, annotations=[{"property": "Region", "value": "North East"}])
    first = page["revision"]["id"]
    assert patch(client, alice, page, first, annotations=[]).status_code == 200
    reverted = client.post(f"/api/pages/{page['id']}/revert", headers=alice.headers, json={"revision_id": first})
    assert reverted.status_code == 200, reverted.text
    assert ("Region", "North East", "structured") in facts(reverted.json())


# ------------------------------------------------------------------ concurrent edits merge structured annotations


def test_concurrent_edits_merge_structured_annotations(client, alice, bob, space_id):
    page = create(client, alice, space_id, content="Notes.\n")
    base = page["revision"]["id"]
    first = patch(client, alice, page, base, annotations=[{"property": "Region", "value": "North East"}])
    assert first.status_code == 200 and first.json()["merged"] is False
    second = patch(client, bob, page, base, annotations=[{"property": "Sector", "value": "Construction"}])
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["merged"] is True and body["merged_with"] == [first.json()["revision"]["id"]]
    assert facts(body) == {("Region", "North East", "structured"), ("Sector", "Construction", "structured")}
    assert facts(read(client, alice, page["id"])) == facts(body)


def test_concurrent_edit_keeps_a_removal_made_by_the_other_side(client, alice, bob, space_id):
    page = create(client, alice, space_id, content="Notes.\n",
                  annotations=[{"property": "Region", "value": "North East"}])
    base = page["revision"]["id"]
    assert patch(client, alice, page, base, annotations=[]).status_code == 200  # alice removes the region
    second = patch(client, bob, page, base, content="Notes.\n\nMore from Bob.\n")  # bob keeps base's
    assert second.status_code == 200 and second.json()["merged"] is True
    assert second.json()["annotations"] == []
    assert "More from Bob." in second.json()["content"]


def test_concurrent_edit_with_a_bad_annotation_is_refused_and_saves_nothing(client, session, alice, bob, space_id):
    page = create(client, alice, space_id, content="Notes.\n")
    base = page["revision"]["id"]
    patch(client, alice, page, base, annotations=[{"property": "Region", "value": "North East"}])
    before = read(client, alice, page["id"])
    response = patch(client, bob, page, base, annotations=[{"property": "Sector", "value": "Constrution"}])
    assert response.status_code == 422
    assert response.json()["errors"][0]["suggestions"][0] == "Construction"
    assert read(client, alice, page["id"]) == before
    assert revision_count(session, page["id"]) == 2


# ------------------------------------------------------------------ regressions found while writing these tests


def test_structured_annotation_survives_removing_its_inline_twin(client, alice, space_id):
    page = create(client, alice, space_id, content="[[Sector::Construction]]\n",
                  annotations=[{"property": "Sector", "value": "Construction"}])
    edited = patch(client, alice, page, page["revision"]["id"], content="No inline now.\n")
    assert edited.status_code == 200
    assert facts(edited.json()) == {("Sector", "Construction", "structured")}


def test_resending_the_same_annotations_in_other_words_changes_nothing(client, session, alice, space_id):
    page = create(client, alice, space_id, content="Notes.\n",
                  annotations=[{"property": "Region", "value": "North East"}])
    edited = patch(client, alice, page, page["revision"]["id"],
                   annotations=[{"property": "region", "value": "North East"}])
    assert edited.status_code == 200
    assert edited.json()["changed"] is False
    assert revision_count(session, page["id"]) == 1
