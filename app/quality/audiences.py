"""The audiences and purposes a rating may name: the concepts of the ontology's two schemes, by key.

The key is the concept's skos:notation (ontology/schemes.ttl), so a rating stores the same word the
forms send and the ontology defines; pages name the same concepts with [[Audience::...]].
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import SKOS

from app.annotations.ontology import get_ontology
from app.annotations.vocabulary import LMI

AUDIENCE_SCHEME = LMI.AudienceScheme
PURPOSE_SCHEME = LMI.PurposeScheme


@dataclass(frozen=True)
class Choice:
    """One audience or purpose as a form offers it."""

    key: str
    label: str
    definition: str
    iri: str


def choices(scheme: URIRef) -> list[Choice]:
    """The scheme's concepts that have a key, by label (one source for the API, the forms and the checks)."""
    ontology = get_ontology()
    found = []
    for concept in ontology.concepts_in(scheme):
        if concept.notation:
            definition = next((str(o) for o in ontology.graph.objects(concept.iri, SKOS.definition)
                               if isinstance(o, Literal) and o.language == "en"), "")
            found.append(Choice(concept.notation, concept.label, definition, str(concept.iri)))
    return found


def checked_key(scheme: URIRef, what: str, key: str | None) -> str | None:
    """The key if the scheme has it (None stays None); a ValueError naming the allowed keys otherwise."""
    if key is None:
        return None
    allowed = [choice.key for choice in choices(scheme)]
    if key not in allowed:
        raise ValueError(f"'{key}' is not a known {what}; use one of: {', '.join(allowed)} "
                         f"(see GET /api/quality/audiences)")
    return key


def checked_audience(key: str | None) -> str | None:
    return checked_key(AUDIENCE_SCHEME, "audience", key)


def checked_purpose(key: str | None) -> str | None:
    return checked_key(PURPOSE_SCHEME, "purpose", key)
