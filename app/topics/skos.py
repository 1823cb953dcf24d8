"""The topic scheme as SKOS: export (Turtle, JSON-LD ...) and import without duplicating concepts.

Identity is the IRI. An import never merges two of its own concepts, even when they share a label
(a parent and a child occupation both "Economists" stay two topics with their own IRIs and links). A
concept whose IRI is new may match a topic that was here *before* the import by its English preferred
label against our labels and synonyms (ignoring case), and only when that is unambiguous: exactly one
live topic has it and no other concept of the file has the same label. A matching candidate becomes the
concept (its old IRI redirects); a matching concept keeps its IRI and the imported IRI redirects to it.
`match_labels=False` matches by IRI only.

Relative IRIs are resolved against the file's own base (@base, xml:base, @base in JSON-LD), else against
the `base` the importer gives, else the concepts they name are refused, each listed in the report with
the reason; nothing is ever resolved against the server's directory and no relative or invalid IRI is
stored. skos:related links and labels in other languages (skos:prefLabel/altLabel per language tag) are
kept and exported back; the display label stays the English (or untagged) one. `ontology/topics.ttl`
seeds the database through this same import, at start-up and in `mature demo`, skipping the work when
the file has not changed since it was last seeded.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS, XSD
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.annotations.ontology import ONTOLOGY_DIR
from app.annotations.vocabulary import LMI
from app.auth.models import User
from app.db import utcnow
from app.security import rdf_input
from app.topics import service as topics
from app.topics.exceptions import InvalidScheme
from app.topics.models import (
    TopicBroader,
    TopicChange,
    TopicConcept,
    TopicLabel,
    TopicLanguageLabel,
    TopicRelated,
    TopicStatus,
)

log = logging.getLogger(__name__)

TOPICS_FILE = ONTOLOGY_DIR / "topics.ttl"
SCHEME = LMI.TopicScheme
SEEDED = "scheme.seeded"
PARSE_FORMATS = {
    "text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


# ---------------------------------------------------------------- export


def export_graph(session: Session) -> Graph:
    """The scheme as an rdflib graph (see `export_triples`)."""
    graph = Graph()
    for prefix, namespace in EXPORT_PREFIXES.items():
        graph.bind(prefix, namespace)
    for triple in export_triples(session):
        graph.add((URIRef(triple.subject.value), URIRef(triple.predicate.value), _rdflib_term(triple.object)))
    return graph


def serialize_scheme(session: Session, rdf_format: str) -> bytes:
    """The scheme in one of PARSE_FORMATS' syntaxes, written by Oxigraph (a few thousand concepts in well
    under a second, where rdflib's Turtle writer took over ten)."""
    return pyoxigraph.serialize(export_triples(session), format=_EXPORT_SYNTAX[rdf_format],
                                prefixes=EXPORT_PREFIXES)


EXPORT_PREFIXES = {"skos": str(SKOS), "lmi": str(LMI._NS), "lmi-topic": topics.TOPIC_NAMESPACE,
                   "dcterms": str(DCTERMS), "owl": str(OWL)}
_EXPORT_SYNTAX = {"turtle": pyoxigraph.RdfFormat.TURTLE, "json-ld": pyoxigraph.RdfFormat.JSON_LD,
                  "xml": pyoxigraph.RdfFormat.RDF_XML, "nt": pyoxigraph.RdfFormat.N_TRIPLES}


