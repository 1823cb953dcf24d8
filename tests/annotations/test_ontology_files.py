"""The ontology files (ontology/*.ttl): they parse, every term is labelled and defined, the page
annotation property contract holds, concept schemes are well formed, and the SHACL shapes accept
a well-annotated page and reject a badly annotated one with the messages advisers will see.

Plain pytest: no fixtures from conftest, no database.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
import pyshacl
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

ONTOLOGY_DIR = Path(__file__).resolve().parents[2] / "ontology"
TTL_FILES = sorted(ONTOLOGY_DIR.glob("*.ttl"))

LMI = Namespace("https://w3id.org/mature-lmi/ontology#")
# A plain Namespace: pytest probes module globals, and rdflib's closed XSD namespace warns on that.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SCHEMA = Namespace("https://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")
SECTOR = Namespace("https://w3id.org/mature-lmi/sectors/")
REGION = Namespace("https://w3id.org/mature-lmi/regions/")
QUAL = Namespace("https://w3id.org/mature-lmi/qualifications/")
LEVEL = Namespace("https://w3id.org/mature-lmi/levels/")
TOPIC = Namespace("https://w3id.org/mature-lmi/topics/")
AUDIENCE = Namespace("https://w3id.org/mature-lmi/audiences/")
PURPOSE = Namespace("https://w3id.org/mature-lmi/purposes/")
OUR_NAMESPACES = tuple(str(ns) for ns in (LMI, SECTOR, REGION, QUAL, LEVEL, TOPIC, AUDIENCE, PURPOSE))

ALLOWED_VALUE_TYPES = {
    XSD.date, XSD.integer, XSD.decimal, XSD.string, XSD.anyURI,
    SCHEMA.MonetaryAmount, LMI.Page, SKOS.Concept,
}

# The contract with the annotation code: label -> (property, value type, value scheme, unit).
EXPECTED_PROPERTIES = {
    "Sector": (LMI.sector, SKOS.Concept, LMI.SectorScheme, None),
    "Region": (LMI.region, SKOS.Concept, LMI.RegionScheme, None),
    "Occupation": (LMI.occupation, XSD.string, None, None),
    "SOC code": (LMI.socCode, XSD.string, None, None),
    "Median pay": (LMI.medianPay, SCHEMA.MonetaryAmount, None, None),
    "Starting pay": (LMI.startingPay, SCHEMA.MonetaryAmount, None, None),
    "Employment count": (LMI.employmentCount, XSD.integer, None, None),
    "Vacancies": (LMI.vacancies, XSD.integer, None, None),
    "Growth forecast": (LMI.growthForecast, XSD.decimal, None, "percent"),
    "Source": (DCTERMS.source, XSD.string, None, None),
    "Source URL": (LMI.sourceUrl, XSD.anyURI, None, None),
    "Published by": (DCTERMS.publisher, XSD.string, None, None),
    "Published": (LMI.publishedOn, XSD.date, None, None),
    "Valid until": (LMI.validUntil, XSD.date, None, None),
    "Qualification": (LMI.qualification, SKOS.Concept, LMI.QualificationScheme, None),
    "Qualification level": (LMI.qualificationLevel, SKOS.Concept, LMI.QualificationLevelScheme, None),
    "Topic": (DCTERMS.subject, SKOS.Concept, LMI.TopicScheme, None),
    "Related page": (LMI.relatedPage, LMI.Page, None, None),
    "Shortage occupation": (LMI.shortageOccupation, XSD.string, None, None),
    "Audience": (LMI.audience, SKOS.Concept, LMI.AudienceScheme, None),
    "Purpose": (LMI.purpose, SKOS.Concept, LMI.PurposeScheme, None),
}

# Alternative labels the brief requires (others may be added).
REQUIRED_ALT_LABELS = {
    LMI.region: {"Area", "Location"},
    LMI.occupation: {"Job", "Job title", "Role"},
    LMI.socCode: {"SOC", "SOC 2020 code", "Occupation code"},
    LMI.medianPay: {"Median salary", "Median annual pay", "Median earnings"},
    LMI.startingPay: {"Starting salary", "Entry pay"},
    LMI.employmentCount: {"Employment", "Number employed", "Jobs"},
    LMI.vacancies: {"Job openings", "Vacancy count"},
    LMI.growthForecast: {"Forecast growth", "Projected growth"},
    DCTERMS.source: {"Data source"},
    LMI.sourceUrl: {"Source link"},
    DCTERMS.publisher: {"Publisher"},
    LMI.publishedOn: {"Publication date", "Data date"},
    LMI.validUntil: {"Review by", "Expires"},
    LMI.qualificationLevel: {"Level", "RQF level"},
    DCTERMS.subject: {"Subject", "Tag"},
    LMI.relatedPage: {"See also"},
    LMI.shortageOccupation: {"Skills shortage"},
}

EXPORT_PROPERTIES = {  # property -> (domain, range)
    LMI.space: (LMI.Page, LMI.Space),
    LMI.category: (LMI.Page, XSD.string),
    LMI.currentRevision: (LMI.Page, LMI.Revision),
    LMI.revisionNumber: (LMI.Revision, XSD.integer),
    LMI.minorEdit: (LMI.Revision, XSD.boolean),
    LMI.maturityScore: (LMI.Page, XSD.decimal),
    LMI.maturityPhase: (LMI.Page, SKOS.Concept),
}

SCHEME_CLASSES = {
    LMI.SectorScheme: LMI.Sector,
    LMI.RegionScheme: LMI.Region,
    LMI.QualificationScheme: LMI.Qualification,
    LMI.QualificationLevelScheme: LMI.QualificationLevel,
    LMI.AudienceScheme: LMI.Audience,
    LMI.PurposeScheme: LMI.Purpose,
    LMI.TopicScheme: None,
}


@cache
def parsed(name: str) -> Graph:
    return Graph().parse(ONTOLOGY_DIR / name, format="turtle")


@cache
def merged() -> Graph:
    graph = Graph()
    for path in TTL_FILES:
        graph += parsed(path.name)
    return graph


def vocabulary() -> Graph:
    """The vocabulary and the concept schemes, without the shapes."""
    graph = Graph()
    for name in ("lmi.ttl", "schemes.ttl", "topics.ttl"):
        graph += parsed(name)
    return graph


def english(graph: Graph, subject: Node, predicate: URIRef) -> list[Literal]:
    return [o for o in graph.objects(subject, predicate) if isinstance(o, Literal) and o.language == "en"]


def ours(term: Node) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(OUR_NAMESPACES)


def annotation_properties(graph: Graph) -> list[URIRef]:
    return sorted(graph.subjects(RDF.type, LMI.PageAnnotationProperty))


def concepts_in(graph: Graph, scheme: URIRef) -> set[URIRef]:
    return set(graph.subjects(SKOS.inScheme, scheme))


def is_concept_class(graph: Graph, cls: Node) -> bool:
    return cls == SKOS.Concept or SKOS.Concept in graph.transitive_objects(cls, RDFS.subClassOf)


# --------------------------------------------------------------------------------------------
# Files and terms
# --------------------------------------------------------------------------------------------


def test_the_expected_files_exist() -> None:
    names = {path.name for path in TTL_FILES}
    assert {"lmi.ttl", "schemes.ttl", "topics.ttl", "shapes.ttl"} <= names


@pytest.mark.parametrize("path", TTL_FILES, ids=lambda p: p.name)
def test_every_ttl_file_parses(path: Path) -> None:
    graph = parsed(path.name)
    assert len(graph) > 0


def test_ontology_header() -> None:
    graph = parsed("lmi.ttl")
    ontology = URIRef("https://w3id.org/mature-lmi/ontology")
    assert (ontology, RDF.type, OWL.Ontology) in graph
    assert english(graph, ontology, DCTERMS.title)
    assert english(graph, ontology, DCTERMS.description)
    assert graph.value(ontology, OWL.versionInfo) == Literal("0.1.0")
    assert graph.value(ontology, DCTERMS.license) is not None


def test_classes_and_their_reused_superclasses() -> None:
    graph = parsed("lmi.ttl")
    for cls in ("Page", "Revision", "Space", "Occupation", "Sector", "Region", "Qualification",
                "QualificationLevel", "SkillsShortage", "LabourMarketTrend", "DataSource", "Person",
                "PageAnnotationProperty", "Audience", "Purpose"):
        assert (LMI[cls], RDF.type, OWL.Class) in graph, cls
    prov = Namespace("http://www.w3.org/ns/prov#")
    foaf = Namespace("http://xmlns.com/foaf/0.1/")
    assert {SCHEMA.Article, prov.Entity} <= set(graph.objects(LMI.Page, RDFS.subClassOf))
    assert prov.Entity in set(graph.objects(LMI.Revision, RDFS.subClassOf))
    assert {foaf.Person, prov.Agent} <= set(graph.objects(LMI.Person, RDFS.subClassOf))
    for cls in (LMI.Sector, LMI.Region, LMI.Qualification, LMI.QualificationLevel, LMI.Audience, LMI.Purpose):
        assert is_concept_class(graph, cls)


def test_every_term_of_ours_has_an_english_label_and_definition() -> None:
    graph = merged()
    missing = []
    for subject in sorted({s for s in graph.subjects() if ours(s)}):
        label = english(graph, subject, RDFS.label) or english(graph, subject, SKOS.prefLabel)
        definition = english(graph, subject, SKOS.definition) or english(graph, subject, RDFS.comment)
        if not label or not definition:
            missing.append(str(subject))
    assert not missing, f"terms without an English label and definition: {missing}"


def test_every_term_of_ours_that_is_used_is_declared() -> None:
    graph = merged()
    declared = {s for s in graph.subjects() if ours(s)}
    used = {t for triple in graph for t in triple if ours(t)}
    assert used <= declared, f"used but never described: {sorted(map(str, used - declared))}"


# --------------------------------------------------------------------------------------------
# The page annotation property contract
# --------------------------------------------------------------------------------------------


def test_annotation_property_metadata_terms_are_declared() -> None:
    graph = parsed("lmi.ttl")
    for prop in (LMI.valueType, LMI.valueScheme, LMI.unit):
        assert (prop, RDF.type, OWL.AnnotationProperty) in graph
    assert english(graph, LMI.PageAnnotationProperty, RDFS.label) == [
        Literal("Page annotation property", lang="en")]


def test_the_annotation_properties_are_exactly_the_agreed_ones() -> None:
    graph = merged()
    actual = {}
    for prop in annotation_properties(graph):
        (label,) = english(graph, prop, RDFS.label)
        unit = graph.value(prop, LMI.unit)
        actual[str(label)] = (prop, graph.value(prop, LMI.valueType), graph.value(prop, LMI.valueScheme),
                              None if unit is None else str(unit))
    assert actual == EXPECTED_PROPERTIES


@pytest.mark.parametrize("prop", sorted({p for p, *_ in EXPECTED_PROPERTIES.values()}), ids=str)
def test_annotation_property_contract(prop: URIRef) -> None:
    graph = merged()
    assert (prop, RDF.type, LMI.PageAnnotationProperty) in graph

    labels = list(graph.objects(prop, RDFS.label))
    assert len(labels) == 1 and labels[0].language == "en", labels
    assert all(isinstance(a, Literal) and a.language == "en" for a in graph.objects(prop, SKOS.altLabel))
    assert len(english(graph, prop, SKOS.definition)) == 1

    value_types = list(graph.objects(prop, LMI.valueType))
    assert len(value_types) == 1 and value_types[0] in ALLOWED_VALUE_TYPES, value_types
    value_type = value_types[0]

    schemes = list(graph.objects(prop, LMI.valueScheme))
    if value_type == SKOS.Concept:
        assert len(schemes) == 1, schemes
        assert (schemes[0], RDF.type, SKOS.ConceptScheme) in graph
        assert concepts_in(graph, schemes[0]), f"{schemes[0]} has no concepts"
    else:
        assert schemes == []

    units = list(graph.objects(prop, LMI.unit))
    assert units in ([], [Literal("percent")])
    if units:
        assert value_type == XSD.decimal

    domains = list(graph.objects(prop, RDFS.domain))
    ranges = list(graph.objects(prop, RDFS.range))
    if str(prop).startswith(str(LMI)):
        assert domains == [LMI.Page]
        assert len(ranges) == 1
        if value_type == SKOS.Concept:
            assert is_concept_class(graph, ranges[0]), ranges
        else:
            assert ranges == [value_type]
        if value_type in (XSD.date, XSD.integer, XSD.decimal, XSD.string, XSD.anyURI):
            assert (prop, RDF.type, OWL.DatatypeProperty) in graph
        else:
            assert (prop, RDF.type, OWL.ObjectProperty) in graph
    else:  # reused (Dublin Core): not ours to give a domain or range
        assert domains == [] and ranges == []


def test_required_alternative_labels() -> None:
    graph = merged()
    for prop, required in REQUIRED_ALT_LABELS.items():
        alts = {str(a) for a in english(graph, prop, SKOS.altLabel)}
        assert required <= alts, (prop, required - alts)


def test_valid_until_is_a_kind_of_schema_expires() -> None:
    assert (LMI.validUntil, RDFS.subPropertyOf, SCHEMA.expires) in parsed("lmi.ttl")


def test_annotation_property_names_are_unique_ignoring_case() -> None:
    graph = merged()
    owners: dict[str, set[URIRef]] = defaultdict(set)
    for prop in annotation_properties(graph):
        for predicate in (RDFS.label, SKOS.altLabel):
            for name in graph.objects(prop, predicate):
                owners[str(name).casefold()].add(prop)
        names = [str(n).casefold() for p in (RDFS.label, SKOS.altLabel) for n in graph.objects(prop, p)]
        assert len(names) == len(set(names)), f"{prop} repeats a name: {names}"
    shared = {name: props for name, props in owners.items() if len(props) > 1}
    assert not shared


def test_export_properties() -> None:
    graph = parsed("lmi.ttl")
    for prop, (domain, rng) in EXPORT_PROPERTIES.items():
        assert (prop, RDF.type, LMI.PageAnnotationProperty) not in graph
        assert list(graph.objects(prop, RDFS.domain)) == [domain], prop
        assert list(graph.objects(prop, RDFS.range)) == [rng], prop
        assert english(graph, prop, RDFS.label) and english(graph, prop, SKOS.definition)


# --------------------------------------------------------------------------------------------
# Concept schemes
# --------------------------------------------------------------------------------------------


def all_concepts(graph: Graph) -> set[URIRef]:
    return set(graph.subjects(RDF.type, SKOS.Concept))


def test_every_concept_is_in_exactly_one_scheme() -> None:
    graph = vocabulary()
    concepts = all_concepts(graph)
    assert concepts
    for concept in concepts:
        schemes = list(graph.objects(concept, SKOS.inScheme))
        assert len(schemes) == 1, (concept, schemes)
        assert (schemes[0], RDF.type, SKOS.ConceptScheme) in graph
    assert set(graph.subjects(SKOS.inScheme, None)) == concepts


@pytest.mark.parametrize("scheme", list(SCHEME_CLASSES), ids=str)
def test_scheme_is_well_formed(scheme: URIRef) -> None:
    graph = vocabulary()
    assert (scheme, RDF.type, SKOS.ConceptScheme) in graph
    assert len(english(graph, scheme, SKOS.prefLabel)) == 1
    assert len(english(graph, scheme, SKOS.definition)) == 1
    concepts = concepts_in(graph, scheme)
    tops = set(graph.objects(scheme, SKOS.hasTopConcept))
    assert tops and tops <= concepts
    assert tops == set(graph.subjects(SKOS.topConceptOf, scheme))
    cls = SCHEME_CLASSES[scheme]
    for concept in concepts:
        assert (concept, RDF.type, SKOS.Concept) in graph
        if cls is not None:
            assert (concept, RDF.type, cls) in graph, concept
        assert len(english(graph, concept, SKOS.prefLabel)) == 1, concept
        assert len(list(graph.objects(concept, SKOS.prefLabel))) == 1, concept
        assert len(english(graph, concept, SKOS.definition)) == 1, concept
        assert all(a.language == "en" for a in graph.objects(concept, SKOS.altLabel)), concept
        broader = set(graph.objects(concept, SKOS.broader))
        # top concepts have nothing broader; every other concept hangs from the hierarchy
        assert (concept in tops) == (not broader), concept
        assert broader <= concepts, concept


@pytest.mark.parametrize("scheme", list(SCHEME_CLASSES), ids=str)
def test_concept_labels_are_unique_within_a_scheme_ignoring_case(scheme: URIRef) -> None:
    graph = vocabulary()
    owners: dict[str, set[URIRef]] = defaultdict(set)
    for concept in concepts_in(graph, scheme):
        names = [str(n).casefold() for p in (SKOS.prefLabel, SKOS.altLabel) for n in graph.objects(concept, p)]
        assert len(names) == len(set(names)), f"{concept} repeats a label: {names}"
        for name in names:
            owners[name].add(concept)
    shared = {name: sorted(map(str, c)) for name, c in owners.items() if len(c) > 1}
    assert not shared


def test_broader_and_narrower_are_inverse_and_related_is_symmetric() -> None:
    graph = vocabulary()
    for narrow, broad in graph.subject_objects(SKOS.broader):
        assert (broad, SKOS.narrower, narrow) in graph, (narrow, broad)
    for broad, narrow in graph.subject_objects(SKOS.narrower):
        assert (narrow, SKOS.broader, broad) in graph, (broad, narrow)
    for a, b in graph.subject_objects(SKOS.related):
        assert (b, SKOS.related, a) in graph, (a, b)
        assert (a, SKOS.broader, b) not in graph and (b, SKOS.broader, a) not in graph


def depth(graph: Graph, concept: URIRef) -> int:
    parent = graph.value(concept, SKOS.broader)
    return 1 if parent is None else 1 + depth(graph, parent)


def labels(graph: Graph, scheme: URIRef) -> dict[str, URIRef]:
    return {str(graph.value(c, SKOS.prefLabel)): c for c in concepts_in(graph, scheme)}


def test_sector_scheme() -> None:
    graph = vocabulary()
    sectors = labels(graph, LMI.SectorScheme)
    required = {
        "Health and social care", "Engineering and manufacturing", "Construction", "Logistics and transport",
        "Green jobs", "Creative industries", "Hospitality and tourism", "Digital and technology",
        "Education and childcare", "Retail", "Financial and professional services",
        "Agriculture, environment and animal care", "Public services", "Energy and utilities",
        "Legal services", "Hair and beauty", "Sport and leisure", "Science and research",
    }
    assert required <= set(sectors)
    assert 18 <= len(sectors) <= 22
    assert "Transport and logistics" not in sectors
    assert Literal("Transport", lang="en") in set(graph.objects(sectors["Logistics and transport"], SKOS.altLabel))
    assert sectors["Health and social care"] == SECTOR["health-and-social-care"]


def test_region_scheme() -> None:
    graph = vocabulary()
    regions = labels(graph, LMI.RegionScheme)
    english_regions = {"North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
                       "East of England", "London", "South East", "South West"}
    nations = {"Wales", "Scotland", "Northern Ireland"}
    assert set(regions) == english_regions | nations | {"United Kingdom", "England"}
    assert set(graph.objects(LMI.RegionScheme, SKOS.hasTopConcept)) == {REGION["united-kingdom"]}
    for name in english_regions:
        assert graph.value(regions[name], SKOS.broader) == REGION["england"], name
    for name in nations | {"England"}:
        assert graph.value(regions[name], SKOS.broader) == REGION["united-kingdom"], name
    itl1 = {str(graph.value(regions[n], SKOS.notation)) for n in english_regions | nations}
    assert itl1 == {f"TL{c}" for c in "CDEFGHIJKLMN"}


def test_qualification_schemes() -> None:
    graph = vocabulary()
    quals = labels(graph, LMI.QualificationScheme)
    assert {
        "GCSE", "A level", "T Level", "BTEC", "Apprenticeship", "Higher apprenticeship", "Degree apprenticeship",
        "HNC", "HND", "Foundation degree", "Bachelor's degree", "Master's degree", "NVQ", "Access to HE Diploma",
        "Skills Bootcamp",
    } <= set(quals)
    levels = labels(graph, LMI.QualificationLevelScheme)
    assert set(levels) == {"Entry level"} | {f"Level {n}" for n in range(1, 9)}
    for name, concept in levels.items():
        notation = "E" if name == "Entry level" else name.removeprefix("Level ")
        assert [str(n) for n in graph.objects(concept, SKOS.notation)] == [notation]
        if notation != "E":
            assert Literal(f"RQF level {notation}", lang="en") in set(graph.objects(concept, SKOS.altLabel))


def test_audience_and_purpose_schemes_are_flat_lists_keyed_by_notation() -> None:
    graph = vocabulary()
    audiences = labels(graph, LMI.AudienceScheme)
    assert {"Young people in school", "Young people leaving school or college", "Adults changing career",
            "Adults returning to work", "Unemployed adults", "Practitioners only"} == set(audiences)
    purposes = labels(graph, LMI.PurposeScheme)
    assert {"Given to clients directly", "Used by practitioners", "Interpreted for a client"} == set(purposes)
    for namespace, concepts in ((AUDIENCE, audiences), (PURPOSE, purposes)):
        for concept in concepts.values():  # the key a rating stores is the notation, the IRI's last segment
            (notation,) = graph.objects(concept, SKOS.notation)
            assert concept == namespace[str(notation)], concept
    assert Literal("School leavers", lang="en") in set(
        graph.objects(audiences["Young people leaving school or college"], SKOS.altLabel))


def test_topic_scheme() -> None:
    graph = vocabulary()
    topics = concepts_in(graph, LMI.TopicScheme)
    assert 60 <= len(topics) <= 80
    assert max(depth(graph, t) for t in topics) in (2, 3)
    tops = {str(graph.value(t, SKOS.prefLabel)) for t in graph.objects(LMI.TopicScheme, SKOS.hasTopConcept)}
    assert {"Labour market information", "Careers guidance practice", "Education and training routes",
            "Client groups", "Sectors and occupations", "Digital careers work", "Policy and quality"} == tops
    by_name = {}
    for topic in topics:
        for predicate in (SKOS.prefLabel, SKOS.altLabel):
            for name in graph.objects(topic, predicate):
                by_name[str(name).casefold()] = topic
    for name in ("Apprenticeships", "T Levels", "Skills shortages", "Pay and earnings", "Local LMI",
                 "LMI sources and quality", "Labour market forecasts", "NEET", "Adults changing career",
                 "Redundancy support", "Disabled clients", "SEND", "Social mobility", "Impartiality",
                 "Guidance interviews", "Online guidance", "Telephone guidance", "Social media in guidance",
                 "Careers education", "Gatsby benchmarks", "CPD", "matrix Standard", "Employer engagement",
                 "Green skills", "Digital skills", "Self-employment"):
        assert name.casefold() in by_name, name
    neet = by_name["neet"]
    assert str(graph.value(neet, SKOS.prefLabel)) == "Young people not in education, employment or training"


# --------------------------------------------------------------------------------------------
# SHACL shapes
# --------------------------------------------------------------------------------------------

PREFIXES = """
@prefix lmi: <https://w3id.org/mature-lmi/ontology#> .
@prefix lmi-sector: <https://w3id.org/mature-lmi/sectors/> .
@prefix lmi-region: <https://w3id.org/mature-lmi/regions/> .
@prefix lmi-level: <https://w3id.org/mature-lmi/levels/> .
@prefix lmi-qual: <https://w3id.org/mature-lmi/qualifications/> .
@prefix lmi-topic: <https://w3id.org/mature-lmi/topics/> .
@prefix lmi-audience: <https://w3id.org/mature-lmi/audiences/> .
@prefix lmi-purpose: <https://w3id.org/mature-lmi/purposes/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix page: <https://example.org/pages/> .
"""

GOOD_PAGE = PREFIXES + """
page:electricians-north-east a lmi:Page ;
    dcterms:title "Electricians in the North East" ;
    lmi:sector lmi-sector:construction ;
    lmi:region lmi-region:north-east ;
    lmi:occupation "Electrician" ;
    lmi:socCode "5241" ;
    lmi:medianPay [ a schema:MonetaryAmount ; schema:value 36000.0 ; schema:currency "GBP" ] ;
    lmi:startingPay [ a schema:MonetaryAmount ; schema:value "24000"^^xsd:decimal ; schema:currency "GBP" ] ;
    lmi:employmentCount 9500 ;
    lmi:vacancies 420 ;
    lmi:growthForecast -1.5 ;
    lmi:qualification lmi-qual:advanced-apprenticeship ;
    lmi:qualificationLevel lmi-level:3 ;
    dcterms:subject lmi-topic:apprenticeships , lmi-topic:green-skills ;
    lmi:audience lmi-audience:young-people-leaving-education , lmi-audience:adults-changing-career ;
    lmi:purpose lmi-purpose:given-to-clients-directly ;
    dcterms:source "ONS Annual Survey of Hours and Earnings 2024" ;
    dcterms:publisher "Office for National Statistics" ;
    lmi:sourceUrl "https://www.ons.gov.uk/"^^xsd:anyURI ;
    lmi:publishedOn "2024-10-30"^^xsd:date ;
    lmi:validUntil "2026-03-31"^^xsd:date ;
    lmi:relatedPage page:construction-north-east .
