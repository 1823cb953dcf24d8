"""The ontology loaded from `ontology/*.ttl`: annotation properties, concept schemes, look-ups.

Loaded once per process at start-up (`get_ontology()`); the files are the single definition of
which properties advisers may use, what type each value has and which concepts are valid.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS, XSD

from app.config import PROJECT_ROOT
from app.annotations.vocabulary import LMI, SCHEMA

ONTOLOGY_DIR = PROJECT_ROOT / "ontology"


class ValueType(str, enum.Enum):
    date = "date"
    integer = "integer"
    decimal = "decimal"
    text = "text"
    url = "url"
    money = "money"
    page = "page"
    concept = "concept"


VALUE_TYPES = {
    XSD.date: ValueType.date, XSD.integer: ValueType.integer, XSD.decimal: ValueType.decimal,
    XSD.string: ValueType.text, XSD.anyURI: ValueType.url, SCHEMA.MonetaryAmount: ValueType.money,
    LMI.Page: ValueType.page, SKOS.Concept: ValueType.concept,
}

EXPECTED = {
    ValueType.date: "a date such as 2027-03-31 or 31 March 2027",
    ValueType.integer: "a whole number such as 12500",
    ValueType.decimal: "a number such as 3.5",
    ValueType.text: "text of up to 500 characters",
    ValueType.url: "a web address starting with https:// or http://",
    ValueType.money: "an amount with its currency, such as 27500 GBP or £27,500",
    ValueType.page: "the title of a page in the same space",
    ValueType.concept: "one of the concepts of its scheme",
}


@dataclass(frozen=True)
class PropertySpec:
    iri: URIRef
    label: str
    alt_labels: tuple[str, ...]
    curie: str
    value_type: ValueType
    scheme: URIRef | None = None
    unit: str | None = None
    pattern: str | None = None
    hint: str | None = None

    @property
    def expected(self) -> str:
        if self.hint:
            return self.hint
        return EXPECTED[self.value_type] + (" (a percentage)" if self.unit == "percent" else "")


@dataclass(frozen=True)
class Concept:
    iri: URIRef
    label: str
    scheme: URIRef
    alt_labels: tuple[str, ...] = ()
    notation: str | None = None
    broader: tuple[URIRef, ...] = ()


@dataclass
class Ontology:
    """The parsed ontology and indexes for resolving what advisers type."""

    graph: Graph
    properties: dict[URIRef, PropertySpec] = field(default_factory=dict)
    concepts: dict[URIRef, Concept] = field(default_factory=dict)
    _property_names: dict[str, PropertySpec] = field(default_factory=dict)
    _concept_names: dict[tuple[URIRef, str], Concept] = field(default_factory=dict)
    _narrower: dict[URIRef, set[URIRef]] = field(default_factory=dict)

    def property(self, name: str) -> PropertySpec | None:
        """A property by label, alternative label, CURIE or full IRI (case-insensitive)."""
        return self._property_names.get(_key(name))

    def suggest_properties(self, name: str, limit: int = 3) -> list[str]:
        """The closest property labels, for 'did you mean' messages."""
        labels = {spec.label for spec in self.properties.values()}
        names = {_key(n): spec.label for n, spec in self._property_names.items() if ":" not in n}
        close = difflib.get_close_matches(_key(name), list(names), n=limit * 2, cutoff=0.5)
        return list(dict.fromkeys(names[c] for c in close if names[c] in labels))[:limit]

    def concept(self, scheme: URIRef, name: str) -> Concept | None:
        """A concept of a scheme by preferred or alternative label, notation or IRI."""
        return self._concept_names.get((scheme, _key(name)))

    def concepts_in(self, scheme: URIRef) -> list[Concept]:
        return sorted((c for c in self.concepts.values() if c.scheme == scheme), key=lambda c: c.label)

    def suggest_concepts(self, scheme: URIRef, name: str, limit: int = 5) -> list[str]:
        labels = {key: concept.label for (s, key), concept in self._concept_names.items() if s == scheme}
        close = difflib.get_close_matches(_key(name), list(labels), n=limit * 2, cutoff=0.4)
        return list(dict.fromkeys(labels[c] for c in close))[:limit]

    def with_narrower(self, concept: URIRef) -> set[URIRef]:
        """The concept and every concept below it (for 'concept including narrower' queries)."""
        found, todo = {concept}, [concept]
        while todo:
            for child in self._narrower.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found


def _key(name: str) -> str:
    return " ".join(name.replace("_", " ").split()).casefold()


def _english(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str]:
    return [str(o) for o in graph.objects(subject, predicate)
            if isinstance(o, Literal) and (o.language in (None, "en") or str(o.language).startswith("en"))]


def load_ontology(directory: Path = ONTOLOGY_DIR) -> Ontology:
    """Parse every Turtle file and index the annotation properties and concepts."""
    graph = Graph()
    for path in sorted(directory.glob("*.ttl")):
        graph.parse(path, format="turtle")
    for prefix, namespace in (("lmi", LMI._NS), ("schema", SCHEMA), ("dcterms", DCTERMS), ("prov", PROV),
                              ("skos", SKOS)):
        graph.bind(prefix, namespace, override=True)
    ontology = Ontology(graph)
    for subject in graph.subjects(RDF.type, SKOS.Concept):
        _index_concept(ontology, graph, subject)
    for subject in graph.subjects(RDF.type, LMI.PageAnnotationProperty):
        _index_property(ontology, graph, subject)
    return ontology


def _index_property(ontology: Ontology, graph: Graph, subject: URIRef) -> None:
    value_type = VALUE_TYPES[graph.value(subject, LMI.valueType)]
    label = (_english(graph, subject, RDFS.label) or _english(graph, subject, SKOS.prefLabel))[0]
    alt = tuple(_english(graph, subject, SKOS.altLabel))
    unit = graph.value(subject, LMI.unit)
    spec = PropertySpec(
        iri=subject, label=label, alt_labels=alt, curie=graph.namespace_manager.normalizeUri(subject),
        value_type=value_type, scheme=graph.value(subject, LMI.valueScheme), unit=str(unit) if unit else None,
        pattern=_optional_text(graph.value(subject, LMI.valuePattern)),
        hint=_optional_text(graph.value(subject, LMI.valueHint)),
    )
    ontology.properties[subject] = spec
    for name in (label, *alt, spec.curie, str(subject)):
        ontology._property_names[_key(name)] = spec


def _optional_text(value: object) -> str | None:
    return str(value) if value is not None else None


def _index_concept(ontology: Ontology, graph: Graph, subject: URIRef) -> None:
    scheme = graph.value(subject, SKOS.inScheme)
    labels = _english(graph, subject, SKOS.prefLabel)
    if scheme is None or not labels:
        return
    notation = graph.value(subject, SKOS.notation)
    concept = Concept(
        iri=subject, label=labels[0], scheme=scheme, alt_labels=tuple(_english(graph, subject, SKOS.altLabel)),
        notation=str(notation) if notation else None, broader=tuple(graph.objects(subject, SKOS.broader)),
    )
    ontology.concepts[subject] = concept
    for name in _names(concept):
        ontology._concept_names[(scheme, _key(name))] = concept
    for parent in concept.broader:
        ontology._narrower.setdefault(parent, set()).add(subject)
    for child in graph.objects(subject, SKOS.narrower):
        ontology._narrower.setdefault(subject, set()).add(child)


def _names(concept: Concept) -> Iterable[str]:
    yield concept.label
    yield from concept.alt_labels
    if concept.notation:
        yield concept.notation
    yield str(concept.iri)


@cache
def get_ontology() -> Ontology:
    """The process's ontology, parsed on first use (the app loads it at start-up)."""
    return load_ontology()
