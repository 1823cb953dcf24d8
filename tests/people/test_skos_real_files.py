"""SKOS files from other systems: a real published thesaurus (STW, see data/README.md), concepts that share a
label, relative IRIs without a base, and an export that no stored topic can break."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph
import pytest

from app.db import utcnow
from app.topics import skos, service as topics
from app.topics.models import TopicConcept, TopicStatus

STW_FILE = Path(__file__).parent / "data" / "stw-economics.ttl.gz"
STW_BASE = "http://zbw.eu/stw/"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
TURTLE = {"Content-Type": "text/turtle"}


@pytest.fixture(scope="module")
def stw_bytes() -> bytes:
    return gzip.decompress(STW_FILE.read_bytes())


@pytest.fixture(scope="module")
def stw(stw_bytes: bytes) -> skos.Vocabulary:
    return skos.parse(stw_bytes, "text/turtle")


@pytest.fixture(scope="module")
def stw_triples(stw_bytes: bytes) -> set[tuple[str, str, str]]:
    return only_stw(skos_triples(stw_bytes))


def skos_triples(turtle: bytes) -> set[tuple[str, str, str]]:
    """The labels and links of a SKOS file, read by Oxigraph directly (not by the importer under test);
    literals as text@lang with spaces collapsed (the service stores labels that way)."""
    found = set()
    for quad in pyoxigraph.parse(turtle, format=pyoxigraph.RdfFormat.TURTLE):
        name = quad.predicate.value.removeprefix(SKOS_NS)
        if name in ("prefLabel", "altLabel", "broader", "narrower", "related") or name.endswith("isReplacedBy"):
            obj = quad.object
            value = f"{' '.join(obj.value.split())}@{obj.language}" if isinstance(obj, pyoxigraph.Literal) \
                else obj.value
            found.add((quad.subject.value, name.rsplit("/", 1)[-1], value))
    return found


def only_stw(triples: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    return {t for t in triples if t[0].startswith(STW_BASE) and t[0] != STW_BASE.rstrip("/")}


def test_stw_import_keeps_concepts_links_and_languages_and_round_trips(client, session, staff, stw, stw_triples):
    """STW's economics part: 2,822 concepts with German and English labels, 4,765 broader and 2,290 related
    pairs, 480 deprecated concepts replaced by others. The export has the file's labels and links (compared
    as sets of triples: neither has blank nodes), and importing the export adds nothing: a round trip.
    Matching by IRI only, so that none of its concepts joins a topic of our own scheme with the same label."""
    carol = staff["carol"]
    report = skos.import_scheme(session, None, stw, match_labels=False)
    assert (report.concepts, report.created, report.refused_count, report.matched_by_label) == (3302, 3302, 0, 0)
    assert (report.relations_added, report.related_added) == (4765, 2290)
    assert report.language_labels_added == 2822 + 6662  # a German prefLabel each, and the German altLabels
    exported = client.get("/api/topics/export", headers=carol.headers)
    assert exported.status_code == 200
    source, first = stw_triples, only_stw(skos_triples(exported.content))
    replaced = {s for s, p, _ in source if p == "isReplacedBy"}  # STW labels these with rdfs:label only
    first -= {(s, p, o) for s, p, o in first if s in replaced and p == "prefLabel"}
    assert {t for t in source if t[1] != "related"} == {t for t in first if t[1] != "related"}, \
        sorted({t for t in source if t[1] != "related"} ^ {t for t in first if t[1] != "related"})[:10]
    related = {frozenset((s, o)) for s, p, o in source if p == "related"}
    assert related == {frozenset((s, o)) for s, p, o in first if p == "related"}  # symmetric: both ways out

    labour_market = topics.by_iri(session, "http://zbw.eu/stw/descriptor/11183-4")
    read = client.get(f"/api/topics/{labour_market.id}", headers=carol.headers).json()
    assert read["label"] == "Labour market"
    assert {"kind": "pref", "lang": "de", "label": "Arbeitsmarkt"} in read["labels"]
    assert read["related"] and read["broader"]

    again = skos.import_scheme(session, None, skos.parse(exported.content, "text/turtle"))
    assert (again.created, again.refused_count, again.matched_by_label, again.synonyms_added,
            again.language_labels_added, again.relations_added, again.related_added) == (0, 0, 0, 0, 0, 0, 0)
    assert again.matched_by_iri == again.concepts  # (the empty-scheme round trip: test_skos.py, on the seed)


def test_stw_without_its_base_is_relative_and_resolves_with_one(stw_bytes, stw):
    """The published file has `@base <http://zbw.eu/stw/>` and relative IRIs. Without that line every
    concept's IRI is relative (the import refuses each: the API test below), never resolved against the
    server's directory; with base= the file reads exactly as with its own @base."""
    without_base = stw_bytes.replace(b"@base <http://zbw.eu/stw/> .\n", b"", 1)
    assert without_base != stw_bytes
    unresolved = skos.parse(without_base, "text/turtle")
    assert len(unresolved.concepts) == 3302 and set(unresolved.concepts) <= unresolved.relative
    assert sorted(c.written for c in unresolved.concepts.values())[0] == "descriptor/10000-1"
    assert not any(iri.startswith(("file:", STW_BASE)) for iri in unresolved.concepts)
    resolved = skos.parse(without_base, "text/turtle", base=STW_BASE)
    assert resolved.concepts.keys() == stw.concepts.keys() and not resolved.relative
    assert all(vars(concept) == {**vars(stw.concepts[iri]), "written": iri.removeprefix(STW_BASE)}
               for iri, concept in resolved.concepts.items())
    assert resolved.concepts["http://zbw.eu/stw/descriptor/11183-4"].schemes == {"http://zbw.eu/stw"}  # ../stw


