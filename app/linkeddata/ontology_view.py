"""The ontology as JSON for widgets: which properties exist, what they accept, which concepts."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from app.annotations.ontology import Ontology
from app.schema import Schema

_CONCEPT = {"iri": "https://w3id.org/mature-lmi/regions/north-east", "label": "North East", "alt_labels": [],
            "broader": ["https://w3id.org/mature-lmi/regions/england"]}
_PROPERTY = {
    "iri": "https://w3id.org/mature-lmi/ontology#region", "curie": "lmi:region", "label": "Region",
    "alt_labels": ["Area", "Location"], "value_type": "concept", "expected": "one of the concepts of its scheme",
    "unit": None, "concepts": [_CONCEPT],
}


class ConceptRead(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [_CONCEPT]})

    iri: str
    label: str
    alt_labels: list[str]
    broader: list[str]


class PropertyRead(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [_PROPERTY]})

    iri: str
    curie: str
    label: str
    alt_labels: list[str]
    value_type: str = Field(description="date, integer, decimal, text, url, money, page or concept")
    expected: str = Field(description="What a value must look like, in words.")
    unit: str | None
    concepts: list[ConceptRead] = Field(default_factory=list, description="For concept-valued properties.")


class OntologyRead(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"properties": [_PROPERTY]}]})

    properties: list[PropertyRead]


def summary(ontology: Ontology) -> OntologyRead:
    """Every annotation property with what it accepts (and its concepts), sorted by label."""
    return OntologyRead(properties=[
        PropertyRead(
            iri=str(spec.iri), curie=spec.curie, label=spec.label, alt_labels=list(spec.alt_labels),
            value_type=spec.value_type.value, expected=spec.expected, unit=spec.unit,
            concepts=[ConceptRead(iri=str(c.iri), label=c.label, alt_labels=list(c.alt_labels),
                                  broader=[str(b) for b in c.broader])
                      for c in ontology.concepts_in(spec.scheme)] if spec.scheme else [],
        )
        for spec in sorted(ontology.properties.values(), key=lambda spec: spec.label)
    ])
