"""Request and response bodies for the topic scheme."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from app.pages.schemas import AuthorRead
from app.schema import RequestSchema, Schema

_CAROL = {"id": 2, "username": "carol", "display_name": "Carol Singh"}
_APPRENTICESHIPS = {"id": 23, "iri": "https://w3id.org/mature-lmi/topics/apprenticeships",
                    "label": "Apprenticeships", "status": "concept"}
_DEGREE = {"id": 24, "iri": "https://w3id.org/mature-lmi/topics/higher-and-degree-apprenticeships",
           "label": "Higher and degree apprenticeships", "status": "concept"}
_GREEN = {"id": 81, "iri": "https://w3id.org/mature-lmi/topics/green-apprenticeships",
          "label": "Green apprenticeships", "status": "candidate"}
_EDUCATION = {"id": 20, "iri": "https://w3id.org/mature-lmi/topics/education-and-training-routes",
              "label": "Education and training routes", "status": "concept"}


def _examples(*values: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(values)})


class TopicRef(Schema):
    model_config = _examples(_APPRENTICESHIPS, _GREEN)

    id: int
    iri: str
    label: str
    status: Literal["concept", "candidate", "merged"]


class TopicListItem(Schema):
    model_config = _examples({**_GREEN, "alt_labels": ["Green apprenticeship"], "usage": 7})

    id: int
    iri: str
    label: str
    status: Literal["concept", "candidate", "merged"]
    alt_labels: list[str]
    usage: int = Field(description="Current tags with this topic.")


class TopicList(Schema):
    model_config = _examples({"items": [{**_GREEN, "alt_labels": [], "usage": 7}], "next_cursor": "WyJncmVlbiIsODFd",
                              "next": "https://lmi.example.org/api/topics?limit=1&cursor=WyJncmVlbiIsODFd"})

    items: list[TopicListItem]
    next_cursor: str | None = None
    next: str | None = None


class LanguageLabel(Schema):
    """A label in another language than the display one, as the imported scheme gave it."""

    model_config = _examples({"kind": "pref", "lang": "de", "label": "Arbeitsmarkt"})

    kind: Literal["pref", "alt"] = Field(description="skos:prefLabel or skos:altLabel")
    lang: str = Field(description="The language tag as given (BCP 47).", examples=["de"])
    label: str


class TopicRead(Schema):
    model_config = _examples({
        **_APPRENTICESHIPS, "definition": "Paid jobs with training leading to a recognised standard.",
        "alt_labels": ["Apprenticeship", "Apprentices"],
        "labels": [{"kind": "pref", "lang": "de", "label": "Berufsausbildung"},
                   {"kind": "alt", "lang": "de", "label": "Lehre"}],
        "broader": [_EDUCATION], "narrower": [_DEGREE], "related": [], "merged_into": None, "usage": 12,
        "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-23T08:00:00Z"})

    id: int
    iri: str
    label: str
    status: Literal["concept", "candidate", "merged"]
    definition: str
    alt_labels: list[str]
    labels: list[LanguageLabel] = Field(description="Labels in other languages (the label and alt_labels are "
                                                    "the English or untagged ones).")
    broader: list[TopicRef]
    narrower: list[TopicRef]
    related: list[TopicRef] = Field(description="skos:related: associated topics, neither broader nor narrower.")
    merged_into: TopicRef | None
    usage: int
    created_at: datetime
    updated_at: datetime


class TopicCreate(RequestSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"label": "Green apprenticeships", "status": "candidate"},
        {"label": "Net zero skills", "status": "concept", "definition": "Skills for low-carbon jobs.",
         "broader_ids": [20]}]})

    label: str = Field(min_length=1, max_length=200)
    status: Literal["candidate", "concept"] = Field("candidate", description="Concepts: managers and admins.")
    definition: str = Field("", max_length=4000)
    broader_ids: list[int] = Field(default_factory=list, max_length=20)


class TopicUpdate(RequestSchema):
    """Rename (the old label stays as a synonym) or redefine a topic."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"label": "Apprenticeships in England"},
                                                                              {"definition": "Paid jobs with training."}]})

    label: str | None = Field(None, min_length=1, max_length=200)
    definition: str | None = Field(None, max_length=4000)