"""

BAD_PAGE = PREFIXES + """
page:bad a lmi:Page ;
    dcterms:title "Badly annotated page" ;
    lmi:sector lmi-sector:construction ;
    lmi:socCode "12a" ;
    lmi:validUntil "2026-03-31"^^xsd:date , "2027-03-31"^^xsd:date ;
    lmi:medianPay [ a schema:MonetaryAmount ; schema:value 30000.0 ; schema:currency "pounds" ] ;
    dcterms:source "Local employer survey" .
"""


def validate(data_ttl: str) -> tuple[bool, Graph]:
    """Validate a page with the vocabulary and schemes merged into the data graph.

    Merged, not passed as pyshacl's ont_graph: that copies only class and property axioms, not
    the SKOS concepts whose types and schemes sh:class and the topic check look at.
    """
    data = vocabulary() + Graph().parse(data=data_ttl, format="turtle")
    conforms, report, _text = pyshacl.validate(
        data, shacl_graph=parsed("shapes.ttl"), inference="none", allow_warnings=False, advanced=False,
    )
    return bool(conforms), report


def results(report: Graph) -> list[dict[str, Node]]:
    """Top-level results and their sh:detail results, flattened."""
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        out.append({p: report.value(result, p) for p in (SH.resultPath, SH.resultMessage, SH.resultSeverity,
                                                         SH.focusNode, SH.sourceConstraintComponent)})
    return out


def message_for(path: URIRef, shape: URIRef = LMI.PageShape) -> Literal:
    """The sh:message the shapes file gives the property shape of `shape` on `path`."""
    shapes = parsed("shapes.ttl")
    for prop in shapes.objects(shape, SH.property):
        if shapes.value(prop, SH.path) == path:
            return shapes.value(prop, SH.message)
    raise AssertionError(f"no property shape for {path} on {shape}")


def test_shapes_graph_is_valid_shacl_and_every_shape_is_named_with_a_message() -> None:
    shapes = parsed("shapes.ttl")
    conforms, _report, text = pyshacl.validate(shapes, shacl_graph=shapes, meta_shacl=True)
    assert conforms, text
    shape_nodes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    shape_nodes |= set(shapes.objects(None, SH.property))
    shape_nodes |= set(shapes.subjects(SH.path, None))
    for shape in shape_nodes:
        in_or_list = any(True for _ in shapes.subjects(RDF.first, shape))
        if in_or_list and isinstance(shape, BNode):
            continue  # anonymous datatype alternatives inside sh:or
        assert english(shapes, shape, SH.name), shape
        assert english(shapes, shape, SH.message), shape
    assert (LMI.PageShape, SH.targetClass, LMI.Page) in shapes


def test_a_well_annotated_page_conforms() -> None:
    conforms, report = validate(GOOD_PAGE)
    assert conforms, report.serialize(format="turtle")


def test_a_badly_annotated_page_is_rejected_with_adviser_messages() -> None:
    conforms, report = validate(BAD_PAGE)
    assert not conforms
    found = results(report)
    by_path = defaultdict(set)
    for r in found:
        by_path[r[SH.resultPath]].add(r[SH.resultMessage])
        assert r[SH.resultSeverity] == SH.Violation, r

    assert by_path[LMI.socCode] == {message_for(LMI.socCode)}
    assert by_path[LMI.validUntil] == {message_for(LMI.validUntil)}
    assert by_path[LMI.medianPay] == {message_for(LMI.medianPay)}
    # the currency's own message is reported too, as a detail of the median pay result
    assert by_path[SCHEMA.currency] == {message_for(SCHEMA.currency, LMI.MonetaryAmountShape)}
    assert set(by_path) == {LMI.socCode, LMI.validUntil, LMI.medianPay, SCHEMA.currency}
    assert "four digits" in str(message_for(LMI.socCode))
    assert "only one 'Valid until' date" in str(message_for(LMI.validUntil))
    assert "three-letter" in str(message_for(SCHEMA.currency, LMI.MonetaryAmountShape))


def test_a_page_without_sector_or_occupation_is_rejected() -> None:
    page = PREFIXES + """
