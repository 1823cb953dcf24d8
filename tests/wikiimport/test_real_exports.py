"""Real exports of other wikis (Wikipedia 2002-2017, Bulgarian Wikipedia, Semantic MediaWiki test wikis; export
schemas 0.3, 0.6, 0.8 and 0.10), imported on both databases. Where each file comes from: data/README.md."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.pages.models import Page, PageAlias, PageCategory, PageLink, Revision
from app.annotations import service as annotation_service
from app.wikiimport import importer as importer_module
from app.wikiimport.convert import REVIEW_CATEGORY, WikitextConverter
from app.wikiimport.dump import DumpError, read_dump
from app.wikiimport.importer import ImportOptions, import_dump
from app.wikiimport.schemas import ImportReportRead
from tests.factories import make_person, make_space, make_user

DATA = Path(__file__).parent / "data"


class _ConversionsShared(WikitextConverter):
    """The real converter, whose converted texts outlive one import: each dump is imported on both databases,
    and pandoc (seconds for these articles) then runs once per text, not once per database."""

    caches: dict[tuple[object, ...], dict[str, object]] = {}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        key = (tuple(sorted(self.mapping.items())), tuple(sorted(self.category_prefixes)))
        self._cache = self.caches.setdefault(key, {})  # type: ignore[assignment]


@pytest.fixture(scope="module", autouse=True)
def conversions_shared_between_databases() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importer_module, "WikitextConverter", _ConversionsShared)
        yield


def page_named(session: Session, space_id: int, title: str) -> Page:
    page = session.scalar(select(Page).where(Page.space_id == space_id, Page.title == title))
    assert page is not None, f"no page '{title}' was imported"
    return page


def history(session: Session, page: Page) -> list[Revision]:
    return list(session.scalars(select(Revision).where(Revision.page_id == page.id).order_by(Revision.number)))


def categories(session: Session, page: Page) -> set[str]:
    return set(session.scalars(select(PageCategory.name).where(PageCategory.page_id == page.id)))


def linked(session: Session, page: Page) -> set[str]:
    return set(session.scalars(select(PageLink.target_title).where(PageLink.page_id == page.id)))


def kept_block(content: str) -> str:
    """The first part kept as wikitext, from its note to the end of the lines found in it."""
    start = content.index("> **Kept as wikitext for review:**")
    end = content.find("\n## ", start)
    return content[start:end if end >= 0 else len(content)]


def test_a_wikipedia_article_whose_table_has_an_unclosed_quote_is_imported_with_that_part_kept_and_flagged(
        client, session: Session, database) -> None:
    """en.wikipedia "Pear" (2014): `{| class="sortable wikitable" style="float:left;` has no closing quote.
    MediaWiki shows the table; pandoc's reader refuses the whole text. Before, the page was dropped."""
    admin = make_person(session, Role.admin)
    space = make_space(session, admin.user)
    report = import_dump(database, admin.user, space.id, DATA / "wikipedia-pear-schema-0.10.xml")

    assert (report.schema_version, report.generator) == ("0.10", "MediaWiki 1.25wmf12")
    assert report.problems == [] and report.pages_created == 1 and report.revisions_kept_as_wikitext == 1
    pear = page_named(session, space.id, "Pear")
    [flagged] = report.needs_review
    assert flagged["title"] == "Pear" and flagged["page_id"] == pear.id and flagged["current_revision"]
    assert flagged["source_revision_ids"] == [638548877]
    assert flagged["reasons"] == [
        "pandoc could not read the line `{| class=\"sortable wikitable\" style=\"float:left;` (unexpected 's')"]
    assert ImportReportRead(**report.as_dict()).needs_review[0].page_id == pear.id  # what the API answers

    [revision] = history(session, pear)
    content = revision.content
    assert revision.imported_author == "ClueBot NG"
    assert "\n## Etymology\n\nThe English word “pear” is probably from Common West Germanic *pera*" in content
    kept = kept_block(content)
    assert '~~~mediawiki\n' in kept and '{| class="sortable wikitable" style="float:left;\n' in kept
    assert content.count("~~~mediawiki\n") >= 2  # the infobox at the top is a fenced block too
    assert content.startswith("~~~mediawiki\n{{Redirect|Pyrus}}\n{{Other uses}}\n{{stack begin}}\n{{Taxobox\n")
    assert "\\{" not in content and "\\}" not in content  # template calls are never backslash-escaped
    assert kept.startswith("> **Kept as wikitext for review:**") and "~~~mediawiki\n==Production==\n" in kept
    assert kept.rstrip().endswith("Found in it: [[FAO|UN Food & Agriculture Organization]]")
    assert "FAO" in linked(session, pear)  # a link inside the kept wikitext still counts
    assert categories(session, pear) == {"Pears", "Flora of Asia", "Flora of Europe", "Pyrus", REVIEW_CATEGORY}

    listed = client.get("/api/pages", params={"space_id": space.id, "category": REVIEW_CATEGORY},
                        headers=admin.headers)
    assert listed.status_code == 200, listed.text
    assert [item["title"] for item in listed.json()["items"]] == ["Pear"]
    html = client.get(f"/api/pages/{pear.id}", headers=admin.headers).json()["html"]
    assert "<strong>Kept as wikitext for review:</strong>" in html
    assert '<pre><code class="language-mediawiki">==Production==\n' in html