def _rdflib_term(term: pyoxigraph.NamedNode | pyoxigraph.Literal) -> URIRef | Literal:
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def export_triples(session: Session) -> list[pyoxigraph.Triple]:
    """The scheme's concepts as SKOS; merged topics as deprecated, replaced by their target. Candidates
    are not part of the scheme yet and are left out. A topic whose stored IRI no syntax can write is left
    out (and logged) rather than failing the export for everyone."""
    triples: list[pyoxigraph.Triple] = []
    add, node = triples.append, pyoxigraph.NamedNode
    scheme = node(str(SCHEME))
    p = {name: node(str(SKOS[name])) for name in ("prefLabel", "altLabel", "definition", "related", "broader",
                                                  "narrower", "topConceptOf", "hasTopConcept", "inScheme")}
    a, concept, deprecated, replaced_by = node(str(RDF.type)), node(str(SKOS.Concept)), node(str(OWL.deprecated)), \
        node(str(DCTERMS.isReplacedBy))
    true = pyoxigraph.Literal("true", datatype=node(str(XSD.boolean)))
    add(pyoxigraph.Triple(scheme, a, node(str(SKOS.ConceptScheme))))
    for predicate, value in _scheme_description():
        add(pyoxigraph.Triple(scheme, node(str(predicate)), pyoxigraph.Literal(str(value), language=value.language)))
    rows = list(session.scalars(select(TopicConcept).where(TopicConcept.status != TopicStatus.candidate)))
    unwritable = {topic.id for topic in rows if iri_problem(topic.iri)}
    if unwritable:
        log.warning("topic export: left out %d topics whose IRI cannot be written: %s", len(unwritable),
                    sorted(unwritable)[:20])
    by_id = {topic.id: topic for topic in rows if topic.id not in unwritable}
    iri = {topic_id: node(topic.iri) for topic_id, topic in by_id.items()}
    live = {topic.id for topic in by_id.values() if topic.status is TopicStatus.concept}
    alt = topics.synonyms(session, live)
    broader = topics.broader_of(session, live)
    related = topics.related_of(session, live)
    others = topics.language_labels(session, live)
    for topic in by_id.values():
        subject = iri[topic.id]
        if topic.status is TopicStatus.merged and topic.merged_into_id not in by_id:
            continue
        add(pyoxigraph.Triple(subject, a, concept))
        add(pyoxigraph.Triple(subject, p["inScheme"], scheme))
        add(pyoxigraph.Triple(subject, p["prefLabel"], pyoxigraph.Literal(topic.label, language="en")))
        if topic.status is TopicStatus.merged:
            add(pyoxigraph.Triple(subject, deprecated, true))
            add(pyoxigraph.Triple(subject, replaced_by, iri[topic.merged_into_id]))  # type: ignore[index]
            continue
        if topic.definition:
            add(pyoxigraph.Triple(subject, p["definition"], pyoxigraph.Literal(topic.definition, language="en")))
        for label in alt.get(topic.id, []):
            add(pyoxigraph.Triple(subject, p["altLabel"], pyoxigraph.Literal(label, language="en")))
        for kind, lang, label in others.get(topic.id, []):
            add(pyoxigraph.Triple(subject, p[f"{kind}Label"], pyoxigraph.Literal(label, language=lang)))
        for other in related.get(topic.id, []):
            if other in live:
                add(pyoxigraph.Triple(subject, p["related"], iri[other]))
        parents = [parent for parent in broader.get(topic.id, []) if parent in live]
        for parent in parents:
            add(pyoxigraph.Triple(subject, p["broader"], iri[parent]))
            add(pyoxigraph.Triple(iri[parent], p["narrower"], subject))
        if not parents:
            add(pyoxigraph.Triple(subject, p["topConceptOf"], scheme))
            add(pyoxigraph.Triple(scheme, p["hasTopConcept"], subject))
    return triples


@cache
def _scheme_description() -> tuple[tuple[URIRef, Literal], ...]:
    """The scheme's own label and definition, as `ontology/topics.ttl` gives them."""
    graph = Graph().parse(TOPICS_FILE, format="turtle")
    return tuple((p, o) for p, o in graph.predicate_objects(SCHEME) if p in (SKOS.prefLabel, SKOS.definition))


# ---------------------------------------------------------------- reading a file


@dataclass
class Concept:
    """A skos:Concept as the file describes it; labels are (text, language tag or "")."""

    iri: str
    pref: list[tuple[str, str]] = field(default_factory=list)
    alt: list[tuple[str, str]] = field(default_factory=list)
    definitions: list[tuple[str, str]] = field(default_factory=list)
    rdfs_labels: list[tuple[str, str]] = field(default_factory=list)
    broader: set[str] = field(default_factory=set)
    narrower: set[str] = field(default_factory=set)
    related: set[str] = field(default_factory=set)
    schemes: set[str] = field(default_factory=set)
    deprecated: bool = False
    replaced_by: str | None = None
    written: str | None = None  # the relative reference, when the file gave one


