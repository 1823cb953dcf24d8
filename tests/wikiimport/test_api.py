"""POST /api/admin/imports/mediawiki: admins only, the report as the answer, unsafe or broken files as problem+json."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.pages.models import Page
from tests.factories import make_person, make_space, personal_space

DATA = Path(__file__).parent / "data"
URL = "/api/admin/imports/mediawiki"
XML = {"Content-Type": "application/xml"}


def pages_in(session: Session, space_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Page).where(Page.space_id == space_id))


def post(client, person, space_id: int, body: bytes, **params):
    return client.post(URL, params={"space_id": space_id, **params}, content=body,
                        headers={**person.headers, **XML})


def test_an_admin_imports_a_dump_and_gets_the_report(client, session: Session) -> None:
    admin = make_person(session, Role.admin)
    space = make_space(session, admin.user)
    dump = (DATA / "careers-wiki-schema-0.10.xml").read_bytes()
    answer = post(client, admin, space.id, dump, map="Employer count=Employment count")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["schema_version"], report["pages_created"], report["revisions_imported"]) == ("0.10", 4, 17)
    assert report["unknown_properties"] == [] and report["redirects"] == 1
    assert report["templates_kept_as_text"] == {"Infobox job": 1}
    again = post(client, admin, space.id, dump).json()
    assert (again["revisions_imported"], again["revisions_already_imported"]) == (0, 18)
    found = client.get(f"/api/spaces/{space.id}/pages/Vacancy notes", headers=admin.headers).json()
    assert found["title"] == "Vacancy notes"


def test_unknown_properties_are_listed_with_examples(client, session: Session) -> None:
    admin = make_person(session, Role.admin)
    space = make_space(session, admin.user)
    report = post(client, admin, space.id, (DATA / "careers-wiki-schema-0.11.xml").read_bytes()).json()
    assert report["unknown_properties"][0]["property"] == "Employer count"
    assert report["unknown_properties"][0]["example_pages"] == ["Care workers"]


@pytest.mark.parametrize("role", [Role.adviser, Role.manager])
def test_only_admins_may_import(client, session: Session, role: Role) -> None:
    person = make_person(session, role)
    space = make_space(session, person.user)
    answer = post(client, person, space.id, (DATA / "careers-wiki-schema-0.11.xml").read_bytes())
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "admin" in answer.json()["detail"]
    assert pages_in(session, space.id) == 0


def test_an_admin_cannot_import_into_someone_elses_private_space(client, session: Session) -> None:
    admin, adviser = make_person(session, Role.admin), make_person(session)
    private = personal_space(session, adviser.user)
    answer = post(client, admin, private.id, (DATA / "careers-wiki-schema-0.11.xml").read_bytes())
    assert answer.status_code in (403, 404), answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert pages_in(session, private.id) == 0


@pytest.mark.parametrize("name, words", [
    ("billion-laughs.xml", "entities"), ("external-entity.xml", "entities"),
])
def test_entity_attacks_are_refused_without_expanding_anything(client, session: Session, name: str,
                                                               words: str) -> None:
    admin = make_person(session, Role.admin)
    space = make_space(session, admin.user)
    answer = post(client, admin, space.id, (DATA / name).read_bytes())
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["title"] == "Unreadable MediaWiki export"
    assert words in problem["detail"] and "Nothing was imported" in problem["detail"]
    assert "root:" not in answer.text
    assert pages_in(session, space.id) == 0


def test_malformed_xml_is_refused_with_the_line_and_nothing_imported(client, session: Session) -> None:
    admin = make_person(session, Role.admin)
    space = make_space(session, admin.user)
    text = (DATA / "careers-wiki-schema-0.11.xml").read_text("utf-8")
    broken = text.replace("</title>\n    <ns>0</ns>\n    <id>8</id>", "\n    <ns>0</ns>\n    <id>8</id>", 1)
    assert broken != text
    answer = post(client, admin, space.id, broken.encode())
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert "malformed at line" in detail and "Nothing was imported" in detail
    assert pages_in(session, space.id) == 0  # the pages before the damage were not imported either


def test_a_file_that_is_not_a_mediawiki_export(client, session: Session) -> None:
    admin = make_person(session, Role.admin)
    space = make_space(session, admin.user)
    answer = post(client, admin, space.id, b"<rss version='2.0'><channel/></rss>")
    assert answer.status_code == 422
    assert "not a MediaWiki XML export" in answer.json()["detail"]
    old = (DATA / "careers-wiki-schema-0.11.xml").read_text("utf-8").replace('version="0.11"', 'version="0.2"')
    answer = post(client, admin, space.id, old.encode())
    assert answer.status_code == 422 and "0.2 is not supported" in answer.json()["detail"]


def test_a_bad_mapping_is_refused_before_importing(client, session: Session) -> None:
    admin = make_person(session, Role.admin)
    space = make_space(session, admin.user)
    dump = (DATA / "careers-wiki-schema-0.11.xml").read_bytes()
    answer = post(client, admin, space.id, dump, map="Employer count=Head count")
    assert answer.status_code == 422 and "'Employer count' -> 'Head count'" in answer.json()["detail"]
    answer = post(client, admin, space.id, dump, map="no equals sign")
    assert answer.status_code == 422 and "Wiki property=Ontology property" in answer.json()["detail"]
    assert pages_in(session, space.id) == 0


def test_page_size_limit_from_the_api(client, session: Session) -> None:
    admin = make_person(session, Role.admin)
    space = make_space(session, admin.user)
    report = post(client, admin, space.id, (DATA / "careers-wiki-schema-0.11.xml").read_bytes(),
                  max_page_chars=500).json()
    assert {p["title"] for p in report["problems"]} == {"Main Page", "Care workers", "Carers"}
    assert pages_in(session, space.id) == 2


def test_a_dump_over_the_limit_is_refused_and_no_spooled_copy_is_left(client, session: Session, tmp_path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from app.wikiimport import router

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the upload is spooled
    admin = make_person(session, Role.admin)
    space = make_space(session, admin.user)
    dump = (DATA / "careers-wiki-schema-0.11.xml").read_bytes()
    monkeypatch.setattr(router, "DUMP_LIMIT", len(dump) - 1)
    answer = post(client, admin, space.id, dump)
    assert answer.status_code == 413 and answer.headers["content-type"] == "application/problem+json"
    assert f"over {len(dump) - 1:,} bytes" in answer.json()["detail"] and "mature import mediawiki" in answer.json()["detail"]
    assert pages_in(session, space.id) == 0 and list(tmp_path.iterdir()) == []
    monkeypatch.setattr(router, "DUMP_LIMIT", len(dump))  # exactly at the limit: imported
    assert post(client, admin, space.id, dump).status_code == 200
    assert pages_in(session, space.id) == 4 and list(tmp_path.iterdir()) == []