page:vague a lmi:Page ; dcterms:title "Notes" ; dcterms:source "Team meeting" .
"""
    conforms, report = validate(page)
    assert not conforms
    messages = {r[SH.resultMessage] for r in results(report)}
    assert messages == {parsed("shapes.ttl").value(LMI.PageShape, SH.message)}
    occupation_only = PREFIXES + """
page:ok a lmi:Page ; dcterms:title "Notes" ; lmi:occupation "Plumber" ; dcterms:source "Team meeting" .
"""
    assert validate(occupation_only)[0]


def test_values_outside_the_schemes_are_rejected() -> None:
    page = PREFIXES + """
page:odd a lmi:Page ;
    dcterms:title "Odd values" ;
    lmi:sector lmi-region:london ;
    lmi:region lmi-sector:retail ;
    dcterms:subject lmi-sector:retail ;
    lmi:audience lmi-sector:retail ;
    lmi:purpose lmi-audience:unemployed-adults ;
    dcterms:source "Somewhere" .
"""
    conforms, report = validate(page)
    assert not conforms
    by_path = {r[SH.resultPath]: r[SH.resultMessage] for r in results(report) if r[SH.focusNode] == URIRef(
        "https://example.org/pages/odd")}
    assert by_path[LMI.sector] == message_for(LMI.sector)
    assert by_path[LMI.region] == message_for(LMI.region)
    assert by_path[DCTERMS.subject] == message_for(DCTERMS.subject)
    assert by_path[LMI.audience] == message_for(LMI.audience)
    assert by_path[LMI.purpose] == message_for(LMI.purpose)


def test_a_missing_source_is_only_a_warning() -> None:
    page = PREFIXES + """
page:unsourced a lmi:Page ; dcterms:title "Unsourced" ; lmi:sector lmi-sector:retail .
"""
    conforms, report = validate(page)
    assert not conforms
    (result,) = results(report)
    assert result[SH.resultSeverity] == SH.Warning
    assert result[SH.resultMessage] == message_for(DCTERMS.source)