@dataclass
class Vocabulary:
    """The concepts of a SKOS file, read once into plain records (thousands of graph look-ups would cost
    seconds); IRIs are absolute where the file or the importer's base made them so."""

    concepts: dict[str, Concept] = field(default_factory=dict)
    top_concepts: dict[str, set[str]] = field(default_factory=dict)
    blank_concepts: int = 0
    relative: set[str] = field(default_factory=set)  # IRIs that were relative references without a base

    def in_scheme(self, scheme: str | None) -> list[Concept]:
        if scheme is None:
            return sorted(self.concepts.values(), key=lambda c: c.iri)
        tops = self.top_concepts.get(scheme, set())
        return sorted((c for c in self.concepts.values() if scheme in c.schemes or c.iri in tops), key=lambda c: c.iri)


_PREDICATES = {str(SKOS.prefLabel): "pref", str(SKOS.altLabel): "alt", str(SKOS.definition): "definitions",
               str(RDFS.label): "rdfs_labels", str(SKOS.broader): "broader", str(SKOS.narrower): "narrower",
               str(SKOS.related): "related", str(SKOS.inScheme): "schemes", str(SKOS.topConceptOf): "schemes"}
_TYPE, _CONCEPT = str(RDF.type), str(SKOS.Concept)
_DEPRECATED, _REPLACED_BY, _HAS_TOP = str(OWL.deprecated), str(DCTERMS.isReplacedBy), str(SKOS.hasTopConcept)
# An absolute IRI (RFC 3987: a scheme, then no spaces, controls or <>"{}|\^`): what every RDF syntax can write.
_VALID_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{}|\\^`\x7f]+')
IRI_MAX = 500


def iri_problem(iri: str) -> str | None:
    """Why `iri` cannot identify a topic here (None when it can): what export must be able to write."""
    if not _VALID_IRI.fullmatch(iri):
        return "is not an absolute IRI (it needs a scheme such as https:, and no spaces or <>\"{}|\\^`)"
    if iri.lower().startswith("file:"):
        return "names a file on someone's computer, not a shared concept"
    if len(iri) > IRI_MAX:
        return f"is longer than {IRI_MAX} characters"
    return None


class _Bases:
    """Relative references are resolved against a sentinel base on a host no IRI can have (a random name
    under .invalid), so that afterwards we know which IRIs were relative: with the importer's base they get
    its scheme and host (the parser has already resolved `../` against its path); without one they are
    marked relative and those concepts refused. A parser never resolves against the server's directory."""

    def __init__(self, base: str | None) -> None:
        self.base = base
        parts = urlsplit(base or "http://relative.invalid/")
        self.real_root = f"{parts.scheme}://{parts.netloc}"
        self.root = f"{parts.scheme}://{secrets.token_hex(8)}.invalid"
        self.sentinel = self.root + (parts.path or "/")

    def resolve(self, iri: str, vocabulary: Vocabulary) -> str:
        if not iri.startswith(self.root):
            return iri
        if self.base is None:
            vocabulary.relative.add(iri)
            return iri
        return self.real_root + iri[len(self.root):]

    def written(self, iri: str) -> str:
        """The relative reference as the file had it (near enough: resolved against the base's path)."""
        rest = iri[len(self.root):]
        path = urlsplit(self.sentinel).path
        return rest.removeprefix(path)


def parse(body: bytes, media_type: str, base: str | None = None) -> Vocabulary:
    """A SKOS file as concept records; 422 with the parser's reason when it is not valid RDF. Relative IRIs
    resolve against `base` when given, else the concepts they name are refused by the import."""
    rdf_format = PARSE_FORMATS.get(media_type.split(";")[0].strip().lower())
    if rdf_format is None:
        raise InvalidScheme(f"Send the scheme as one of: {', '.join(PARSE_FORMATS)} (Content-Type).")
    if base is not None and (iri_problem(base) or not base.lower().startswith(("http://", "https://"))):
        raise InvalidScheme(f"base: <{base[:200]}> must be an absolute http(s) IRI, e.g. http://zbw.eu/stw/.")
    try:
        rdf_input.check_upload(body, rdf_format)
    except rdf_input.UnsafeRdf as unsafe:
        raise InvalidScheme(str(unsafe)) from None
    bases = _Bases(base)
    try:
        if rdf_format == "json-ld":  # rdflib's JSON-LD parser: rdf_input checks it against remote contexts
            triples = _rdflib_triples(Graph().parse(data=body, format="json-ld", publicID=bases.sentinel))
        else:  # Oxigraph reads Turtle ten times faster than rdflib; lenient: bad IRIs are refused per concept
            triples = _oxigraph_triples(pyoxigraph.parse(body, format=_OXIGRAPH_FORMATS[rdf_format],
                                                         base_iri=bases.sentinel, lenient=True))
        return read_triples(triples, bases)
    except InvalidScheme:
        raise
    except Exception as exc:
        raise InvalidScheme(f"The {rdf_format} could not be read: {str(exc)[:300]}") from None


