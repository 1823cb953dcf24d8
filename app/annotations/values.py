"""Typing annotation values by their property's range (pure: no database, no HTTP).

`[[Median pay::£27,500]]` and `{"property": "Median pay", "value": "27500 GBP"}` become the same
typed value; anything that does not fit is refused with the reason and what would be accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

from app.annotations.ontology import Ontology, PropertySpec, ValueType
from app.titles import InvalidTitle, normalise_title

MAX_TEXT = 500
CURRENCY_SYMBOLS = {"£": "GBP", "€": "EUR", "$": "USD"}
_MONEY = re.compile(
    r"^(?P<pre>[A-Za-z]{3})?\s*(?P<symbol>[£€$])?\s*(?P<number>-?[\d,]*\.?\d+)\s*(?P<k>[kK])?\s*(?P<post>[A-Za-z]{3})?$"
)
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+|\d+")
_DECIMAL = re.compile(r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?|-?\.\d+")
_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d/%m/%Y", "%B %Y")


@dataclass(frozen=True)
class TypedValue:
    """A value in canonical form; exactly the fields its type needs are set."""

    kind: ValueType
    text: str
    number: Decimal | None = None
    day: date | None = None
    iri: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Annotation:
    property: PropertySpec
    raw: str
    value: TypedValue
    origin: str  # "inline" (in the text) or "structured" (in the API payload)


@dataclass
class AnnotationError(Exception):
    """Why one annotation was refused, and what would have been accepted."""

    annotation: str
    reason: str
    accepted: str
    suggestions: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.annotation}: {self.reason}"

    def as_dict(self, where: str) -> dict[str, object]:
        return {"field": where, "annotation": self.annotation, "message": self.reason, "accepted": self.accepted,
                "suggestions": self.suggestions}


def type_annotation(ontology: Ontology, prop_name: str, raw: str, origin: str) -> Annotation:
    """Resolve the property and type the value, or raise AnnotationError."""
    shown = f"[[{prop_name}::{raw}]]" if origin == "inline" else f"{prop_name} = {raw!r}"
    spec = ontology.property(prop_name)
    if spec is None:
        suggestions = ontology.suggest_properties(prop_name)
        hint = f" Did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        raise AnnotationError(shown, f"'{prop_name}' is not a property of the LMI ontology.{hint}",
                              "a property listed at GET /api/ontology", suggestions)
    value = raw.strip()
    if not value:
        raise AnnotationError(shown, f"'{spec.label}' needs a value.", spec.expected)
    try:
        typed = _PARSERS[spec.value_type](ontology, spec, value)
    except AnnotationError as error:
        error.annotation = shown
        raise
    except ValueError as error:
        raise AnnotationError(shown, f"'{value}' is not valid for '{spec.label}': {error}", spec.expected) from None
    return Annotation(spec, value, typed, origin)


def _date(_: Ontology, spec: PropertySpec, value: str) -> TypedValue:
    for fmt in _DATE_FORMATS:
        try:
            day = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        return TypedValue(ValueType.date, day.isoformat(), day=day)
    raise ValueError("it is not a date")


def _integer(_: Ontology, spec: PropertySpec, value: str) -> TypedValue:
    """Counts: whole, not negative; commas only as thousands separators ('12,5' is refused)."""
    if not _GROUPED.fullmatch(value.strip().lstrip("-")):
        raise ValueError("it is not a whole number")
    number = int(value.replace(",", ""))
    if number < 0:
        raise ValueError("a count cannot be negative")
    return TypedValue(ValueType.integer, str(number), number=Decimal(number))


def _decimal(_: Ontology, spec: PropertySpec, value: str) -> TypedValue:
    cleaned = value.strip()
    percent = cleaned.endswith("%")
    if percent and spec.unit != "percent":
        raise ValueError("a percentage is not expected here")
    number_text = cleaned.rstrip("%").strip()
    if not _DECIMAL.fullmatch(number_text):
        raise ValueError("it is not a number")
    number = Decimal(number_text.replace(",", ""))
    return TypedValue(ValueType.decimal, f"{number:f}", number=number, unit=spec.unit)


def canonical_decimal(number: Decimal) -> str:
    """The xsd:decimal canonical form: plain notation, at least one digit after the point."""
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0")
    return text + "0" if text.endswith(".") else text + ".0" if "." not in text else text


def _text(_: Ontology, spec: PropertySpec, value: str) -> TypedValue:
    if len(value) > MAX_TEXT:
        raise ValueError(f"it is longer than {MAX_TEXT} characters")
    text = " ".join(value.split())
    if spec.pattern and not re.fullmatch(spec.pattern.strip("^$"), text):
        raise ValueError(f"it should be {spec.hint or 'in the expected form'}")
    return TypedValue(ValueType.text, text)


def _url(_: Ontology, spec: PropertySpec, value: str) -> TypedValue:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise ValueError("it is not an http(s) web address")
    return TypedValue(ValueType.url, value, iri=value)


def _money(_: Ontology, spec: PropertySpec, value: str) -> TypedValue:
    match = _MONEY.match(value.replace("\u00a0", " "))
    if match is None:
        raise ValueError("it is not an amount of money")
    codes = {c.upper() for c in (match["pre"], match["post"]) if c}
    if match["symbol"]:
        codes.add(CURRENCY_SYMBOLS[match["symbol"]])
    if len(codes) != 1:
        reason = "the currency is missing" if not codes else "it names two different currencies"
        raise ValueError(f"{reason}; write it as 27500 GBP or £27,500")
    if not _DECIMAL.fullmatch(match["number"].lstrip("-")):
        raise ValueError("commas may only separate thousands; write 27500, 27,500 or 27500.50")
    number = Decimal(match["number"].replace(",", "")) * (1000 if match["k"] else 1)
    if number < 0:
        raise ValueError("pay cannot be negative")
    currency = codes.pop()
    return TypedValue(ValueType.money, f"{number.normalize():f} {currency}", number=number, unit=currency)


def _page(_: Ontology, spec: PropertySpec, value: str) -> TypedValue:
    try:
        title = normalise_title(value)
    except InvalidTitle as error:
        raise ValueError(str(error)) from None
    return TypedValue(ValueType.page, title)


def _concept(ontology: Ontology, spec: PropertySpec, value: str) -> TypedValue:
    assert spec.scheme is not None
    concept = ontology.concept(spec.scheme, value)
    if concept is None:
        suggestions = ontology.suggest_concepts(spec.scheme, value)
        valid = [c.label for c in ontology.concepts_in(spec.scheme)]
        listed = ", ".join(valid[:12]) + (", ..." if len(valid) > 12 else "")
        hint = f" Did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        raise AnnotationError("", f"'{value}' is not a known {spec.label.lower()}.{hint}",
                              f"one of: {listed} (see GET /api/ontology)", suggestions)
    return TypedValue(ValueType.concept, concept.label, iri=str(concept.iri))


_PARSERS = {
    ValueType.date: _date, ValueType.integer: _integer, ValueType.decimal: _decimal, ValueType.text: _text,
    ValueType.url: _url, ValueType.money: _money, ValueType.page: _page, ValueType.concept: _concept,
}