def test_wikipedia_2016_articles_pandoc_refuses_are_kept_in_part_and_the_rest_of_the_import_goes_on(
        database, session: Session) -> None:
    """A 2016 en.wikipedia dump: "Alaska" has `{| class="wikitable sortable" font-size:80%;"` (cut to three of its
    sections), "Amateur astronomy" a `</ref>` on the line after a list item; "AccessibleComputing" redirects to a
    page the extract does not have."""
    admin = make_user(session, Role.admin)
    space = make_space(session, admin)
    report = import_dump(database, admin, space.id, DATA / "wikipedia-2016-extract-schema-0.10.xml")

    assert report.pages_created == 2 and report.revisions_kept_as_wikitext == 2
    assert [p["title"] for p in report.problems] == ["AccessibleComputing"]
    assert "no such page" in report.problems[0]["problem"]
    reasons = {entry["title"]: entry["reasons"] for entry in report.needs_review}
    assert reasons == {
        "Alaska": ["pandoc could not read the line `{| class=\"wikitable sortable\" font-size:80%;\"` "
                   "(unexpected 'f')"],
        "Amateur astronomy": ["pandoc could not read the line `</ref>` (unexpected (TagClose \"ref\",\"</ref>\"))"],
    }
    alaska = page_named(session, space.id, "Alaska")
    content = history(session, alaska)[-1].content
    assert kept_block(content).count("~~~mediawiki\n===Religion===\n") == 1  # only the refused section is kept
    assert "\n## See also\n" in content and "\n## References\n" in content
    assert {"Catholic Church", "Unchurched Belt", "Evangelical Protestant"} <= linked(session, alaska)
    assert categories(session, alaska) >= {"Alaska", "States of the United States", REVIEW_CATEGORY}
    astronomy = history(session, page_named(session, space.id, "Amateur astronomy"))[-1].content
    assert "~~~mediawiki\n== Notable amateur astronomers ==\n{{Main|Category:Amateur astronomers}}\n" in astronomy
    assert astronomy.startswith("~~~mediawiki\n{{redirect|Amateur astronomer|the magazine|The Amateur Astronomer}}\n")
    assert "\n## Common tools\n" in astronomy  # the sections pandoc reads are converted