_OXIGRAPH_FORMATS = {"turtle": pyoxigraph.RdfFormat.TURTLE, "nt": pyoxigraph.RdfFormat.N_TRIPLES,
                     "xml": pyoxigraph.RdfFormat.RDF_XML}
_Term = str | tuple[str, str]  # an IRI, "_:" + a blank node id, or a literal (text, language tag or "")


def _oxigraph_triples(quads: Iterable[pyoxigraph.Quad]) -> Iterator[tuple[_Term, str, _Term]]:
    for quad in quads:
        subject, obj = quad.subject, quad.object
        s = subject.value if isinstance(subject, pyoxigraph.NamedNode) else f"_:{subject.value}"
        if isinstance(obj, pyoxigraph.Literal):
            o: _Term = (obj.value, obj.language or "")
        else:
            o = obj.value if isinstance(obj, pyoxigraph.NamedNode) else f"_:{obj.value}"
        yield s, quad.predicate.value, o


def _rdflib_triples(graph: Graph) -> Iterator[tuple[_Term, str, _Term]]:
    for subject, predicate, obj in graph:
        s = str(subject) if isinstance(subject, URIRef) else f"_:{subject}"
        if isinstance(obj, Literal):
            o: _Term = (str(obj), obj.language or "")
        else:
            o = str(obj) if isinstance(obj, URIRef) else f"_:{obj}"
        yield s, str(predicate), o


def read_graph(graph: Graph) -> Vocabulary:
    """An rdflib graph (the seed file, tests) as concept records; its IRIs are taken as they are."""
    return read_triples(_rdflib_triples(graph), _Bases(None))


def read_triples(triples: Iterable[tuple[_Term, str, _Term]], bases: _Bases) -> Vocabulary:
    """Group the triples that matter for SKOS by concept, in one pass."""
    vocabulary = Vocabulary()
    about: dict[str, dict[str, list[_Term]]] = {}
    concepts: set[str] = set()
    for subject, predicate, obj in triples:
        assert isinstance(subject, str)
        if predicate == _TYPE and obj == _CONCEPT:
            if subject.startswith("_:"):
                vocabulary.blank_concepts += 1
            else:
                concepts.add(subject)
        elif predicate == _HAS_TOP and isinstance(obj, str):
            vocabulary.top_concepts.setdefault(bases.resolve(subject, vocabulary), set()).add(
                bases.resolve(obj, vocabulary))
        elif predicate in _PREDICATES or predicate in (_DEPRECATED, _REPLACED_BY):
            about.setdefault(subject, {}).setdefault(predicate, []).append(obj)
    for subject in concepts:
        concept = Concept(iri=bases.resolve(subject, vocabulary))
        if subject.startswith(bases.root):
            concept.written = bases.written(subject)
        for predicate, values in about.get(subject, {}).items():
            if predicate == _DEPRECATED:
                concept.deprecated = any(isinstance(v, tuple) and v[0].strip() in ("true", "1") for v in values)
            elif predicate == _REPLACED_BY:
                concept.replaced_by = next((bases.resolve(v, vocabulary) for v in values if isinstance(v, str)),
                                           None)
            else:
                target = getattr(concept, _PREDICATES[predicate])
                for value in values:
                    if isinstance(target, set) and isinstance(value, str) and not value.startswith("_:"):
                        target.add(bases.resolve(value, vocabulary))
                    elif isinstance(target, list) and isinstance(value, tuple):
                        target.append(value)
        vocabulary.concepts[concept.iri] = concept
    return vocabulary


# ---------------------------------------------------------------- import


