"""Ontology terms as rdflib namespaces; `_fail = True` makes a typo raise instead of minting an IRI."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

SCHEMA = Namespace("https://schema.org/")


class LMI(DefinedNamespace):
    """The project's LMI vocabulary (ontology/lmi.ttl)."""

    _NS = Namespace("https://w3id.org/mature-lmi/ontology#")
    _fail = True

    Page: URIRef
    Revision: URIRef
    Space: URIRef
    Person: URIRef
    PageAnnotationProperty: URIRef
    valueType: URIRef
    valueScheme: URIRef
    unit: URIRef
    valuePattern: URIRef
    valueHint: URIRef
    space: URIRef
    category: URIRef
    currentRevision: URIRef
    revisionNumber: URIRef
    minorEdit: URIRef
    maturityScore: URIRef
    maturityPhase: URIRef
    relatedPage: URIRef
    validUntil: URIRef
    TopicScheme: URIRef
    SectorScheme: URIRef
    RegionScheme: URIRef
    QualificationScheme: URIRef
    QualificationLevelScheme: URIRef
    AudienceScheme: URIRef
    PurposeScheme: URIRef
    # annotation properties (ontology/lmi.ttl)
    sector: URIRef
    region: URIRef
    occupation: URIRef
    socCode: URIRef
    medianPay: URIRef
    startingPay: URIRef
    employmentCount: URIRef
    vacancies: URIRef
    growthForecast: URIRef
    sourceUrl: URIRef
    publishedOn: URIRef
    qualification: URIRef
    qualificationLevel: URIRef
    shortageOccupation: URIRef
    audience: URIRef
    purpose: URIRef
