"""Annotations of revisions: typing them against the ontology, storing and reading them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rdflib import URIRef
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.semantics.annotations import Annotation, AnnotationError, type_annotation
from app.semantics.exceptions import InvalidAnnotations
from app.semantics.models import PageAnnotation
from app.semantics.ontology import Ontology, get_ontology


def type_all(inline: Iterable[tuple[str, str]], structured: Sequence[tuple[str, str]],
             ontology: Ontology | None = None) -> list[Annotation]:
    """Type every annotation of an edit; one 422 lists all that are wrong, and nothing is saved."""
    ontology = ontology or get_ontology()
    typed: list[Annotation] = []
    errors: list[dict[str, object]] = []
    for origin, items in (("inline", list(inline)), ("structured", structured)):
        for index, (prop, value) in enumerate(items):
            try:
                typed.append(type_annotation(ontology, prop, value, origin))
            except AnnotationError as error:
                errors.append(error.as_dict("content" if origin == "inline" else f"annotations[{index}]"))
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidAnnotations(
            f"Annotation {first['annotation']} was refused: {first['message']} Expected {first['accepted']}.{more} "
            "Nothing of this edit was saved.", errors=errors,
        )
    return _unique(typed)


def _unique(annotations: list[Annotation]) -> list[Annotation]:
    """The same statement twice is one statement; kept as structured if it was given so, so that
    an edit which drops it from the text keeps it (structured ones outlive text changes)."""
    kept: dict[tuple[str, str], Annotation] = {}
    for annotation in annotations:
        key = (str(annotation.property.iri), annotation.value.text)
        if key not in kept or annotation.origin == "structured":
            kept[key] = annotation
    return list(kept.values())


def same_statements(typed: Sequence[Annotation], rows: Sequence[PageAnnotation]) -> bool:
    """Whether typed annotations state exactly what stored rows state (spelling aside)."""
    def key(origin: str, prop: str, value: str) -> tuple[str, str, str]:
        return origin, prop, value

    return sorted(key(a.origin, str(a.property.iri), a.value.text) for a in typed) == sorted(
        key(r.origin, r.property_iri, r.value_text) for r in rows)


def store(session: Session, revision_id: int, annotations: Sequence[Annotation]) -> None:
    """Save a revision's typed annotations."""
    session.add_all(
        PageAnnotation(
            revision_id=revision_id, position=position, origin=a.origin, property_iri=str(a.property.iri),
            raw_value=a.raw, kind=a.value.kind.value, value_text=a.value.text,
            value_number=float(a.value.number) if a.value.number is not None else None,
            value_date=a.value.day, value_iri=a.value.iri, unit=a.value.unit,
        )
        for position, a in enumerate(annotations)
    )


def copy(session: Session, from_revision_id: int, to_revision_id: int) -> None:
    """Carry annotations over to a new revision with the same content (revert, move)."""
    for row in of_revision(session, from_revision_id):
        session.add(PageAnnotation(
            revision_id=to_revision_id, position=row.position, origin=row.origin, property_iri=row.property_iri,
            raw_value=row.raw_value, kind=row.kind, value_text=row.value_text, value_number=row.value_number,
            value_date=row.value_date, value_iri=row.value_iri, unit=row.unit,
        ))


def of_revision(session: Session, revision_id: int) -> list[PageAnnotation]:
    return list(session.scalars(
        select(PageAnnotation).where(PageAnnotation.revision_id == revision_id).order_by(PageAnnotation.position)
    ))


def of_revisions(session: Session, revision_ids: Iterable[int]) -> dict[int, list[PageAnnotation]]:
    """Annotations of many revisions in one query."""
    found: dict[int, list[PageAnnotation]] = {}
    ids = list(set(revision_ids))
    if not ids:
        return found
    rows = session.scalars(select(PageAnnotation).where(PageAnnotation.revision_id.in_(ids))
                           .order_by(PageAnnotation.revision_id, PageAnnotation.position))
    for row in rows:
        found.setdefault(row.revision_id, []).append(row)
    return found


def structured_inputs(session: Session, revision_id: int) -> list[tuple[str, str]]:
    """The structured (API) annotations of a revision as (property label, raw value) pairs."""
    ontology = get_ontology()
    pairs = []
    for row in of_revision(session, revision_id):
        if row.origin == "structured":
            spec = ontology.properties.get(URIRef(row.property_iri))
            pairs.append((spec.label if spec else row.property_iri, row.raw_value))
    return pairs