@dataclass
class ImportReport:
    """What an import did; concepts already there are matched, never duplicated; refused ones are listed."""

    concepts: int = 0
    created: int = 0
    matched_by_iri: int = 0
    matched_by_label: int = 0
    candidates_promoted: int = 0
    synonyms_added: int = 0
    relations_added: int = 0
    related_added: int = 0
    language_labels_added: int = 0
    same_label_kept_apart: int = 0
    refused_count: int = 0
    resolved_count: int = 0
    refused: list[dict[str, str]] = field(default_factory=list)
    resolved: list[dict[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def refuse(self, iri: str, reason: str) -> None:
        self.refused_count += 1
        if len(self.refused) < REPORT_LIMIT:
            self.refused.append({"iri": iri, "reason": reason})

    def skip(self, note: str) -> None:
        if len(self.skipped) < REPORT_LIMIT:
            self.skipped.append(note)


REPORT_LIMIT = 1000  # entries per list in a report; the counts are complete


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")


def _is_display_language(lang: str) -> bool:
    """English or untagged: the language of the service's labels (matching, display, search)."""
    lang = lang.lower()
    return lang in ("", "en") or lang.startswith("en-")


def _clean(text: str, limit: int = topics.LABEL_MAX) -> str:
    return " ".join(text.split())[:limit]


@dataclass
class _Labels:
    """A concept's labels split the way they are stored: the display label, English synonyms, and the
    labels in other languages (kind, tag, text), which are kept verbatim and only exported."""

    label: str
    synonyms: list[str]
    others: list[tuple[str, str, str]]
    definition: str


def _labels_of(concept: Concept) -> _Labels | None:
    rank = {"en": 0, "": 1}
    english = sorted({(rank.get(lang.lower(), 2), _clean(text)) for text, lang in concept.pref
                      if _is_display_language(lang) and text.strip()})
    if not english:
        return None
    synonyms = [text for _, text in english[1:]]
    synonyms += sorted({_clean(text) for text, lang in concept.alt if _is_display_language(lang) and text.strip()})
    others = sorted({(kind, lang, _clean(text, 500)) for kind, values in (("pref", concept.pref), ("alt", concept.alt))
                     for text, lang in values if not _is_display_language(lang) and text.strip()})
    definitions = sorted((rank.get(lang.lower(), 2), text.strip()) for text, lang in concept.definitions
                         if _is_display_language(lang) and text.strip())
    return _Labels(english[0][1], list(dict.fromkeys(synonyms)), others, definitions[0][1] if definitions else "")


class _Scheme:
    """The scheme as it stands, indexed once per import (IRIs, labels, hierarchy, related links), kept
    current as the import adds to it, so that thousands of concepts cost a few bulk statements."""

    def __init__(self, session: Session) -> None:
        self.session = session
        rows = list(session.scalars(select(TopicConcept)))
        self.by_id = {topic.id: topic for topic in rows}
        self.by_iri = {topic.iri: topic.id for topic in rows}
        self.status = {topic.id: topic.status for topic in rows}
        self.merged_into = {topic.id: topic.merged_into_id for topic in rows}
        self.keys: dict[int, set[str]] = {topic.id: {topic.label_key} for topic in rows}
        owners: dict[str, set[int]] = {}
        for topic in rows:
            if topic.status in topics.LIVE:
                owners.setdefault(topic.label_key, set()).add(topic.id)
        for concept_id, key in session.execute(select(TopicLabel.concept_id, TopicLabel.label_key)).all():
            self.keys.setdefault(concept_id, set()).add(key)
            if self.status.get(concept_id) in topics.LIVE:
                owners.setdefault(key, set()).add(concept_id)
        self.owners = owners  # topics here before this import, by label or synonym
        self.others = {tuple(row) for row in session.execute(select(
            TopicLanguageLabel.concept_id, TopicLanguageLabel.kind, TopicLanguageLabel.lang,
            TopicLanguageLabel.label)).all()}
        self.children: dict[int, set[int]] = {}
        for narrower, broader in session.execute(select(TopicBroader.narrower_id, TopicBroader.broader_id)).all():
            self.children.setdefault(broader, set()).add(narrower)
        self.related = {tuple(row) for row in session.execute(select(TopicRelated.topic_id,
                                                                     TopicRelated.related_id)).all()}

    def follow(self, topic_id: int) -> int:
        seen = {topic_id}
        while self.status.get(topic_id) is TopicStatus.merged and self.merged_into.get(topic_id) in self.status:
            topic_id = self.merged_into[topic_id]  # type: ignore[assignment]
            if topic_id in seen:
                break
            seen.add(topic_id)
        return topic_id

    def below(self, topic_id: int) -> set[int]:
        found, todo = {topic_id}, [topic_id]
        while todo:
            for child in self.children.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found


def import_scheme(session: Session, actor: User | None, source: Graph | Vocabulary, scheme: str | None = None,
                  *, match_labels: bool = True) -> ImportReport:
    """Bring the concepts of `source` (only those in `scheme`, when given) into the topic scheme.

    Identity is the IRI: concepts of one import are never merged by label. A concept whose IRI is new
    may match a topic that was here before by its English preferred label, when that is unambiguous
    (see `_label_match`); `match_labels=False` turns that off."""
    vocabulary = source if isinstance(source, Vocabulary) else read_graph(source)
    wanted = vocabulary.in_scheme(scheme)
    if not wanted:
        raise InvalidScheme("The file has no skos:Concept" + (f" in the scheme <{scheme}>." if scheme else "."))
    report = ImportReport(concepts=len(wanted))
    if vocabulary.blank_concepts:
        report.skip(f"{vocabulary.blank_concepts} skos:Concept without an IRI (blank nodes): nothing can refer "
                    "to them")
    index = _Scheme(session)
    accepted, replaced = _screen(vocabulary, wanted, report)
    same_label = Counter(topics.label_key(labels.label) for _, labels in accepted)
    mapped: dict[str, int] = {}
    new: list[tuple[Concept, _Labels]] = []
    for concept, labels in accepted:
        known = index.by_iri.get(concept.iri)
        if known is not None:
            mapped[concept.iri] = index.follow(known)
            report.matched_by_iri += 1
            continue
        key = topics.label_key(labels.label)
        if same_label[key] > 1:
            report.same_label_kept_apart += 1
        match = _label_match(index, key) if match_labels and same_label[key] == 1 else None
        if match is None:
            new.append((concept, labels))
            continue
        mapped[concept.iri] = match
        report.matched_by_label += 1
        _take_identity(index, actor, match, concept, labels, report)
    mapped |= _create(index, actor, new, report)
    _add_labels(index, accepted, mapped, report)
    _add_broader(index, vocabulary, [c for c, _ in accepted], mapped, report)
    _add_related(index, [c for c, _ in accepted], mapped, report)
    _add_replacements(index, replaced, mapped, report)
    session.flush()
    topics.record(session, actor, "scheme.imported", None,
                  f"Imported {report.concepts} concepts: {report.created} new, "
                  f"{report.matched_by_iri + report.matched_by_label} already there, {report.refused_count} refused",
                  scheme=scheme, **{k: v for k, v in vars(report).items() if not isinstance(v, list)},
                  skipped=report.skipped[:50], refused=report.refused[:50], resolved=report.resolved[:50])
    return report


def _screen(vocabulary: Vocabulary, wanted: list[Concept], report: ImportReport,
            ) -> tuple[list[tuple[Concept, _Labels]], list[Concept]]:
    """Refuse, per concept, what cannot be stored (relative or invalid IRIs, no English label); note the
    relative references resolved against the importer's base; set aside deprecated, replaced concepts."""
    accepted, replaced = [], []
    for concept in wanted:
        if concept.iri in vocabulary.relative:
            report.refuse(concept.written or concept.iri, "a relative IRI and the file gives no base (@base or "
                          "xml:base): import again with base=<the vocabulary's namespace> to resolve it")
            continue
        problem = iri_problem(concept.iri)
        if problem:
            report.refuse(concept.iri[:300], f"the IRI {problem}")
            continue
        if concept.written is not None:
            report.resolved_count += 1
            if len(report.resolved) < REPORT_LIMIT:
                report.resolved.append({"reference": concept.written, "iri": concept.iri})
        if concept.deprecated and concept.replaced_by:
            replaced.append(concept)
            continue
        labels = _labels_of(concept)
        if labels is None:
            report.refuse(concept.iri, "no English or untagged skos:prefLabel (the service shows and matches "
                          "topics by it; labels in other languages are kept alongside it)")
            continue
        accepted.append((concept, labels))
    return accepted, replaced


def _label_match(index: _Scheme, key: str) -> int | None:
    """The topic that was here before this import and is the only live one with this label or synonym;
    ambiguous labels match nothing (the concept is created and the gardeners may merge later)."""
    owners = index.owners.get(key, set())
    return next(iter(owners)) if len(owners) == 1 else None


def _take_identity(index: _Scheme, actor: User | None, topic_id: int, concept: Concept, labels: _Labels,
                   report: ImportReport) -> None:
    """A matching candidate becomes the imported concept (its IRI; its old IRI redirects to it); a matching
    concept keeps its IRI and the imported one becomes a redirect to it, so that no IRI is lost."""
    topic = index.by_id[topic_id]
    now = utcnow()
    if topic.status is TopicStatus.candidate:
        old_iri = topic.iri
        topic.iri, topic.status, topic.updated_at = concept.iri, TopicStatus.concept, now
        index.status[topic.id] = TopicStatus.concept
        index.session.flush()
        _alias(index, old_iri, topic.label, topic.id)
        report.candidates_promoted += 1
        topics.record(index.session, actor, "promote", topic, f"The imported concept '{labels.label}' promoted "
                      f"the candidate '{topic.label}'", old_iri=old_iri, new_iri=concept.iri)
    else:
        _alias(index, concept.iri, labels.label, topic.id)


def _alias(index: _Scheme, iri: str, label: str, target_id: int) -> None:
    now = utcnow()
    alias = TopicConcept(iri=iri, label=label, label_key=topics.label_key(label), status=TopicStatus.merged,
                         merged_into_id=target_id, created_at=now, updated_at=now)
    index.session.add(alias)
    index.session.flush()
    index.by_iri[iri], index.status[alias.id], index.merged_into[alias.id] = alias.id, alias.status, target_id


def _create(index: _Scheme, actor: User | None, new: list[tuple[Concept, _Labels]],
            report: ImportReport) -> dict[str, int]:
    """The new concepts in one bulk insert."""
    if not new:
        return {}
    now = utcnow()
    rows = [{"iri": c.iri, "label": labels.label, "label_key": topics.label_key(labels.label),
             "definition": labels.definition, "status": TopicStatus.concept, "merged_into_id": None,
             "created_by_id": actor.id if actor else None, "created_at": now, "updated_at": now}
            for c, labels in new]
    created = {}
    for start in range(0, len(rows), BATCH):
        result = index.session.execute(_CONCEPTS.insert().returning(_CONCEPTS.c.id, _CONCEPTS.c.iri,
                                                                      sort_by_parameter_order=True),
                                       rows[start:start + BATCH])
        created |= {iri: topic_id for topic_id, iri in result.all()}
    for row in rows:
        topic_id = created[row["iri"]]
        index.by_iri[row["iri"]], index.status[topic_id], index.merged_into[topic_id] = topic_id, row["status"], None
        index.keys[topic_id] = {row["label_key"]}
    report.created += len(rows)
    return created


BATCH = 2000
_CONCEPTS = TopicConcept.__table__


def _bulk(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(model.__table__.insert(), rows[start:start + BATCH])  # Core: no ORM bookkeeping


def _add_labels(index: _Scheme, accepted: list[tuple[Concept, _Labels]], mapped: dict[str, int],
                report: ImportReport) -> None:
    """English synonyms (unless the topic has them) and labels in other languages (unless already there);
    imported synonyms may repeat another topic's label: the scheme said so, and identity is the IRI."""
    synonyms, others = [], []
    for concept, labels in accepted:
        topic_id = mapped[concept.iri]
        topic = index.by_id.get(topic_id)
        if topic is not None and not topic.definition and labels.definition:
            topic.definition = labels.definition
        have = index.keys.setdefault(topic_id, set())
        for name in (labels.label, *labels.synonyms):
            key = topics.label_key(name)
            if key not in have:
                have.add(key)
                synonyms.append({"concept_id": topic_id, "label": name, "label_key": key})
        for kind, lang, text in labels.others:
            if (topic_id, kind, lang, text) not in index.others:
                index.others.add((topic_id, kind, lang, text))
                others.append({"concept_id": topic_id, "kind": kind, "lang": lang, "label": text})
    _bulk(index.session, TopicLabel, synonyms)
    _bulk(index.session, TopicLanguageLabel, others)
    report.synonyms_added += len(synonyms)
    report.language_labels_added += len(others)


def _add_broader(index: _Scheme, vocabulary: Vocabulary, accepted: list[Concept], mapped: dict[str, int],
                 report: ImportReport) -> None:
    """skos:broader / skos:narrower between imported concepts, unless they would make a cycle."""
    pairs = {(c.iri, b) for c in accepted for b in c.broader} | {(n, c.iri) for c in accepted for n in c.narrower}
    rows = []
    for narrower, broader in sorted(pairs):
        child, parent = mapped.get(narrower), mapped.get(broader)
        if child is None or parent is None:
            refused = {narrower, broader} & vocabulary.concepts.keys()
            if len(refused) == 2 and not refused & vocabulary.relative:  # relative ones are listed as refused
                report.skip(f"<{narrower}> broader <{broader}>: one of them was refused")
            continue
        if child == parent or child in index.children.get(parent, ()):
            continue
        if parent in index.below(child):
            report.skip(f"<{narrower}> broader <{broader}>: would make a cycle")
            continue
        rows.append({"narrower_id": child, "broader_id": parent})
        index.children.setdefault(parent, set()).add(child)
    _bulk(index.session, TopicBroader, rows)
    report.relations_added += len(rows)


def _add_related(index: _Scheme, accepted: list[Concept], mapped: dict[str, int], report: ImportReport) -> None:
    """skos:related between imported concepts (symmetric: one row per pair, lower id first)."""
    rows = []
    for concept in accepted:
        for other in sorted(concept.related):
            a, b = mapped.get(concept.iri), mapped.get(other)
            if a is None or b is None or a == b:
                continue
            pair = (min(a, b), max(a, b))
            if pair not in index.related:
                index.related.add(pair)
                rows.append({"topic_id": pair[0], "related_id": pair[1]})
    _bulk(index.session, TopicRelated, rows)
    report.related_added += len(rows)


def _add_replacements(index: _Scheme, replaced: list[Concept], mapped: dict[str, int], report: ImportReport) -> None:
    """Deprecated concepts replaced by another (how merges are exported) come back as redirects, in bulk."""
    now, rows = utcnow(), {}
    for concept in replaced:
        if concept.iri in index.by_iri:
            report.matched_by_iri += 1
            continue
        target = mapped.get(concept.replaced_by or "") or index.by_iri.get(concept.replaced_by or "")
        labels = sorted(_clean(text) for text, lang in (concept.pref or concept.rdfs_labels)
                        if _is_display_language(lang) and text.strip())
        if target is None or not labels:
            report.refuse(concept.iri, "deprecated and replaced by a concept that is neither here nor in the file, "
                          "or without an English label")
            continue
        rows[concept.iri] = {"iri": concept.iri, "label": labels[0], "label_key": topics.label_key(labels[0]),
                             "definition": "", "status": TopicStatus.merged, "merged_into_id": index.follow(target),
                             "created_by_id": None, "created_at": now, "updated_at": now}
    for start in range(0, len(rows), BATCH):
        batch = list(rows.values())[start:start + BATCH]
        result = index.session.execute(_CONCEPTS.insert().returning(_CONCEPTS.c.id, _CONCEPTS.c.iri,
                                                                      sort_by_parameter_order=True), batch)
        for topic_id, iri in result.all():
            index.by_iri[iri], index.status[topic_id] = topic_id, TopicStatus.merged
            index.merged_into[topic_id] = rows[iri]["merged_into_id"]
    report.created += len(rows)


# ---------------------------------------------------------------- seeding from ontology/topics.ttl


def fingerprint(path: Path = TOPICS_FILE) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seed(session: Session, path: Path = TOPICS_FILE) -> ImportReport | None:
    """Import `ontology/topics.ttl` unless this version of it was already seeded; None when skipped."""
    digest = fingerprint(path)
    last = session.scalar(select(TopicChange.details).where(TopicChange.action == SEEDED)
                          .order_by(TopicChange.id.desc()).limit(1))
    if last and last.get("sha256") == digest:
        return None
    report = import_scheme(session, None, parse(path.read_bytes(), "text/turtle"), str(SCHEME))
    topics.record(session, None, SEEDED, None, f"Seeded from {path.name}", sha256=digest)
    return report
