"""RDF for pages, revisions and whole spaces: annotations plus metadata and the PROV-O revision chain.

IRIs are minted under the configured base (`MATURE_BASE_IRI`): `<base>id/page/12`,
`<base>id/revision/40`, `<base>id/person/3`, `<base>id/space/2`; the named graph of a space is
`<base>graph/space/2`. The same functions feed content negotiation, the dump and the SPARQL store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pyoxigraph as ox
from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV
from rdflib.term import Node

from app.annotations.models import PageAnnotation
from app.annotations.values import canonical_decimal
from app.annotations.vocabulary import LMI, SCHEMA


@dataclass(frozen=True)
class Iris:
    """Mints the service's stable IRIs from one base."""

    base: str

    def page(self, page_id: int) -> URIRef:
        return URIRef(f"{self.base}id/page/{page_id}")

    def revision(self, revision_id: int) -> URIRef:
        return URIRef(f"{self.base}id/revision/{revision_id}")

    def person(self, user_id: int) -> URIRef:
        return URIRef(f"{self.base}id/person/{user_id}")

    def space(self, space_id: int) -> URIRef:
        return URIRef(f"{self.base}id/space/{space_id}")

    def space_graph(self, space_id: int) -> URIRef:
        return URIRef(f"{self.base}graph/space/{space_id}")


@dataclass(frozen=True)
class RevisionFacts:
    id: int
    number: int
    parent_id: int | None
    author_id: int
    created_at: object
    summary: str
    minor: bool


@dataclass(frozen=True)
class PageFacts:
    """Everything the RDF of one page needs, gathered from the database by the caller."""

    id: int
    title: str
    space_id: int
    space_name: str
    created_at: object
    updated_at: object
    created_by: int
    categories: Sequence[str]
    annotations: Sequence[PageAnnotation]
    revisions: Sequence[RevisionFacts]
    current_revision_id: int
    people: dict[int, str]
    page_titles: dict[str, int]  # title key -> page id, for page-valued annotations
    tagged_topics: Sequence[str] = ()  # IRIs of the topics readers tagged the page with


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in (("lmi", LMI._NS), ("schema", SCHEMA), ("dcterms", DCTERMS), ("prov", PROV),
                              ("foaf", FOAF)):
        graph.bind(prefix, namespace)
    return graph


def page_triples(iris: Iris, facts: PageFacts) -> list[tuple[Node, Node, Node]]:
    """The triples describing a page as it is now."""
    page = iris.page(facts.id)
    triples: list[tuple[Node, Node, Node]] = [
        (page, RDF.type, LMI.Page),
        (page, DCTERMS.title, Literal(facts.title)),
        (page, LMI.space, iris.space(facts.space_id)),
        (iris.space(facts.space_id), RDF.type, LMI.Space),
        (iris.space(facts.space_id), DCTERMS.title, Literal(facts.space_name)),
        (page, DCTERMS.created, Literal(facts.created_at, datatype=XSD.dateTime)),
        (page, DCTERMS.modified, Literal(facts.updated_at, datatype=XSD.dateTime)),
        (page, DCTERMS.creator, iris.person(facts.created_by)),
        (page, LMI.currentRevision, iris.revision(facts.current_revision_id)),
    ]
    triples += [(page, LMI.category, Literal(name)) for name in facts.categories]
    triples += annotation_triples(iris, page, facts.annotations, facts.page_titles)
    triples += [(page, DCTERMS.subject, URIRef(iri)) for iri in facts.tagged_topics]
    for revision in facts.revisions:
        triples += revision_triples(iris, facts.id, revision)
    for author in {r.author_id for r in facts.revisions}:
        triples.append((page, DCTERMS.contributor, iris.person(author)))
    for person_id, name in facts.people.items():
        triples += [(iris.person(person_id), RDF.type, LMI.Person), (iris.person(person_id), FOAF.name, Literal(name))]
    return triples