class TopicMerge(RequestSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"into_id": 23}]})

    into_id: int = Field(description="The topic that stays; this one's tags and labels move to it.")


class SynonymCreate(RequestSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"label": "Apprentice schemes"}]})

    label: str = Field(min_length=1, max_length=200)


class BroaderPut(RequestSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"broader_ids": [20]}]})

    broader_ids: list[int] = Field(max_length=20, description="Empty: a top topic.")


class TopicSuggestion(Schema):
    model_config = _examples({"topic": _APPRENTICESHIPS, "matched": "Apprentices", "match": "synonym",
                              "usage": 12})

    topic: TopicRef
    matched: str = Field(description="The label or synonym that matched what was typed.")
    match: Literal["label", "synonym", "similar"]
    usage: int


class TopicChangeRead(Schema):
    model_config = _examples({
        "id": 310, "at": "2026-11-23T10:00:00Z", "actor": _CAROL, "action": "merge", "topic": {**_GREEN,
                                                                                               "status": "merged"},
        "other_topic": _APPRENTICESHIPS, "summary": "Merged 'Green apprenticeships' into 'Apprenticeships'",
        "details": {"tags_moved": 7, "labels_added": ["Green apprenticeships"], "narrower_moved": []}})

    id: int
    at: datetime
    actor: AuthorRead | None = Field(description="Null for the seed from ontology/topics.ttl.")
    action: str
    topic: TopicRef | None
    other_topic: TopicRef | None
    summary: str
    details: dict[str, Any]


class TopicChangeList(Schema):
    model_config = _examples({"items": [TopicChangeRead.model_config["json_schema_extra"]["examples"][0]],
                              "next_cursor": "WzMxMF0", "next": "https://lmi.example.org/api/topics/changes?limit=1"
                                                                "&cursor=WzMxMF0"})

    items: list[TopicChangeRead]
    next_cursor: str | None = None
    next: str | None = None


class RefusedConcept(Schema):
    model_config = _examples({"iri": "conceptA", "reason": "a relative IRI and the file gives no base (@base or "
                              "xml:base): import again with base=<the vocabulary's namespace> to resolve it"})

    iri: str = Field(description="The concept's IRI (or its relative reference as the file wrote it).")
    reason: str


class ResolvedConcept(Schema):
    model_config = _examples({"reference": "descriptor/11183-4", "iri": "http://zbw.eu/stw/descriptor/11183-4"})

    reference: str = Field(description="The relative reference as the file wrote it.")
    iri: str = Field(description="The IRI it resolved to against the base you gave.")


class ImportResult(Schema):
    model_config = _examples({"concepts": 80, "created": 3, "matched_by_iri": 76, "matched_by_label": 1,
                              "candidates_promoted": 1, "synonyms_added": 5, "relations_added": 3,
                              "related_added": 2, "language_labels_added": 6, "same_label_kept_apart": 2,
                              "refused_count": 1, "resolved_count": 0,
                              "refused": [{"iri": "conceptA", "reason": "a relative IRI and the file gives no base "
                                           "(@base or xml:base): import again with base=<the vocabulary's "
                                           "namespace> to resolve it"}],
                              "resolved": [], "skipped": []})

    concepts: int = Field(description="Concepts in the file (in the chosen scheme).")
    created: int
    matched_by_iri: int
    matched_by_label: int = Field(description="New IRIs that matched a topic here before the import by their "
                                              "English preferred label (unambiguous only); the IRI redirects.")
    candidates_promoted: int
    synonyms_added: int
    relations_added: int = Field(description="skos:broader links added.")
    related_added: int = Field(description="skos:related links added (one per pair).")
    language_labels_added: int = Field(description="Labels in other languages than English added.")
    same_label_kept_apart: int = Field(description="Concepts of this file sharing their label with another of "
                                                   "its concepts: kept distinct (identity is the IRI).")
    refused_count: int
    resolved_count: int
    refused: list[RefusedConcept] = Field(description="Concepts not imported and why (the first 1,000).")
    resolved: list[ResolvedConcept] = Field(description="Relative IRIs resolved against `base` (the first 1,000).")
    skipped: list[str] = Field(description="Links and other statements not imported, and why (the first 1,000).")