RELATIVE = b"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<conceptA> a skos:Concept ; skos:prefLabel "Careers advice for drone pilots"@en ; skos:broader <#top> .
<#top> a skos:Concept ; skos:prefLabel "Drone piloting"@en .
<https://example.org/voc/absolute> a skos:Concept ; skos:prefLabel "Drone pilot vacancies"@en ;
    skos:related <conceptA> .
<http://example.org/voc/bad iri> a skos:Concept ; skos:prefLabel "Broken"@en .
"""
RELATIVE_XML = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:skos="http://www.w3.org/2004/02/skos/core#">
  <skos:Concept rdf:about="conceptA"><skos:prefLabel xml:lang="en">Careers advice for drone pilots</skos:prefLabel>
    <skos:broader rdf:resource="#top"/></skos:Concept>
  <skos:Concept rdf:about="#top"><skos:prefLabel xml:lang="en">Drone piloting</skos:prefLabel></skos:Concept>
  <skos:Concept rdf:about="https://example.org/voc/absolute">
    <skos:prefLabel xml:lang="en">Drone pilot vacancies</skos:prefLabel></skos:Concept>
</rdf:RDF>"""


@pytest.mark.parametrize("body, media", [(RELATIVE, "text/turtle"), (RELATIVE_XML, "application/rdf+xml")])
def test_relative_iris_refused_without_base_resolved_with_it(client, session, staff, body, media):
    headers = {**staff["carol"].headers, "Content-Type": media}
    refused = client.post("/api/topics/import", headers=headers, content=body).json()
    assert refused["created"] == 1, refused  # only the absolute one
    reasons = {r["iri"]: r["reason"] for r in refused["refused"]}
    assert {"conceptA", "#top"} <= reasons.keys() and "base=" in reasons["conceptA"]
    if media == "text/turtle":
        assert "not an absolute IRI" in reasons["http://example.org/voc/bad iri"]
    assert topics.by_iri(session, "https://example.org/voc/absolute") is not None
    resolved = client.post("/api/topics/import?base=https://example.org/voc/", headers=headers, content=body).json()
    assert resolved["created"] == 2 and resolved["matched_by_iri"] == 1
    assert {(r["reference"], r["iri"]) for r in resolved["resolved"]} == {
        ("conceptA", "https://example.org/voc/conceptA"), ("#top", "https://example.org/voc/#top")}
    child = topics.by_iri(session, "https://example.org/voc/conceptA")
    read = client.get(f"/api/topics/{child.id}", headers=headers).json()
    assert [t["iri"] for t in read["broader"]] == ["https://example.org/voc/#top"]
    bad_base = client.post("/api/topics/import?base=conceptA/", headers=headers, content=body)
    assert bad_base.status_code == 422 and "base" in bad_base.json()["detail"]


