"""The #ask-style query API: JSON conditions, printouts and sorting, compiled to SPARQL.

Widgets ask "mature pages on health-sector shortages in the North East, newest first" without
writing SPARQL; the generated query runs through the same endpoint machinery, so the same
rights rule, dataset restriction and time limit apply. Values are typed exactly as annotations
are (so `£27,500` and `27500 GBP` mean the same), and a bad condition is a 422 naming it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator
from rdflib import XSD, URIRef
from rdflib import Literal as RdfLiteral
from sqlalchemy.orm import Session

from app.annotations.ontology import Ontology, PropertySpec, ValueType
from app.annotations.values import AnnotationError, canonical_decimal, type_annotation
from app.auth.models import User
from app.errors import ProblemError
from app.linkeddata import sparql
from app.linkeddata.rdf import Iris
from app.linkeddata.store import GraphStore
from app.schema import RequestSchema, Schema

PREFIXES = """PREFIX lmi: <https://w3id.org/mature-lmi/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


class Condition(RequestSchema):
    """One condition: on a property's values, a category or a space."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"property": "Region", "concept": "England", "include_narrower": True},
        {"property": "Median pay", "min": "25000 GBP"},
        {"category": "Shortage occupation"},
    ]})

    property: str | None = Field(None, examples=["Sector"])
    equals: str | None = Field(None, description="Value equal to this (typed like an annotation).")
    concept: str | None = Field(None, description="For concept properties: this concept ...")
    include_narrower: bool = Field(True, description="... or any narrower one (e.g. England covers North East).")
    min: str | None = Field(None, description="Lowest value (number, amount or date), inclusive.")
    max: str | None = Field(None, description="Highest value (number, amount or date), inclusive.")
    contains: str | None = Field(None, max_length=200, description="For text properties: contains this.")
    category: str | None = None
    space_id: int | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> Condition:
        if sum(x is not None for x in (self.property, self.category, self.space_id)) != 1:
            raise ValueError("give exactly one of property, category or space_id")
        if self.property is not None and all(v is None for v in (self.equals, self.concept, self.min, self.max,
                                                                    self.contains)):
            raise ValueError("a property condition needs equals, concept, min, max or contains")
        return self


class SortKey(RequestSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"by": "Median pay", "order": "desc"}]})

    by: str = Field("modified", description="modified, title, or a property label", examples=["modified"])
    order: Literal["asc", "desc"] = "desc"


class QueryRequest(RequestSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "conditions": [{"property": "Sector", "equals": "Health and social care"},
                       {"property": "Region", "concept": "North East"},
                       {"property": "Median pay", "min": "20000 GBP"}],
        "printouts": ["Median pay", "Valid until"], "sort": [{"by": "modified", "order": "desc"}],
        "limit": 20, "offset": 0,
    }]})

    conditions: list[Condition] = Field(default_factory=list, max_length=20)
    printouts: list[str] = Field(default_factory=list, max_length=20, description="Property labels to show.")
    sort: list[SortKey] = Field(default_factory=lambda: [SortKey()], max_length=3)
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=100_000)


class QueryRow(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "page_id": 9, "title": "Health and social care in the North East", "space_id": 2,
        "modified": "2026-11-20T10:12:00Z", "values": {"Median pay": ["27500 GBP"], "Valid until": ["2027-03-31"]}}]})

    page_id: int
    title: str
    space_id: int
    modified: str
    values: dict[str, list[str]] = Field(default_factory=dict, description="Printout label -> values.")


class QueryResult(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "items": [{"page_id": 9, "title": "Health and social care in the North East", "space_id": 2,
                   "modified": "2026-11-20T10:12:00Z", "values": {"Median pay": ["27500 GBP"]}}],
        "limit": 20, "offset": 0, "next_offset": None, "sparql": "PREFIX lmi: ... SELECT ...",
    }]})

    items: list[QueryRow]
    limit: int
    offset: int
    next_offset: int | None = Field(description="Pass as offset for the next page; null on the last page.")
    sparql: str = Field(description="The SPARQL this query ran as (for learning, or to refine by hand).")


class InvalidQuery(ProblemError):
    status = 422
    title = "Invalid query"


def run(session: Session, store: GraphStore, user: User, ontology: Ontology, iris: Iris, request: QueryRequest,
        timeout: float) -> QueryResult:
    """Compile, run and shape one query for one caller."""
    text = compile_query(ontology, iris, request)
    rows = sparql.select_rows(session, store, user, text, timeout)
    has_more = len(rows) > request.limit
    rows = rows[:request.limit]
    items = [QueryRow(page_id=int(r["page"].rsplit("/", 1)[1]), title=r["title"],
                      space_id=int(r["space"].rsplit("/", 1)[1]), modified=r["modified"]) for r in rows]
    if items and request.printouts:
        _fill_printouts(session, store, user, ontology, iris, items, request.printouts, timeout)
    return QueryResult(items=items, limit=request.limit, offset=request.offset,
                       next_offset=request.offset + request.limit if has_more else None, sparql=text)


def compile_query(ontology: Ontology, iris: Iris, request: QueryRequest) -> str:
    """The SPARQL SELECT for a request; 422 naming the first bad condition, printout or sort key."""
    patterns = ["?page a lmi:Page ; dcterms:title ?title ; lmi:space ?space ; dcterms:modified ?modified ."]
    for index, condition in enumerate(request.conditions):
        patterns += _condition(ontology, iris, index, condition)
    order, extra = _ordering(ontology, request.sort)
    patterns += extra
    select = "SELECT ?page ?title ?space ?modified" + "".join(f" (MIN(?sort{i}) AS ?s{i})" for i in range(len(extra)))
    group = " GROUP BY ?page ?title ?space ?modified" if extra else ""
    body = "\n  ".join(patterns)
    return (f"{PREFIXES}{select} WHERE {{\n  {body}\n}}{group}\nORDER BY {order}\n"
            f"LIMIT {request.limit + 1} OFFSET {request.offset}")


def _property(ontology: Ontology, name: str, where: str) -> PropertySpec:
    spec = ontology.property(name)
    if spec is None:
        suggestions = ontology.suggest_properties(name)
        hint = f" Did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        raise InvalidQuery(f"{where}: '{name}' is not a property of the LMI ontology.{hint}",
                           errors=[{"field": where, "message": f"unknown property {name!r}", "suggestions": suggestions}])
    return spec


def _typed(ontology: Ontology, spec: PropertySpec, raw: str, where: str):
    try:
        return type_annotation(ontology, spec.label, raw, "structured").value
    except AnnotationError as error:
        raise InvalidQuery(f"{where}: {error.reason} Expected {error.accepted}.",
                           errors=[{"field": where, "message": error.reason, "accepted": error.accepted,
                                    "suggestions": error.suggestions}]) from None


def _condition(ontology: Ontology, iris: Iris, index: int, condition: Condition) -> list[str]:
    where = f"conditions[{index}]"
    if condition.category is not None:
        return [f"?page lmi:category {RdfLiteral(condition.category).n3()} ."]
    if condition.space_id is not None:
        return [f"?page lmi:space {iris.space(condition.space_id).n3()} ."]
    spec = _property(ontology, condition.property or "", where)
    value, kind = f"?v{index}", spec.value_type
    patterns = ([f"?page {spec.iri.n3()} ?m{index} . ?m{index} schema:value {value} ; schema:currency ?c{index} ."]
                if kind is ValueType.money else [f"?page {spec.iri.n3()} {value} ."])
    if condition.equals is not None:
        typed = _typed(ontology, spec, condition.equals, where)
        if kind in (ValueType.concept, ValueType.url) and condition.concept is None:  # a fixed term joins faster
            patterns[0] = f"?page {spec.iri.n3()} {_term(kind, typed)} ."
        else:
            patterns.append(f"FILTER({value} = {_term(kind, typed)})")
        if kind is ValueType.money:
            patterns.append(f"FILTER(?c{index} = {RdfLiteral(typed.unit).n3()})")
    if condition.concept is not None:
        if kind is not ValueType.concept:
            raise InvalidQuery(f"{where}: 'concept' needs a concept property; '{spec.label}' holds {spec.expected}.")
        typed = _typed(ontology, spec, condition.concept, where)
        iris_ = ontology.with_narrower(URIRef(typed.iri)) if condition.include_narrower else {URIRef(typed.iri)}
        patterns.append(f"VALUES {value} {{ {' '.join(sorted(i.n3() for i in iris_))} }}")
    for bound, op in ((condition.min, ">="), (condition.max, "<=")):
        if bound is None:
            continue
        if kind not in (ValueType.integer, ValueType.decimal, ValueType.money, ValueType.date):
            raise InvalidQuery(f"{where}: min/max need a number, amount or date property; "
                               f"'{spec.label}' holds {spec.expected}.")
        typed = _typed(ontology, spec, bound, where)
        patterns.append(f"FILTER({value} {op} {_term(kind, typed)})")
        if kind is ValueType.money:
            patterns.append(f"FILTER(?c{index} = {RdfLiteral(typed.unit).n3()})")
    if condition.contains is not None:
        if kind is not ValueType.text:
            raise InvalidQuery(f"{where}: 'contains' needs a text property; '{spec.label}' holds {spec.expected}.")
        patterns.append(f"FILTER(CONTAINS(LCASE(STR({value})), {RdfLiteral(condition.contains.lower()).n3()}))")
    return patterns


def _term(kind: ValueType, typed) -> str:
    if kind in (ValueType.concept, ValueType.url):
        return URIRef(typed.iri).n3()
    if kind is ValueType.date:
        return RdfLiteral(typed.text, datatype=XSD.date).n3()
    if kind is ValueType.integer:
        return RdfLiteral(typed.text, datatype=XSD.integer).n3()
    if kind in (ValueType.decimal, ValueType.money):
        return RdfLiteral(canonical_decimal(typed.number), datatype=XSD.decimal).n3()
    return RdfLiteral(typed.text).n3()


def _ordering(ontology: Ontology, keys: list[SortKey]) -> tuple[str, list[str]]:
    parts, extra = [], []
    for index, key in enumerate(keys):
        if key.by in ("modified", "title"):
            variable = f"?{key.by}"
        else:
            spec = _property(ontology, key.by, f"sort[{index}]")
            variable = f"?s{len(extra)}"
            path = f"{spec.iri.n3()}/schema:value" if spec.value_type is ValueType.money else spec.iri.n3()
            extra.append(f"OPTIONAL {{ ?page {path} ?sort{len(extra)} }}")
        parts.append(f"{key.order.upper()}({variable})")
    return " ".join(parts + ["?page"]), extra


def _fill_printouts(session: Session, store: GraphStore, user: User, ontology: Ontology, iris: Iris,
                    items: list[QueryRow], printouts: list[str], timeout: float) -> None:
    specs = [_property(ontology, name, f"printouts[{i}]") for i, name in enumerate(printouts)]
    pages = " ".join(iris.page(item.page_id).n3() for item in items)
    branches = " UNION ".join(_printout_branch(spec, pages) for spec in specs)
    text = f"{PREFIXES}SELECT ?page ?p ?value ?amount ?currency ?label WHERE {{ {branches} }}"
    by_page = {item.page_id: item for item in items}
    labels = {str(spec.iri): spec.label for spec in specs}
    for row in sparql.select_rows(session, store, user, text, timeout):
        shown = (f"{row['amount']} {row['currency']}" if "amount" in row else row.get("label") or row["value"])
        values = by_page[int(row["page"].rsplit("/", 1)[1])].values.setdefault(labels[row["p"]], [])
        if shown not in values:
            values.append(shown)


def _printout_branch(spec: PropertySpec, pages: str) -> str:
    """One UNION branch per printout: Oxigraph evaluates these ~300x faster than one VALUES ?p join."""
    head = f"{{ VALUES ?page {{ {pages} }} ?page {spec.iri.n3()} ?value . BIND({spec.iri.n3()} AS ?p) "
    if spec.value_type is ValueType.money:
        return head + "?value schema:value ?amount ; schema:currency ?currency . }"
    if spec.value_type is ValueType.concept:
        return head + "OPTIONAL { ?value skos:prefLabel ?label FILTER(LANG(?label) = 'en' || LANG(?label) = '') } }"
    return head + "}"
