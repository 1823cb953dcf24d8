"""The import report as the admin API answers it."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from app.schema import Schema

_EXAMPLE = {
    "space": "north-east", "source": "careerswiki|http://wiki.example.org/index.php/Main_Page",
    "sitename": "Careers Wiki", "generator": "MediaWiki 1.39.17", "schema_version": "0.11",
    "pages_in_dump": 8, "pages_created": 4, "pages_updated": 0, "pages_unchanged": 0, "redirects": 1,
    "revisions_imported": 17, "revisions_already_imported": 0, "revisions_without_changes": 0,
    "revisions_kept_as_wikitext": 1,
    "skipped_namespaces": {"Category": 1, "Talk": 1, "Template": 1},
    "unknown_properties": [{"property": "Employer count", "count": 1, "example_pages": ["Care workers"],
                            "reason": "'Employer count' is not a property of the LMI ontology. Did you mean "
                                      "'Employment count' or 'Vacancies'?"}],
    "invalid_annotations": [],
    "templates_kept_as_text": {"Infobox job": 1},
    "problems": [{"title": "Huge page", "source_page_id": 41,
                  "problem": "A revision has 2,400,000 characters, more than the limit of 2,000,000; the page was "
                             "not imported (none of its revisions). Split it on the source wiki or raise the limit."}],
    "needs_review": [{"title": "Pear", "source_page_id": 24278, "page_id": 12, "source_revision_ids": [638548877],
                      "current_revision": True,
                      "reasons": ["pandoc could not read the line `{| class=\"sortable wikitable\" style=\"float:left;` "
                                  "(unexpected 's')"]}],
    "seconds": 0.57, "pages_per_second": 14.0,
}


class AnnotationTallyRead(Schema):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_EXAMPLE["unknown_properties"][0]]})

    property: str | None = Field(None, description="For unknown properties: the property's name on the wiki.")
    annotation: str | None = Field(None, description="For refused values: `Property::Value` as written.")
    count: int = Field(description="How often it occurs in the pages' current text.")
    example_pages: list[str] = Field(description="Up to three pages where it occurs.")
    reason: str = Field(description="Why it was kept as text, with what the ontology would accept.")


class PageProblemRead(Schema):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_EXAMPLE["problems"][0]]})

    title: str
    source_page_id: int = Field(description="The page id on the source wiki.")
    problem: str = Field(description="Why the page (all of it) was not imported, and what to do.")


class NeedsReviewRead(Schema):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_EXAMPLE["needs_review"][0]]})

    title: str
    source_page_id: int = Field(description="The page id on the source wiki.")
    page_id: int = Field(description="The page here.")
    source_revision_ids: list[int] = Field(description="The source wiki's revisions that keep some wikitext.")
    current_revision: bool = Field(
        description="The page's current revision is one of them: it is in the category "
                    "'Imported pages needing review' until someone rewrites the kept wikitext and removes it.")
    reasons: list[str] = Field(description="What pandoc could not convert, with the wikitext line it stopped at.")


class ImportReportRead(Schema):
    """What one import did. Pages listed under `problems` were not touched at all."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_EXAMPLE]})

    space: str = Field(description="The key of the space imported into.")
    source: str = Field(description="The source wiki's identity in the import ledger (database name | base URL).")
    sitename: str
    generator: str = Field(description="The MediaWiki version that wrote the export.")
    schema_version: str = Field(description="The export schema: 0.10 or 0.11.")
    pages_in_dump: int
    pages_created: int
    pages_updated: int = Field(description="Pages imported before that got newer revisions.")
    pages_unchanged: int = Field(description="Pages whose every revision was imported before.")
    redirects: int = Field(description="Redirects kept as alias titles of their target page.")
    revisions_imported: int
    revisions_already_imported: int
    revisions_without_changes: int = Field(description="Revisions identical to the one before (no new revision).")
    revisions_kept_as_wikitext: int = Field(
        description="Imported revisions with parts pandoc could not convert, kept as their wikitext (see needs_review).")
    skipped_namespaces: dict[str, int] = Field(description="Pages outside the main namespace, by namespace.")
    unknown_properties: list[AnnotationTallyRead] = Field(
        description="`[[Property::Value]]` whose property is not in the ontology: kept as text. Map them with "
                    "`map=Wiki property=Ontology property` and import again.")
    invalid_annotations: list[AnnotationTallyRead] = Field(
        description="Annotations of known properties whose value the ontology refuses: kept as text.")
    templates_kept_as_text: dict[str, int] = Field(description="Template calls shown as their wikitext, by name.")
    problems: list[PageProblemRead]
    needs_review: list[NeedsReviewRead] = Field(
        description="Pages imported with parts kept as wikitext in a fenced block (pandoc could not convert them; "
                    "their links, categories and annotations still count). Listed by "
                    "`GET /api/pages?category=Imported pages needing review` while their current revision has them.")
    seconds: float
    pages_per_second: float