def test_wikipedia_exports_of_schema_0_3_import_with_their_2002_history_and_a_redirect_without_target(
        database, session: Session) -> None:
    """Schema 0.3 (MediaWiki 1.15/1.16) has no <ns> and writes a redirect as an empty <redirect />."""
    admin = make_user(session, Role.admin)
    space = make_space(session, admin)
    pear_report = import_dump(database, admin, space.id, DATA / "wikipedia-pear-schema-0.3.xml")
    pyrus_report = import_dump(database, admin, space.id, DATA / "wikipedia-pyrus-schema-0.3.xml")

    assert (pear_report.schema_version, pear_report.generator) == ("0.3", "MediaWiki 1.15alpha")
    assert pear_report.revisions_imported == 4 and pear_report.problems == [] == pear_report.needs_review
    pear = page_named(session, space.id, "Pear")
    revisions = history(session, pear)
    assert [r.imported_author for r in revisions] == ["Conversion script", "Quercusrobur", "Mav", "PierreAbbat"]
    assert [r.created_at.year for r in revisions] == [2002] * 4
    assert [r.minor for r in revisions] == [False, False, True, True]  # a page's first revision is never minor
    assert revisions[-1].content.startswith("Pears are [[Tree|tree]]s of the [[Genus|genus]] *Pyrus*")
    assert pyrus_report.redirects == 1 and pyrus_report.problems == []
    alias = session.scalar(select(PageAlias).where(PageAlias.space_id == space.id, PageAlias.title == "Pyrus"))
    assert alias is not None and alias.page_id == pear.id


def test_a_bulgarian_wikipedia_export_in_utf16_keeps_its_localised_categories(database, session: Session) -> None:
    admin = make_user(session, Role.admin)
    space = make_space(session, admin)
    report = import_dump(database, admin, space.id, DATA / "wikipedia-bg-utf16-schema-0.10.xml")

    assert report.sitename == "Уикипедия" and report.problems == [] and report.needs_review == []
    assert report.skipped_namespaces == {"Уикипедия": 1}
    page = page_named(session, space.id, "Григориански календар")
    content = history(session, page)[-1].content
    assert "**Григорианският календар**" in content and "[[Категория:" not in content
    assert "Календари" in categories(session, page)  # [[Категория:Календари]]: the wiki's own category prefix


def test_semantic_mediawiki_exports_of_schema_0_6_and_0_8_type_their_annotations(database, session: Session) -> None:
    """SMW's own test wikis (MediaWiki 1.19.7 and 1.23.9): date annotations mapped to an ontology property, the
    examples inside <nowiki> left as text, Property pages skipped."""
    admin = make_user(session, Role.admin)
    space = make_space(session, admin)
    dates = import_dump(database, admin, space.id, DATA / "smw-dates-schema-0.6.xml",
                        ImportOptions(mapping={"Has date": "Valid until"}))
    other = import_dump(database, admin, space.id, DATA / "smw-schema-0.8.xml")

    assert (dates.schema_version, other.schema_version) == ("0.6", "0.8")
    assert dates.skipped_namespaces == {"Property": 3} and other.skipped_namespaces == {"Property": 1}
    page = page_named(session, space.id, "TimeDataTypeRegressionTest")
    typed = [a.value_date for a in annotation_service.of_revision(session, page.current_revision_id)]
    assert "2000-02-22" in {str(day) for day in typed if day is not None}
    refused = {entry["annotation"] for entry in dates.as_dict()["invalid_annotations"]}
    assert "Has date::14000000000 BC" in refused  # kept as text and reported, with the reason
    content = history(session, page)[-1].content
    assert "| `[[Has date::2000-02-22]]` | [[Valid until::2000-02-22]] | MySQL date format |" in content  # nowiki: text
    assert "| `[[Has date::14000000000 BC]]` | `[[Has date::14000000000 BC]]` |" in content  # refused: shown as text
    # an #ask query is shown as its wikitext; the [[...]] in it is a query condition, not an annotation
    assert "~~~mediawiki\n{{#ask: [[Has query date::+]]|?Has query date|?Has query date#ISO|?Has query date#GR}}\n~~~" in content
    assert dates.templates_kept_as_text["#ask"] == 2
    assert [u["property"] for u in other.as_dict()["unknown_properties"]] == ["ImportTest"]


@pytest.mark.parametrize("version", ["0.1", "0.2", "0.12"])
def test_an_export_schema_outside_0_3_to_0_11_is_refused_in_words(version: str) -> None:
    import io

    real = (DATA / "wikipedia-pear-schema-0.3.xml").read_text("utf-8").replace("export-0.3", f"export-{version}")
    real = real.replace('version="0.3"', f'version="{version}"')
    with pytest.raises(DumpError, match=f"version {version} is not supported: this reads versions 0.3 to 0.11"):
        read_dump(io.BytesIO(real.encode()))
