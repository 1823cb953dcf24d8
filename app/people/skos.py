"""The topic scheme as SKOS: export (Turtle, JSON-LD ...) and import without duplicating concepts.

Import matches each incoming concept to an existing topic by IRI first, then by label (its
preferred or alternative labels against ours, ignoring case); only what matches nothing is
created. `ontology/topics.ttl` seeds the database through this same import, at start-up and in
`mature demo`, skipping the work when the file has not changed since it was last seeded.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import OWL, RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import Database, utcnow
from app.people import topics
from app.people.exceptions import InvalidScheme
from app.people.models import (
    TopicBroader,
    TopicChange,
    TopicConcept,
    TopicLabel,
    TopicStatus,
)
from app.security import rdf_input
from app.semantics.ontology import ONTOLOGY_DIR
from app.semantics.vocabulary import LMI

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
    """The scheme's concepts as SKOS; merged topics as deprecated, replaced by their target. Candidates
    are not part of the scheme yet and are left out."""
    graph = Graph()
    graph.bind("skos", SKOS)
    graph.bind("lmi", LMI._NS)
    graph.bind("lmi-topic", topics.TOPIC_NAMESPACE)
    graph.bind("dcterms", DCTERMS)
    graph.bind("owl", OWL)
    graph.add((SCHEME, RDF.type, SKOS.ConceptScheme))
    for predicate, value in _scheme_description():
        graph.add((SCHEME, predicate, value))
    rows = list(session.scalars(select(TopicConcept).where(TopicConcept.status != TopicStatus.candidate)))
    by_id = {topic.id: topic for topic in rows}
    live = {topic.id for topic in rows if topic.status is TopicStatus.concept}
    alt = topics.synonyms(session, live)
    broader = topics.broader_of(session, live)
    for topic in rows:
        subject = URIRef(topic.iri)
        graph.add((subject, RDF.type, SKOS.Concept))
        graph.add((subject, SKOS.inScheme, SCHEME))
        graph.add((subject, SKOS.prefLabel, Literal(topic.label, lang="en")))
        if topic.status is TopicStatus.merged:
            graph.add((subject, OWL.deprecated, Literal(True)))
            graph.add((subject, DCTERMS.isReplacedBy, URIRef(by_id[topic.merged_into_id].iri)))
            continue
        if topic.definition:
            graph.add((subject, SKOS.definition, Literal(topic.definition, lang="en")))
        for label in alt.get(topic.id, []):
            graph.add((subject, SKOS.altLabel, Literal(label, lang="en")))
        parents = [by_id[p] for p in broader.get(topic.id, []) if p in live]
        for parent in parents:
            graph.add((subject, SKOS.broader, URIRef(parent.iri)))
            graph.add((URIRef(parent.iri), SKOS.narrower, subject))
        if not parents:
            graph.add((subject, SKOS.topConceptOf, SCHEME))
            graph.add((SCHEME, SKOS.hasTopConcept, subject))
    return graph


@cache
def _scheme_description() -> tuple[tuple[URIRef, Literal], ...]:
    """The scheme's own label and definition, as `ontology/topics.ttl` gives them."""
    graph = Graph().parse(TOPICS_FILE, format="turtle")
    return tuple((p, o) for p, o in graph.predicate_objects(SCHEME) if p in (SKOS.prefLabel, SKOS.definition))


# ---------------------------------------------------------------- import


@dataclass
class ImportReport:
    """What an import did; concepts already there are matched, never duplicated."""

    concepts: int = 0
    created: int = 0
    matched_by_iri: int = 0
    matched_by_label: int = 0
    candidates_promoted: int = 0
    synonyms_added: int = 0
    relations_added: int = 0
    skipped: list[str] = field(default_factory=list)


def parse(body: bytes, media_type: str) -> Graph:
    """A SKOS file as a graph; 422 with the parser's reason when it is not valid RDF."""
    rdf_format = PARSE_FORMATS.get(media_type.split(";")[0].strip().lower())
    if rdf_format is None:
        raise InvalidScheme(f"Send the scheme as one of: {', '.join(PARSE_FORMATS)} (Content-Type).")
    try:
        rdf_input.check_upload(body, rdf_format)
    except rdf_input.UnsafeRdf as unsafe:
        raise InvalidScheme(str(unsafe)) from None
    try:
        return Graph().parse(data=body, format=rdf_format)
    except Exception as exc:  # noqa: BLE001 (rdflib parsers raise many unrelated types for bad input)
        raise InvalidScheme(f"The {rdf_format} could not be read: {str(exc)[:300]}") from None