OCCUPATIONS = b"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix isco: <http://data.europa.eu/esco/isco/> .
isco:C263 a skos:Concept ; skos:prefLabel "Economists"@en , "Economistes"@fr ; skos:altLabel "Economic analysts"@en .
isco:C2631 a skos:Concept ; skos:prefLabel "Economists"@en , "Okonomen"@de ; skos:broader isco:C263 ;
    skos:related isco:C2412 .
isco:C2412 a skos:Concept ; skos:prefLabel "Apprenticeships"@en .
"""


def test_same_label_concepts_of_one_import_stay_distinct(client, session, staff):
    """A parent and a child occupation both "Economists": two topics, their IRIs, the link between them
    and their other-language labels. "Apprenticeships" is unambiguous in the file and matches ours."""
    carol = staff["carol"]
    report = client.post("/api/topics/import", headers={**carol.headers, **TURTLE}, content=OCCUPATIONS).json()
    assert (report["created"], report["same_label_kept_apart"], report["matched_by_label"]) == (2, 2, 1)
    parent = topics.by_iri(session, "http://data.europa.eu/esco/isco/C263")
    child = topics.by_iri(session, "http://data.europa.eu/esco/isco/C2631")
    assert parent.id != child.id and parent.label == child.label == "Economists"
    read = client.get(f"/api/topics/{child.id}", headers=carol.headers).json()
    assert [t["id"] for t in read["broader"]] == [parent.id]
    assert read["labels"] == [{"kind": "pref", "lang": "de", "label": "Okonomen"}]
    ours = topics.by_iri(session, "https://w3id.org/mature-lmi/topics/apprenticeships")
    assert [t["id"] for t in read["related"]] == [ours.id]
    assert topics.by_iri(session, "http://data.europa.eu/esco/isco/C2412").id == ours.id  # the IRI redirects
    # free text names the older of the two; suggestions offer both
    assert topics.resolve(session, "economists").id == min(parent.id, child.id)
    offered = client.get("/api/topics/suggest?q=economists", headers=carol.headers).json()
    assert {parent.id, child.id} <= {s["topic"]["id"] for s in offered}
    # by IRI only: a new "Apprenticeships" IRI becomes its own topic
    other = OCCUPATIONS.replace(b"isco:C2412", b"isco:C9999")
    by_iri = client.post("/api/topics/import?match_labels=false", headers={**carol.headers, **TURTLE},
                         content=other).json()
    assert (by_iri["created"], by_iri["matched_by_iri"], by_iri["matched_by_label"]) == (1, 2, 0)


def test_a_stored_topic_with_a_bad_iri_never_breaks_the_export(client, session, staff):
    """Data stored before the import refused such IRIs (the migration repairs them; this is the last guard)."""
    now = utcnow()
    for iri, label in (("conceptA", "Relative"), ("http://example.org/a b", "With a space")):
        session.add(TopicConcept(iri=iri, label=label, label_key=label.lower(), status=TopicStatus.concept,
                                 created_at=now, updated_at=now))
    session.flush()
    for media in ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"):
        response = client.get("/api/topics/export", headers={**staff["ben"].headers, "Accept": media})
        assert response.status_code == 200, media
        triples = list(pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.from_media_type(media)))
        subjects = {q.subject.value for q in triples}
        assert "https://w3id.org/mature-lmi/topics/apprenticeships" in subjects  # the control: the rest is there
        assert not {"conceptA", "http://example.org/a b"} & subjects
