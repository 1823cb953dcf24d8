"""Importing real MediaWiki exports (schema 0.10 and 0.11, made by MediaWiki 1.39) into a space, on both databases."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Role, User
from app.auth.rights import Right
from app.pages import service as pages
from app.pages.models import Page, PageCategory, Revision
from app.pages.wikitext import plain_text
from app.annotations import service as annotation_service
from app.wikiimport import importer as importer_module
from app.wikiimport.exceptions import InvalidMapping
from app.wikiimport.importer import ImportOptions, import_dump
from app.wikiimport.models import ImportedRevision
from tests.conftest import TransactionalDatabase
from tests.factories import make_person, make_space, make_user, personal_space

DATA = Path(__file__).parent / "data"
DUMPS = [DATA / "careers-wiki-schema-0.11.xml", DATA / "careers-wiki-schema-0.10.xml"]
IMPORTED_TITLES = {"Main Page", "Care workers", "Nurses", "Vacancy notes"}


def page_named(session: Session, space_id: int, title: str) -> Page | None:
    return session.scalar(select(Page).where(Page.space_id == space_id, Page.title == title))


def history(session: Session, page: Page) -> list[Revision]:
    return list(session.scalars(select(Revision).where(Revision.page_id == page.id).order_by(Revision.number)))


def revision_count(session: Session, space_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Revision).join(Page, Page.id == Revision.page_id)
                          .where(Page.space_id == space_id))


@pytest.fixture
def admin(session: Session) -> User:
    return make_user(session, Role.admin)


@pytest.mark.parametrize("dump", DUMPS, ids=["schema-0.11", "schema-0.10"])
def test_every_revision_arrives_in_order_with_author_time_summary_and_minor_flag(
        database: TransactionalDatabase, session: Session, admin: User, dump: Path) -> None:
    space = make_space(session, admin)
    report = import_dump(database, admin, space.id, dump)

    assert report.schema_version == dump.stem.rsplit("-", 1)[1]
    assert report.generator == "MediaWiki 1.39.17"
    assert {p.title for p in session.scalars(select(Page).where(Page.space_id == space.id))} == IMPORTED_TITLES
    notes = history(session, page_named(session, space.id, "Vacancy notes"))
    assert [r.summary for r in notes] == [f"Monthly update {i}" for i in range(1, 13)]
    assert [r.imported_author for r in notes] == ["Bob" if i % 2 else "Alice" for i in range(1, 13)]
    assert [r.minor for r in notes] == [False] + [i % 3 == 0 for i in range(2, 13)]
    assert [r.number for r in notes] == list(range(1, 13))
    assert all(r.author_id == admin.id for r in notes)
    assert notes[-1].content.startswith("Labour market notes, version 12.")
    times = [r.created_at for r in notes]
    assert times == sorted(times) and times[0].year == 2026
    care = history(session, page_named(session, space.id, "Care workers"))
    assert [(r.imported_author, r.summary, r.minor) for r in care] == [
        ("Alice", "First notes on care work", False), ("Bob", "Training routes, pay table, sector", False),
        ("Alice", "typo", True)]
    assert report.revisions_imported == 17 and report.redirects == 1
    assert report.skipped_namespaces == {"Category": 1, "Talk": 1, "Template": 1}


def test_history_through_the_api_names_the_wiki_authors(client, session: Session, database) -> None:
    admin = make_person(session, Role.admin)
    space = make_space(session, admin.user)
    import_dump(database, admin.user, space.id, DUMPS[0])
    page = page_named(session, space.id, "Care workers")
    answer = client.get(f"/api/pages/{page.id}/revisions", headers=admin.headers)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [(i["imported_author"], i["summary"]) for i in items] == [
        ("Alice", "typo"), ("Bob", "Training routes, pay table, sector"), ("Alice", "First notes on care work")]
    stamp = datetime.fromisoformat(items[0]["created_at"].replace("Z", "+00:00"))
    assert stamp == history(session, page)[-1].created_at


def test_wikitext_becomes_markdown_with_the_services_wiki_links(
        client, session: Session, database) -> None:
    admin = make_person(session, Role.admin)
    space = make_space(session, admin.user)
    import_dump(database, admin.user, space.id, DUMPS[0])
    page = page_named(session, space.id, "Care workers")
    content = history(session, page)[-1].content
    assert content.startswith("**Care workers** support adults in the [[Region::North East]]")
    for expected in ("## Pay", "(*provisional*)", "## Where to train", "- [[Newcastle College]]",
                     "- [[Adult social care apprenticeships|Apprenticeships]]", "1.  Apply online",
                     "| Care assistant | £21,000", "| Senior carer   | £24,500"):
        assert expected in content
    html = client.get(f"/api/pages/{page.id}", headers=admin.headers).json()["html"]
    for tag in ("<strong>Care workers</strong>", "<em>provisional</em>", "<h2>Pay</h2>", "<table>", "<ol>", "<ul>"):
        assert tag in html
    assert 'data-page-title="Newcastle College"' in html and ">Apprenticeships</a>" in html
    nurses = history(session, page_named(session, space.id, "Nurses"))[-1].content
    assert "See [[Care workers]]." in nurses


def test_smw_annotations_become_typed_annotations_and_unknown_ones_stay_text(
        database: TransactionalDatabase, session: Session, admin: User) -> None:
    space = make_space(session, admin)
    report = import_dump(database, admin, space.id, DUMPS[0])
    care = page_named(session, space.id, "Care workers")
    stored = [(a.property_iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1], a.value_text, a.value_iri)
              for a in annotation_service.of_revision(session, care.current_revision_id)]
    assert stored == [
        ("region", "North East", "https://w3id.org/mature-lmi/regions/north-east"),
        ("sector", "Health and social care", "https://w3id.org/mature-lmi/sectors/health-and-social-care"),
        ("medianPay", "24000 GBP", None),
        ("source", "Skills for Care", None),  # [[Data source::...]]: an alternative name of dcterms:source
    ]
    unknown = {u["property"]: u for u in report.as_dict()["unknown_properties"]}
    assert unknown["Employer count"]["count"] == 1
    assert unknown["Employer count"]["example_pages"] == ["Care workers"]
    assert "Employment count" in unknown["Employer count"]["reason"]
    text = plain_text(history(session, care)[-1].content)
    assert "Employers in the region: [[Employer count::1,250]]" in text
    notes = page_named(session, space.id, "Vacancy notes")
    assert [a.value_text for a in annotation_service.of_revision(session, notes.current_revision_id)] == ["184"]


def test_a_mapping_file_turns_unknown_properties_into_ontology_annotations(
        database: TransactionalDatabase, session: Session, admin: User) -> None:
    space = make_space(session, admin)
    mapping = importer_module.parse_mapping('[properties]\n"Employer count" = "Employment count"\n')
    report = import_dump(database, admin, space.id, DUMPS[1], ImportOptions(mapping=mapping))
    assert report.as_dict()["unknown_properties"] == []
    care = page_named(session, space.id, "Care workers")
    values = {a.value_text for a in annotation_service.of_revision(session, care.current_revision_id)}
    assert "1250" in values
    assert "[[Employment count::1,250]]" in history(session, care)[-1].content


def test_a_mapping_to_a_property_the_ontology_lacks_is_refused_before_importing() -> None:
    with pytest.raises(InvalidMapping, match="'Employer count' -> 'Head count'"):
        importer_module.parse_mapping('[properties]\n"Employer count" = "Head count"\n')
    with pytest.raises(InvalidMapping, match="TOML"):
        importer_module.parse_mapping("[properties\n")


def test_categories_and_redirects(client, session: Session, database) -> None:
    admin = make_person(session, Role.admin)
    space = make_space(session, admin.user)
    import_dump(database, admin.user, space.id, DUMPS[0])
    care = page_named(session, space.id, "Care workers")
    assert set(session.scalars(select(PageCategory.name).where(PageCategory.page_id == care.id))) == {
        "Occupation profile", "Health and social care"}
    listed = client.get("/api/pages", params={"space_id": space.id, "category": "Occupation profile"},
                        headers=admin.headers).json()["items"]
    assert {item["title"] for item in listed} == {"Care workers", "Nurses"}
    found = client.get(f"/api/spaces/{space.id}/pages/Carers", headers=admin.headers)
    assert found.status_code == 200, found.text
    assert found.json()["id"] == care.id and found.json()["redirected_from"] == "Carers"
    assert page_named(session, space.id, "Carers") is None


def test_running_the_same_import_again_changes_nothing(
        database: TransactionalDatabase, session: Session, admin: User) -> None:
    space = make_space(session, admin)
    import_dump(database, admin, space.id, DUMPS[0])
    before = revision_count(session, space.id)
    again = import_dump(database, admin, space.id, DUMPS[0])
    other_schema = import_dump(database, admin, space.id, DUMPS[1])
    assert revision_count(session, space.id) == before == 17
    for report in (again, other_schema):
        assert (report.revisions_imported, report.pages_created, report.redirects) == (0, 0, 0)
        assert report.revisions_already_imported == 18 and report.pages_unchanged == 5
        assert report.problems == []


def test_an_interrupted_import_leaves_no_half_page_and_a_rerun_completes(
        database: TransactionalDatabase, session: Session, admin: User, monkeypatch: pytest.MonkeyPatch) -> None:
    space = make_space(session, admin)
    real_save = importer_module._PageImport._save
    saved: list[str] = []

    def crash_mid_page(self, target, revision, result):
        if self.page.title == "Vacancy notes" and len([t for t in saved if t == "Vacancy notes"]) == 5:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C, or the machine went down
        saved.append(self.page.title)
        return real_save(self, target, revision, result)

    monkeypatch.setattr(importer_module._PageImport, "_save", crash_mid_page)
    with pytest.raises(KeyboardInterrupt):
        import_dump(database, admin, space.id, DUMPS[0])
    session.expire_all()
    assert page_named(session, space.id, "Vacancy notes") is None
    assert session.scalar(select(func.count()).select_from(ImportedRevision).where(
        ImportedRevision.source_title == "Vacancy notes")) == 0
    assert len(history(session, page_named(session, space.id, "Care workers"))) == 3

    monkeypatch.setattr(importer_module._PageImport, "_save", real_save)
    resumed = import_dump(database, admin, space.id, DUMPS[0])
    assert resumed.pages_created == 1 and resumed.revisions_imported == 12 and resumed.redirects == 1
    assert resumed.revisions_already_imported == 5  # Main Page, Care workers (3), Nurses
    assert len(history(session, page_named(session, space.id, "Vacancy notes"))) == 12
    assert revision_count(session, space.id) == 17


def test_unknown_namespace_and_huge_page_are_reported_and_not_imported(
        database: TransactionalDatabase, session: Session, admin: User, tmp_path: Path) -> None:
    space = make_space(session, admin)
    text = DUMPS[0].read_text("utf-8")
    nurses_at = text.index("<title>Nurses</title>")
    changed = text[:nurses_at] + text[nurses_at:].replace("<ns>0</ns>", "<ns>3000</ns>", 1)
    dump = tmp_path / "dump.xml"
    dump.write_text(changed, "utf-8")
    report = import_dump(database, admin, space.id, dump, ImportOptions(max_page_chars=500))
    problems = {p["title"]: p["problem"] for p in report.problems}
    assert "Namespace 3000 is not declared" in problems["Nurses"]
    assert "more than the limit of 500" in problems["Care workers"]  # its revisions have 602 characters
    assert {p.title for p in session.scalars(select(Page).where(Page.space_id == space.id))} == {"Vacancy notes"}
    assert "no such page" in problems["Carers"]  # its target was not imported


def test_a_title_already_used_by_a_page_of_the_space_is_left_alone(
        database: TransactionalDatabase, session: Session, admin: User) -> None:
    from tests.factories import make_page

    space = make_space(session, admin)
    mine = make_page(session, admin, space, title="Nurses", content="Our own notes.\n")
    report = import_dump(database, admin, space.id, DUMPS[0])
    assert "already has a page titled 'Nurses'" in {p["title"]: p["problem"] for p in report.problems}["Nurses"]
    assert [r.content for r in history(session, mine)] == ["Our own notes.\n"]


def test_importing_needs_edit_rights_in_the_space(
        database: TransactionalDatabase, session: Session, admin: User) -> None:
    adviser = make_user(session)
    private = personal_space(session, adviser)
    with pytest.raises(Exception) as refused:
        import_dump(database, admin, private.id, DUMPS[0])
    assert getattr(refused.value, "status", None) in (403, 404)
    assert session.scalar(select(func.count()).select_from(Page).where(Page.space_id == private.id)) == 0


def test_imported_pages_of_a_members_only_space_stay_private(client, session: Session, database) -> None:
    admin = make_person(session, Role.admin)
    member, outsider = make_person(session), make_person(session)
    space = make_space(session, admin.user, members={member.user: MemberRole.reader})
    import_dump(database, admin.user, space.id, DUMPS[0])
    care = page_named(session, space.id, "Care workers")
    assert client.get(f"/api/pages/{care.id}", headers=member.headers).status_code == 200
    assert client.get(f"/api/pages/{care.id}", headers=outsider.headers).status_code == 404
    listed = client.get("/api/pages", params={"space_id": space.id}, headers=outsider.headers)
    assert listed.status_code in (200, 404) and (listed.status_code == 404 or listed.json()["items"] == [])


def test_maturity_is_scored_once_on_the_imported_history(
        database: TransactionalDatabase, session: Session, admin: User) -> None:
    from app.quality.models import MaturitySnapshot, PageMaturity

    space = make_space(session, admin)
    import_dump(database, admin, space.id, DUMPS[0])
    notes = page_named(session, space.id, "Vacancy notes")
    assert session.get(PageMaturity, notes.id) is not None
    assert session.scalar(select(func.count()).select_from(MaturitySnapshot).where(
        MaturitySnapshot.page_id == notes.id)) == 1  # not one per imported revision


def test_a_newer_dump_adds_only_the_newer_revisions(
        database: TransactionalDatabase, session: Session, admin: User, tmp_path: Path) -> None:
    space = make_space(session, admin)
    text = DUMPS[0].read_text("utf-8")
    start = text.index("<title>Vacancy notes</title>")
    end = text.index("</page>", start)
    cut = text.index("<revision>", text.index("<comment>Monthly update 7</comment>", start) - 400)
    older = tmp_path / "older.xml"
    older.write_text(text[:cut] + text[end:], "utf-8")  # the wiki as it was after the sixth update
    first = import_dump(database, admin, space.id, older)
    notes = page_named(session, space.id, "Vacancy notes")
    assert first.revisions_imported == 11 and len(history(session, notes)) == 6
    newer = import_dump(database, admin, space.id, DUMPS[0])
    assert (newer.pages_created, newer.pages_updated, newer.revisions_imported) == (0, 1, 6)
    assert [r.summary for r in history(session, notes)] == [f"Monthly update {i}" for i in range(1, 13)]


def test_newer_revisions_are_not_added_to_a_page_moved_out_of_the_import_space(
        database: TransactionalDatabase, session: Session, admin: User, tmp_path: Path) -> None:
    space, elsewhere = make_space(session, admin), make_space(session, admin)
    text = DUMPS[0].read_text("utf-8")
    start = text.index("<title>Vacancy notes</title>")
    end = text.index("</page>", start)
    cut = text.index("<revision>", text.index("<comment>Monthly update 7</comment>", start) - 400)
    older = tmp_path / "older.xml"
    older.write_text(text[:cut] + text[end:], "utf-8")
    import_dump(database, admin, space.id, older)
    notes = page_named(session, space.id, "Vacancy notes")
    pages.move_page(session, admin, pages.get_access(session, admin, notes.id, need=Right.edit), "Vacancy notes",
                    elsewhere.id, "Moved to the team space")
    session.flush()
    before = len(history(session, notes))
    newer = import_dump(database, admin, space.id, DUMPS[0])
    problems = {p["title"]: p["problem"] for p in newer.problems}
    assert "moved to another space" in problems["Vacancy notes"]
    assert len(history(session, notes)) == before and newer.revisions_imported == 0


def test_a_redirect_to_a_redirect_leads_to_the_page(client, session: Session, database, tmp_path: Path) -> None:
    admin = make_person(session, Role.admin)
    space = make_space(session, admin.user)
    text = DUMPS[0].read_text("utf-8")
    carers = text.rindex("<page>", 0, text.index("<title>Carers</title>"))
    block = text[carers:text.index("</page>", carers) + len("</page>")]
    chained = (block.replace("<title>Carers</title>", "<title>Care staff</title>")
               .replace("<id>4</id>", "<id>40</id>", 1).replace('title="Care workers"', 'title="Carers"')
               .replace("<id>6</id>", "<id>60</id>", 1).replace("[[Care workers]]", "[[Carers]]"))
    assert chained.count("Carers") == 2 and chained != block
    dump = tmp_path / "chain.xml"
    dump.write_text(text[:carers] + chained + "\n  " + text[carers:], "utf-8")  # before its target redirect
    report = import_dump(database, admin.user, space.id, dump)
    assert report.redirects == 2 and report.problems == []
    found = client.get(f"/api/spaces/{space.id}/pages/Care staff", headers=admin.headers).json()
    assert found["title"] == "Care workers" and found["redirected_from"] == "Care staff"