class _Scheme:
    """The scheme as it stands, indexed once per import (IRIs, labels, hierarchy), kept current as the
    import adds to it, so that matching thousands of concepts costs no query per label."""

    def __init__(self, session: Session) -> None:
        self.session = session
        rows = list(session.scalars(select(TopicConcept)))
        self.by_id = {topic.id: topic for topic in rows}
        self.by_iri = {topic.iri: topic for topic in rows}
        self.owners: dict[str, TopicConcept] = {t.label_key: t for t in rows if t.status in topics.LIVE}
        for concept_id, key in session.execute(select(TopicLabel.concept_id, TopicLabel.label_key)).all():
            topic = self.by_id[concept_id]
            if topic.status in topics.LIVE:
                self.owners.setdefault(key, topic)
        self.children: dict[int, set[int]] = {}
        for narrower, broader in session.execute(select(TopicBroader.narrower_id, TopicBroader.broader_id)).all():
            self.children.setdefault(broader, set()).add(narrower)

    def follow(self, topic: TopicConcept) -> TopicConcept:
        seen = {topic.id}
        while topic.status is TopicStatus.merged and topic.merged_into_id in self.by_id:
            topic = self.by_id[topic.merged_into_id]
            if topic.id in seen:
                break
            seen.add(topic.id)
        return topic

    def add(self, topic: TopicConcept) -> None:
        self.by_id[topic.id] = topic
        self.by_iri[topic.iri] = topic
        if topic.status in topics.LIVE:
            self.owners.setdefault(topic.label_key, topic)

    def below(self, topic_id: int) -> set[int]:
        found, todo = {topic_id}, [topic_id]
        while todo:
            for child in self.children.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found


def import_scheme(session: Session, actor: User | None, graph: Graph, scheme: str | None = None) -> ImportReport:
    """Bring the concepts of `graph` (only those in `scheme`, when given) into the topic scheme."""
    report = ImportReport()
    wanted = _concepts_in(graph, URIRef(scheme) if scheme else None)
    if not wanted:
        raise InvalidScheme("The file has no skos:Concept" + (f" in the scheme <{scheme}>." if scheme else "."))
    report.concepts = len(wanted)
    index = _Scheme(session)
    mapped: dict[URIRef, TopicConcept] = {}
    replaced: list[URIRef] = []
    for subject in sorted(wanted):
        if (subject, OWL.deprecated, Literal(True)) in graph and graph.value(subject, DCTERMS.isReplacedBy):
            replaced.append(subject)
            continue
        topic = _match_or_create(index, actor, graph, subject, report)
        if topic is not None:
            mapped[subject] = topic
    _add_relations(index, graph, mapped, report)
    _add_replacements(index, graph, replaced, mapped, report)
    session.flush()
    topics.record(session, actor, "scheme.imported", None,
                  f"Imported {report.concepts} concepts: {report.created} new, "
                  f"{report.matched_by_iri + report.matched_by_label} already there",
                  scheme=scheme, **{k: v for k, v in vars(report).items() if k != "skipped"},
                  skipped=report.skipped[:50])
    return report


def _concepts_in(graph: Graph, scheme: URIRef | None) -> set[URIRef]:
    concepts = {s for s in graph.subjects(RDF.type, SKOS.Concept) if isinstance(s, URIRef)}
    if scheme is None:
        return concepts
    return {s for s in concepts if (s, SKOS.inScheme, scheme) in graph or (s, SKOS.topConceptOf, scheme) in graph
            or (scheme, SKOS.hasTopConcept, s) in graph}


def _english(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str]:
    """English (or untagged) literals, cleaned, in a stable order."""
    values = [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]
    english = [o for o in values if o.language is None or o.language.lower().startswith("en")]
    return sorted({" ".join(str(o).split()) for o in english if str(o).strip()})


def _match_or_create(index: _Scheme, actor: User | None, graph: Graph, subject: URIRef,
                     report: ImportReport) -> TopicConcept | None:
    labels = _english(graph, subject, SKOS.prefLabel)
    if not labels:
        report.skipped.append(f"{subject}: no English skos:prefLabel")
        return None
    label = labels[0][:topics.LABEL_MAX]
    alt = [a[:topics.LABEL_MAX] for a in _english(graph, subject, SKOS.altLabel)]
    definition = (_english(graph, subject, SKOS.definition) or [""])[0]
    topic = index.by_iri.get(str(subject))
    if topic is not None:
        topic = index.follow(topic)
        report.matched_by_iri += 1
    else:
        topic = next((index.owners[k] for k in map(topics.label_key, (label, *alt)) if k in index.owners), None)
        if topic is not None:
            report.matched_by_label += 1
            _adopt_candidate(index, actor, topic, subject, label, report)
        else:
            topic = _create(index, actor, subject, label, definition, report)
    if not topic.definition and definition:
        topic.definition = definition
    for name in (label, *alt):
        report.synonyms_added += _add_label(index, topic, name)
    return topic


