"""Annotations of revisions: typing them against the ontology, storing and reading them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rdflib import URIRef
from sqlalchemy import Row, insert, literal, select
from sqlalchemy.orm import Session

from app.annotations.values import Annotation, AnnotationError, type_annotation
from app.annotations.exceptions import InvalidAnnotations
from app.annotations.models import PageAnnotation
from app.annotations.ontology import Ontology, get_ontology

_ROW = PageAnnotation.__table__


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


def same_statements(typed: Sequence[Annotation], stored: Sequence[tuple[str, str, str]]) -> bool:
    """Whether typed annotations state exactly what stored ones (`statements_of`) state (spelling aside)."""
    return sorted((a.origin, str(a.property.iri), a.value.text) for a in typed) == sorted(stored)


def statements_of(session: Session, revision_id: int) -> list[tuple[str, str, str]]:
    """A revision's annotations as (origin, property IRI, canonical value), without loading whole rows."""
    return [tuple(row) for row in session.execute(
        select(PageAnnotation.origin, PageAnnotation.property_iri, PageAnnotation.value_text)
        .where(PageAnnotation.revision_id == revision_id))]


def rows_for(annotations: Sequence[Annotation]) -> list[dict[str, object]]:
    """The annotation table's rows for typed annotations, but for `revision_id` (pure: built before the
    write turn, so storing thousands of them is one INSERT inside it)."""
    return [
        {"position": position, "origin": a.origin, "property_iri": str(a.property.iri), "raw_value": a.raw,
         "kind": a.value.kind.value, "value_text": a.value.text,
         "value_number": float(a.value.number) if a.value.number is not None else None,
         "value_date": a.value.day, "value_iri": a.value.iri, "unit": a.value.unit}
        for position, a in enumerate(annotations)
    ]


def store(session: Session, revision_id: int, rows: Sequence[dict[str, object]]) -> None:
    """Save a revision's annotations (from `rows_for`) in one bulk INSERT (executemany, no ORM objects)."""
    if rows:
        session.execute(_ROW.insert(), [{**row, "revision_id": revision_id} for row in rows])


_COPIED = ("position", "origin", "property_iri", "raw_value", "kind", "value_text", "value_number", "value_date",
           "value_iri", "unit")


def copy(session: Session, from_revision_id: int, to_revision_id: int) -> None:
    """Carry annotations over to a new revision with the same content (revert, move), inside the database."""
    columns = [getattr(PageAnnotation, name) for name in _COPIED]
    session.execute(insert(PageAnnotation).from_select(
        ["revision_id", *_COPIED],
        select(literal(to_revision_id), *columns).where(PageAnnotation.revision_id == from_revision_id)
        .order_by(PageAnnotation.position),
    ))


def of_revision(session: Session, revision_id: int) -> list[Row]:
    """A revision's annotations in order, as plain rows with the columns of PageAnnotation (thousands of
    ORM objects would cost a big page's readers a second: they are only read)."""
    return list(session.execute(
        select(_ROW).where(_ROW.c.revision_id == revision_id).order_by(_ROW.c.position)))


def of_revisions(session: Session, revision_ids: Iterable[int]) -> dict[int, list[Row]]:
    """Annotations of many revisions in one query."""
    found: dict[int, list[Row]] = {}
    ids = list(set(revision_ids))
    if not ids:
        return found
    rows = session.execute(select(_ROW).where(_ROW.c.revision_id.in_(ids))
                           .order_by(_ROW.c.revision_id, _ROW.c.position))
    for row in rows:
        found.setdefault(row.revision_id, []).append(row)
    return found


def structured_inputs(session: Session, revision_id: int) -> list[tuple[str, str]]:
    """The structured (API) annotations of a revision as (property label, raw value) pairs."""
    ontology = get_ontology()
    pairs = []
    for property_iri, raw_value in session.execute(
        select(PageAnnotation.property_iri, PageAnnotation.raw_value)
        .where(PageAnnotation.revision_id == revision_id, PageAnnotation.origin == "structured")
        .order_by(PageAnnotation.position)
    ):
        spec = ontology.properties.get(URIRef(property_iri))
        pairs.append((spec.label if spec else property_iri, raw_value))
    return pairs
