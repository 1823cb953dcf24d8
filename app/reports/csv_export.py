"""The report as CSV for spreadsheets: one row per topic, names joined in one cell."""

from __future__ import annotations

import csv
import io

from app.reports.schemas import PersonLevel, SkillsGapReport

COLUMNS = ("topic", "topic_iri", "priority", "level", "required", "available", "gap", "single_point_of_failure",
           "people", "hidden_people", "training_candidates", "hidden_candidates", "external_contacts",
           "hidden_contacts", "narrower_topics", "pages", "mature_pages")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A cell a spreadsheet shows as text: values that would start a formula get a leading apostrophe."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _names(people: list[PersonLevel]) -> str:
    return "; ".join(f"{p.name} ({p.level:g})" for p in people)


def render(report: SkillsGapReport) -> str:
    """The CSV text (RFC 4180, CRLF line ends), a header row then one row per topic in the report's order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for t in report.topics:
        writer.writerow([cell(v) for v in (
            t.topic.label, t.topic.iri, t.priority, t.level, t.required, t.available, t.gap,
            "yes" if t.single_point_of_failure else "no", _names(t.people), t.hidden_people,
            _names(t.training_candidates), t.hidden_candidates, _names(t.external_contacts), t.hidden_contacts,
            t.narrower_topics, t.knowledge_base.pages, t.knowledge_base.mature_pages)])
    return out.getvalue()


def filename(report: SkillsGapReport) -> str:
    day = report.as_of.strftime("%Y-%m-%d")
    return f"skills-gap-{report.profile.id}-{day}.csv"
