"""Checking a page against ontology/shapes.ttl ("what a well-annotated LMI page has") with pyshacl."""

from __future__ import annotations

from functools import cache

from pydantic import ConfigDict, Field
from pyshacl import validate
from rdflib import Graph
from rdflib.namespace import SH

from app.annotations.ontology import ONTOLOGY_DIR, get_ontology
from app.schema import Schema


class ShapeResult(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "severity": "Violation", "property": "lmi:validUntil", "message": "Give one review date: [[Valid until::...]]"}]})

    severity: str = Field(description="Violation, Warning or Info")
    property: str | None = Field(None, description="The property concerned, as a CURIE.")
    message: str


class ShapeReport(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "conforms": False, "results": [{"severity": "Warning", "property": "dcterms:source",
                                        "message": "Say where the figures come from: add [[Source::...]]."}]}]})

    conforms: bool = Field(description="True when no violation was found (warnings may remain).")
    results: list[ShapeResult]


@cache
def _shapes() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "shapes.ttl", format="turtle")


def check(triples: list) -> ShapeReport:
    """Validate a page's triples; the vocabulary and concept schemes go into the data graph
    (sh:class checks need the concepts' types, which pyshacl's ont_graph would not copy)."""
    data = Graph()
    for triple in get_ontology().graph:
        data.add(triple)
    for triple in triples:
        data.add(triple)
    conforms, report, _ = validate(data, shacl_graph=_shapes(), inference="none", allow_warnings=True)
    namespaces = get_ontology().graph.namespace_manager
    results = []
    for result in report.subjects(SH.resultSeverity, None):
        severity = report.value(result, SH.resultSeverity)
        path = report.value(result, SH.resultPath)
        results.append(ShapeResult(
            severity=str(severity).rsplit("#", 1)[-1],
            property=namespaces.normalizeUri(path) if path is not None else None,
            message=str(report.value(result, SH.resultMessage) or "Does not conform."),
        ))
    results.sort(key=lambda r: (r.severity != "Violation", r.property or "", r.message))
    return ShapeReport(conforms=bool(conforms), results=results)