def _create(index: _Scheme, actor: User | None, subject: URIRef, label: str, definition: str,
            report: ImportReport) -> TopicConcept:
    now = utcnow()
    topic = TopicConcept(iri=str(subject), label=label, label_key=topics.label_key(label), definition=definition,
                         status=TopicStatus.concept, created_by_id=actor.id if actor else None, created_at=now,
                         updated_at=now)
    index.session.add(topic)
    index.session.flush()
    index.add(topic)
    report.created += 1
    return topic


def _adopt_candidate(index: _Scheme, actor: User | None, topic: TopicConcept, subject: URIRef, label: str,
                     report: ImportReport) -> None:
    """A candidate that an imported concept names becomes that concept (its IRI and status)."""
    if topic.status is not TopicStatus.candidate:
        return
    old_iri = topic.iri
    topic.iri, topic.status, topic.updated_at = str(subject), TopicStatus.concept, utcnow()
    index.by_iri[topic.iri] = topic
    report.candidates_promoted += 1
    topics.record(index.session, actor, "promote", topic, f"The imported concept '{label}' promoted the candidate "
                  f"'{topic.label}'", old_iri=old_iri, new_iri=str(subject))


def _add_label(index: _Scheme, topic: TopicConcept, name: str) -> int:
    """Add `name` as a synonym unless the topic has it or another live topic owns it."""
    key = topics.label_key(name)
    if key == topic.label_key or key in index.owners:
        return 0
    index.session.add(TopicLabel(concept_id=topic.id, label=name, label_key=key))
    index.owners[key] = topic
    return 1


def _add_relations(index: _Scheme, graph: Graph, mapped: dict[URIRef, TopicConcept], report: ImportReport) -> None:
    """skos:broader / skos:narrower between imported concepts, unless they would make a cycle."""
    pairs = {(n, b) for n, b in graph.subject_objects(SKOS.broader)}
    pairs |= {(n, b) for b, n in graph.subject_objects(SKOS.narrower)}
    for narrower, broader in sorted(pairs):
        child, parent = mapped.get(narrower), mapped.get(broader)
        if child is None or parent is None or child.id == parent.id or child.id in index.children.get(parent.id, ()):
            continue
        if parent.id in index.below(child.id):
            report.skipped.append(f"{narrower} broader {broader}: would make a cycle")
            continue
        index.session.add(TopicBroader(narrower_id=child.id, broader_id=parent.id))
        index.children.setdefault(parent.id, set()).add(child.id)
        report.relations_added += 1


def _add_replacements(index: _Scheme, graph: Graph, replaced: list[URIRef], mapped: dict[URIRef, TopicConcept],
                      report: ImportReport) -> None:
    """Deprecated concepts replaced by another (how merges are exported) come back as redirects."""
    for subject in replaced:
        if str(subject) in index.by_iri:
            report.matched_by_iri += 1
            continue
        target_iri = graph.value(subject, DCTERMS.isReplacedBy)
        target = mapped.get(target_iri) or index.by_iri.get(str(target_iri))
        labels = _english(graph, subject, SKOS.prefLabel)
        if target is None or not labels:
            report.skipped.append(f"{subject}: replaced by an unknown concept or unlabelled")
            continue
        now = utcnow()
        topic = TopicConcept(iri=str(subject), label=labels[0], label_key=topics.label_key(labels[0]),
                             status=TopicStatus.merged, merged_into_id=index.follow(target).id, created_at=now,
                             updated_at=now)
        index.session.add(topic)
        index.session.flush()
        index.add(topic)
        report.created += 1


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
    report = import_scheme(session, None, Graph().parse(path, format="turtle"), str(SCHEME))
    topics.record(session, None, SEEDED, None, f"Seeded from {path.name}", sha256=digest)
    return report


def seed_topic_scheme(database: Database) -> None:
    """Start-up: seed the scheme and give every user a person row (both idempotent and quick when done).

    Several workers may start at once; one seeds, the others' inserts collide and are only logged.
    """
    from app.people import service  # people depend on topics, not the other way round

    try:
        with database.transaction() as session:
            service.ensure_people(session)
            seed(session)
    except IntegrityError:
        log.info("the topic scheme was seeded by another process")
    except SQLAlchemyError:  # e.g. not migrated yet: serve anyway; the next start-up seeds
        log.exception("seeding the topic scheme failed")