def revision_triples(iris: Iris, page_id: int, revision: RevisionFacts) -> list[tuple[Node, Node, Node]]:
    """A revision in PROV-O: what it specialises, what it revised, who made it and when."""
    node = iris.revision(revision.id)
    triples: list[tuple[Node, Node, Node]] = [
        (node, RDF.type, LMI.Revision),
        (node, PROV.specializationOf, iris.page(page_id)),
        (node, LMI.revisionNumber, Literal(revision.number)),
        (node, PROV.wasAttributedTo, iris.person(revision.author_id)),
        (node, PROV.generatedAtTime, Literal(revision.created_at, datatype=XSD.dateTime)),
        (node, LMI.minorEdit, Literal(revision.minor)),
    ]
    if revision.summary:
        triples.append((node, DCTERMS.description, Literal(revision.summary)))
    if revision.parent_id is not None:
        triples.append((node, PROV.wasRevisionOf, iris.revision(revision.parent_id)))
    return triples


def annotation_triples(iris: Iris, subject: URIRef, annotations: Iterable[PageAnnotation],
                       page_titles: dict[str, int]) -> list[tuple[Node, Node, Node]]:
    """Each typed annotation as a statement about the subject (money as a schema:MonetaryAmount)."""
    triples: list[tuple[Node, Node, Node]] = []
    for row in annotations:
        prop = URIRef(row.property_iri)
        if row.kind == "money":
            amount = URIRef(f"{subject}#amount-{row.position}")
            triples += [(subject, prop, amount), (amount, RDF.type, SCHEMA.MonetaryAmount),
                        (amount, SCHEMA.value, _decimal(row.value_text.split()[0])),
                        (amount, SCHEMA.currency, Literal(row.unit))]
        else:
            triples.append((subject, prop, _value(iris, row, page_titles)))
    return triples


def _value(iris: Iris, row: PageAnnotation, page_titles: dict[str, int]) -> Node:
    if row.kind in ("concept", "url"):
        return URIRef(row.value_iri or row.value_text)
    if row.kind == "date":
        return Literal(row.value_date, datatype=XSD.date)
    if row.kind == "integer":
        return Literal(int(row.value_text), datatype=XSD.integer)
    if row.kind == "decimal":
        return _decimal(row.value_text)
    if row.kind == "page":
        page_id = page_titles.get(row.value_text.casefold())
        return iris.page(page_id) if page_id is not None else Literal(row.value_text)
    return Literal(row.value_text)


def _decimal(text: str) -> Literal:
    """xsd:decimal in canonical form, so every serialisation round-trips to the same literal."""
    return Literal(canonical_decimal(Decimal(text)), datatype=XSD.decimal)


# Turtle and N-Triples by Oxigraph: rdflib's Turtle writer sorts and groups in Python and took
# 12.6 s for a page of 40,000 facts (bench/big_save.py); JSON-LD and RDF/XML keep rdflib's shapes.
_OXIGRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}
PREFIXES = {"lmi": str(LMI._NS), "schema": str(SCHEMA), "dcterms": str(DCTERMS), "prov": str(PROV),
            "foaf": str(FOAF), "rdf": str(RDF), "xsd": str(XSD)}


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as pyoxigraph's (the Turtle writer here and the SPARQL store both need it)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    raise TypeError(f"not an RDF term: {term!r}")


def _subject(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> ox.NamedNode | ox.BlankNode:
    if isinstance(term, ox.Literal):
        raise TypeError(f"a literal cannot be a subject: {term!r}")
    return term


def _predicate(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> ox.NamedNode:
    if not isinstance(term, ox.NamedNode):
        raise TypeError(f"a predicate must be an IRI: {term!r}")
    return term


def serialise(triples: Iterable[tuple[Node, Node, Node]], rdf_format: str) -> bytes:
    if rdf_format in _OXIGRAPH_FORMATS:
        unique = dict.fromkeys(ox.Triple(_subject(to_oxigraph(s)), _predicate(to_oxigraph(p)), to_oxigraph(o))
                               for s, p, o in triples)
        prefixes = PREFIXES if rdf_format == "turtle" else None
        body = ox.serialize(unique, format=_OXIGRAPH_FORMATS[rdf_format], prefixes=prefixes)
        assert body is not None  # None only when an output file is given
        return body
    graph = new_graph()
    for triple in triples:
        graph.add(triple)
    return graph.serialize(format=rdf_format, encoding="utf-8")
