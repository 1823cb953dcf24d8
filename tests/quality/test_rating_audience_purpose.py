"""A rating can say which audience and purpose its rater judged the page for (keys from the ontology's
schemes); unknown keys are a 422 naming the allowed ones; forms list them at /api/quality/audiences.
Both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app import schema_migrations
from app.auth.models import Visibility
from app.db import make_engine
from app.quality.models import Rating
from tests.conftest import fresh_database_url, settings_for
from tests.factories import Person, make_person, make_space, post_page


@pytest.fixture
def people(session: Session) -> dict[str, Person]:
    return {"author": make_person(session), "rater": make_person(session)}


@pytest.fixture
def page(client: TestClient, session: Session, people: dict[str, Person]) -> dict:
    space = make_space(session, people["author"].user, Visibility.organisation)
    return post_page(client, people["author"], space.id, "Retraining routes",
                     "[[Audience::Adults changing career]] [[Sector::Construction]]\n")


def put_rating(client: TestClient, person: Person, page: dict, **body):
    return client.put(f"/api/pages/{page['id']}/ratings/mine", headers=person.headers,
                      json={"scores": {"reliability": 4}, **body})


def test_the_forms_list_the_audiences_and_purposes(client, people):
    response = client.get("/api/quality/audiences", headers=people["rater"].headers)
    assert response.status_code == 200
    body = response.json()
    audiences = {choice["key"]: choice for choice in body["audiences"]}
    assert set(audiences) == {"young-people-in-school", "young-people-leaving-education", "adults-changing-career",
                              "adults-returning-to-work", "unemployed-adults", "practitioners-only"}
    assert audiences["adults-changing-career"]["label"] == "Adults changing career"
    assert audiences["adults-changing-career"]["iri"] == "https://w3id.org/mature-lmi/audiences/adults-changing-career"
    assert all(choice["definition"] for choice in body["audiences"] + body["purposes"])
    assert [choice["key"] for choice in body["purposes"]] == [
        "given-to-clients-directly", "interpreted-for-a-client", "used-by-practitioners"]  # by label
    assert client.get("/api/quality/audiences").status_code == 401


def test_a_rating_says_what_it_judged_the_page_for(client, session, people, page):
    response = put_rating(client, people["rater"], page, audience="adults-changing-career",
                          purpose="interpreted-for-a-client")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["audience"], body["purpose"]) == ("adults-changing-career", "interpreted-for-a-client")
    [listed] = client.get(f"/api/pages/{page['id']}/ratings", headers=people["author"].headers).json()["items"]
    assert (listed["audience"], listed["purpose"]) == ("adults-changing-career", "interpreted-for-a-client")
    stored = session.scalar(select(Rating).where(Rating.id == body["id"]))
    assert (stored.audience, stored.purpose) == ("adults-changing-career", "interpreted-for-a-client")


def test_audience_and_purpose_are_optional_and_a_new_rating_replaces_them(client, people, page):
    first = put_rating(client, people["rater"], page, audience="unemployed-adults").json()
    assert (first["audience"], first["purpose"]) == ("unemployed-adults", None)
    second = put_rating(client, people["rater"], page).json()
    assert (second["audience"], second["purpose"]) == (None, None)
    history = client.get(f"/api/pages/{page['id']}/ratings?history=true",
                         headers=people["rater"].headers).json()["items"]
    assert [r["audience"] for r in history] == [None, "unemployed-adults"]


@pytest.mark.parametrize("body, field", [
    ({"audience": "teenagers"}, "audience"),
    ({"audience": "Adults changing career"}, "audience"),  # the key, not the label
    ({"purpose": "adults-changing-career"}, "purpose"),  # an audience is not a purpose
    ({"purpose": 3}, "purpose"),
])
def test_unknown_keys_are_422_naming_the_allowed_ones(client, session, people, page, body, field):
    response = put_rating(client, people["rater"], page, **body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == field
    if field == "audience":
        assert "practitioners-only" in error["message"] and "/api/quality/audiences" in error["message"]
    assert session.scalar(select(Rating.id).where(Rating.page_id == page["id"])) is None


def test_the_migration_keeps_existing_ratings(backend: str, tmp_path, request: pytest.FixtureRequest) -> None:
    """0022 adds the two columns: a rating made before says neither and keeps its scores, both ways."""
    engine = make_engine(settings_for(fresh_database_url(backend, tmp_path, request), tmp_path))
    at = "'2026-11-30 10:00:00'"
    try:
        schema_migrations.upgrade(engine, "0018")
        with engine.begin() as connection:
            for statement in (
                f"INSERT INTO \"user\" (id, username, display_name, role, is_active, created_at) "
                f"VALUES (1, 'ann', 'Ann', 'adviser', true, {at})",
                f"INSERT INTO space (id, key, name, description, kind, visibility, created_at) "
                f"VALUES (1, 'team', 'Team', '', 'organisation', 'organisation', {at})",
                f"INSERT INTO page (id, space_id, title, title_key, created_by_id, created_at, updated_at) "
                f"VALUES (1, 1, 'Care', 'care', 1, {at}, {at})",
                f"INSERT INTO revision (id, page_id, number, title, content, categories, summary, minor, kind, "
                f"author_id, created_at, size) VALUES (1, 1, 1, 'Care', 'x', '[]', '', false, 'edit', 1, {at}, 1)",
                f"INSERT INTO rating (page_id, revision_id, rater_id, reliability, comment, anonymous, created_at) "
                f"VALUES (1, 1, 1, 4, 'Good figures', false, {at})",
            ):
                connection.execute(text(statement))
        schema_migrations.upgrade(engine)
        with engine.connect() as connection:
            row = connection.execute(text("SELECT reliability, comment, audience, purpose FROM rating")).one()
        assert tuple(row) == (4, "Good figures", None, None)
        schema_migrations.downgrade(engine, "0018")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT reliability, comment FROM rating")).one() == (4, "Good figures")
    finally:
        engine.dispose()
