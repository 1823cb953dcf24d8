"""Typing annotation values against the ontology: `type_annotation(get_ontology(), prop, raw, origin)`.

Pure and table-driven: no database, no HTTP. Every case names what an adviser types and what the
service must make of it (the canonical value), or why it refuses it and what it would accept.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.annotations.values import AnnotationError, type_annotation
from app.annotations.ontology import ValueType, get_ontology

LMI = "https://w3id.org/mature-lmi/ontology#"
DCTERMS = "http://purl.org/dc/terms/"
SECTORS = "https://w3id.org/mature-lmi/sectors/"
REGIONS = "https://w3id.org/mature-lmi/regions/"
LEVELS = "https://w3id.org/mature-lmi/levels/"
QUALIFICATIONS = "https://w3id.org/mature-lmi/qualifications/"


def typed(prop: str, raw: str, origin: str = "structured"):
    return type_annotation(get_ontology(), prop, raw, origin)


def refused(prop: str, raw: str, origin: str = "structured") -> AnnotationError:
    with pytest.raises(AnnotationError) as caught:
        typed(prop, raw, origin)
    return caught.value


# ------------------------------------------------------------------ resolving the property


@pytest.mark.parametrize("name, iri", [
    ("Median pay", LMI + "medianPay"),                         # rdfs:label
    ("Median salary", LMI + "medianPay"),                      # skos:altLabel
    ("Median earnings", LMI + "medianPay"),
    ("lmi:medianPay", LMI + "medianPay"),                      # CURIE
    ("LMI:MEDIANPAY", LMI + "medianPay"),
    (LMI + "medianPay", LMI + "medianPay"),                    # full IRI
    ("median PAY", LMI + "medianPay"),                         # case-insensitive
    ("median_pay", LMI + "medianPay"),                         # underscores are spaces
    ("  Median   pay ", LMI + "medianPay"),                    # surplus whitespace
    ("dcterms:source", DCTERMS + "source"),                    # a reused Dublin Core term
    ("Data source", DCTERMS + "source"),
    (DCTERMS + "source", DCTERMS + "source"),
    ("Area", LMI + "region"),
    ("valid_until", LMI + "validUntil"),
    ("Review by", LMI + "validUntil"),
    ("RQF level", LMI + "qualificationLevel"),
    ("Topic", DCTERMS + "subject"),
])
def test_property_is_found_by_label_alt_label_curie_or_iri(name, iri):
    annotation = typed(name, "2027-03-31" if iri.endswith("validUntil") else _sample_value(iri))
    assert str(annotation.property.iri) == iri


def _sample_value(iri: str) -> str:
    return {
        LMI + "medianPay": "27500 GBP", DCTERMS + "source": "ONS ASHE 2024", LMI + "region": "North East",
        LMI + "qualificationLevel": "Level 3", DCTERMS + "subject": "Apprenticeships",
    }[iri]


def test_the_resolved_property_carries_its_label_and_value_type():
    annotation = typed("Median salary", "27500 GBP")
    assert annotation.property.label == "Median pay"
    assert annotation.property.curie == "lmi:medianPay"
    assert annotation.property.value_type is ValueType.money
    assert annotation.raw == "27500 GBP" and annotation.origin == "structured"


@pytest.mark.parametrize("name, suggestion", [
    ("Sectr", "Sector"),
    ("Vacancy", "Vacancies"),
    ("Medianpay", "Median pay"),
    ("Valid untill", "Valid until"),
])
def test_unknown_property_is_refused_with_suggestions(name, suggestion):
    error = refused(name, "anything")
    assert error.suggestions[0] == suggestion
    assert f"'{name}' is not a property of the LMI ontology" in error.reason
    assert f"Did you mean '{suggestion}'" in error.reason
    assert "GET /api/ontology" in error.accepted
    assert error.annotation == f"{name} = 'anything'"


def test_unknown_property_without_anything_close_has_no_suggestions():
    error = refused("Zqxjv wobble", "1")
    assert error.suggestions == []
    assert "Did you mean" not in error.reason


def test_the_refused_annotation_is_shown_as_the_adviser_wrote_it():
    assert refused("Sectr", "Health", origin="inline").annotation == "[[Sectr::Health]]"
    assert refused("Sectr", "Health", origin="structured").annotation == "Sectr = 'Health'"
    # also when the value, not the property, is wrong (the concept parser fills it in late)
    assert refused("Sector", "Helth", origin="inline").annotation == "[[Sector::Helth]]"
    assert refused("Vacancies", "many", origin="inline").annotation == "[[Vacancies::many]]"


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize("raw", ["2027-03-31", "31 March 2027", "31 Mar 2027", "31/03/2027", " 2027-03-31 "])
def test_dates_in_the_usual_uk_forms_become_iso_dates(raw):
    value = typed("Valid until", raw).value
    assert value.kind is ValueType.date
    assert value.text == "2027-03-31" and value.day == date(2027, 3, 31)
    assert value.number is None and value.iri is None and value.unit is None


@pytest.mark.parametrize("raw", ["2027-02-30", "soon", "31/13/2027", "next spring", "2027"])
def test_non_dates_are_refused_with_the_date_forms_accepted(raw):
    error = refused("Valid until", raw)
    assert error.reason == f"'{raw}' is not valid for 'Valid until': it is not a date"
    assert error.accepted == "a date such as 2027-03-31 or 31 March 2027"
    assert error.suggestions == []


# ------------------------------------------------------------------ integers


@pytest.mark.parametrize("prop, raw, text", [
    ("Vacancies", "12500", "12500"),
    ("Vacancies", "12,500", "12500"),
    ("Employment count", "1,250,000", "1250000"),
    ("Jobs", " 82000 ", "82000"),
    ("Vacancies", "0", "0"),
])
def test_whole_numbers_with_thousands_separators(prop, raw, text):
    value = typed(prop, raw).value
    assert value.kind is ValueType.integer
    assert value.text == text and value.number == Decimal(text)
    assert value.day is None and value.unit is None


@pytest.mark.parametrize("raw", ["12.5", "twelve", "12k", "1e3"])
def test_non_whole_numbers_are_refused(raw):
    error = refused("Vacancies", raw)
    assert error.reason == f"'{raw}' is not valid for 'Vacancies': it is not a whole number"
    assert error.accepted == "a whole number such as 12500"


@pytest.mark.parametrize("prop", ["Vacancies", "Employment count"])
def test_negative_counts_are_refused(prop):
    refused(prop, "-5")


@pytest.mark.parametrize("prop, raw", [("Vacancies", "12,5"), ("Median pay", "€12,50")])
def test_misplaced_thousands_separators_are_refused(prop, raw):
    refused(prop, raw)


# ------------------------------------------------------------------ decimals and percentages


@pytest.mark.parametrize("raw, text", [
    ("3.5", "3.5"), ("3.5%", "3.5"), ("3.5 %", "3.5"), ("-2", "-2"), ("-1.25%", "-1.25"), ("0", "0"),
])
def test_growth_forecast_is_a_percentage(raw, text):
    value = typed("Growth forecast", raw).value
    assert value.kind is ValueType.decimal
    assert value.text == text and value.number == Decimal(text)
    assert value.unit == "percent"


@pytest.mark.parametrize("raw, why", [
    ("fast", "it is not a number"),
    ("3.5 percent", "it is not a number"),
    ("NaN", "it is not a number"),
    ("Infinity", "it is not a number"),
])
def test_non_numbers_are_refused_for_growth_forecast(raw, why):
    error = refused("Growth forecast", raw)
    assert error.reason == f"'{raw}' is not valid for 'Growth forecast': {why}"
    assert error.accepted == "a number such as 3.5 (a percentage)"


def test_decimal_canonical_text_is_plain_decimal_notation():
    try:
        value = typed("Growth forecast", "1e2").value
    except AnnotationError:
        return  # refusing exponent notation would be fine too
    assert value.text == "100"


# ------------------------------------------------------------------ money


@pytest.mark.parametrize("raw, text, number, currency", [
    ("27500 GBP", "27500 GBP", "27500", "GBP"),
    ("£27,500", "27500 GBP", "27500", "GBP"),
    ("GBP 27500", "27500 GBP", "27500", "GBP"),
    ("£27.5k", "27500 GBP", "27500", "GBP"),
    ("£27.5K", "27500 GBP", "27500", "GBP"),
    ("27500 gbp", "27500 GBP", "27500", "GBP"),
    ("£27,500 GBP", "27500 GBP", "27500", "GBP"),  # symbol and code agree: one currency
    ("€30,000", "30000 EUR", "30000", "EUR"),
    ("$45000", "45000 USD", "45000", "USD"),
    ("£27,500.50", "27500.5 GBP", "27500.50", "GBP"),
    ("£0", "0 GBP", "0", "GBP"),
    ("£\u00a027,500", "27500 GBP", "27500", "GBP"),  # a no-break space, as pasted from documents
])
def test_amounts_of_money_in_common_forms(raw, text, number, currency):
    value = typed("Median pay", raw).value
    assert value.kind is ValueType.money
    assert value.text == text
    assert value.number == Decimal(number)
    assert value.unit == currency
    assert value.iri is None and value.day is None


@pytest.mark.parametrize("raw, why", [
    ("27500", "the currency is missing; write it as 27500 GBP or £27,500"),
    ("£27500 EUR", "it names two different currencies; write it as 27500 GBP or £27,500"),
    ("GBP 27500 EUR", "it names two different currencies; write it as 27500 GBP or £27,500"),
    ("£-27500", "pay cannot be negative"),
    ("GBP -100", "pay cannot be negative"),
    ("-£27500", "it is not an amount of money"),
    ("about £27k a year", "it is not an amount of money"),
    ("£", "it is not an amount of money"),
])
def test_amounts_without_one_currency_or_below_zero_are_refused(raw, why):
    error = refused("Starting pay", raw)
    assert error.reason == f"'{raw}' is not valid for 'Starting pay': {why}"
    assert error.accepted == "an amount with its currency, such as 27500 GBP or £27,500"


# ------------------------------------------------------------------ URLs


@pytest.mark.parametrize("raw", [
    "https://www.ons.gov.uk/employmentandlabourmarket",
    "http://example.org/report.pdf",
    "https://www.skillsforcare.org.uk/adult-social-care-workforce-data?year=2024#pay",
])
def test_web_addresses_are_kept_as_iris(raw):
    value = typed("Source URL", raw).value
    assert value.kind is ValueType.url
    assert value.text == raw and value.iri == raw


@pytest.mark.parametrize("raw", [
    "ftp://x", "javascript:alert(1)", "www.ons.gov.uk", "https://", "https://www.ons.gov.uk/a b",
    "mailto:lmi@example.org", "data:text/html,<script>alert(1)</script>",
])
def test_other_addresses_are_refused(raw):
    error = refused("Source link", raw)
    assert error.reason == f"'{raw}' is not valid for 'Source URL': it is not an http(s) web address"
    assert error.accepted == "a web address starting with https:// or http://"


# ------------------------------------------------------------------ concepts


@pytest.mark.parametrize("prop, raw, label, iri", [
    ("Sector", "Health and social care", "Health and social care", SECTORS + "health-and-social-care"),
    ("Sector", "health AND social care", "Health and social care", SECTORS + "health-and-social-care"),
    ("Sector", "Healthcare", "Health and social care", SECTORS + "health-and-social-care"),   # altLabel
    ("Sector", SECTORS + "construction", "Construction", SECTORS + "construction"),          # the IRI
    ("Region", "North East", "North East", REGIONS + "north-east"),
    ("Region", "NE", "North East", REGIONS + "north-east"),                                  # altLabel
    ("Region", "TLC", "North East", REGIONS + "north-east"),                                 # notation (ITL1)
    ("Location", "Cymru", "Wales", REGIONS + "wales"),
    ("Qualification", "T-levels", "T Level", QUALIFICATIONS + "t-level"),
    ("Qualification level", "Level 3", "Level 3", LEVELS + "3"),
    ("Qualification level", "3", "Level 3", LEVELS + "3"),                                   # notation
    ("Qualification level", "L3", "Level 3", LEVELS + "3"),                                  # altLabel
    ("Level", "rqf level 3", "Level 3", LEVELS + "3"),
    ("Qualification level", "E", "Entry level", LEVELS + "entry"),
])
def test_concepts_by_label_alt_label_notation_or_iri(prop, raw, label, iri):
    value = typed(prop, raw).value
    assert value.kind is ValueType.concept
    assert value.text == label and value.iri == iri


def test_unknown_concept_is_refused_with_suggestions_and_the_valid_concepts():
    error = refused("Sector", "Helth and social care")
    assert error.suggestions[0] == "Health and social care"
    assert "'Helth and social care' is not a known sector" in error.reason
    assert "Did you mean 'Health and social care'" in error.reason
    assert error.accepted.startswith("one of: Agriculture, environment and animal care, Business and administration, ")
    assert "Construction" in error.accepted and "Health and social care" in error.accepted
    assert "GET /api/ontology" in error.accepted


def test_the_accepted_text_lists_every_level_of_a_small_scheme():
    error = refused("Qualification level", "9")
    assert error.accepted == ("one of: Entry level, Level 1, Level 2, Level 3, Level 4, Level 5, Level 6, Level 7, "
                              "Level 8 (see GET /api/ontology)")
    assert error.suggestions == []
    assert error.reason == "'9' is not a known qualification level."


def test_a_concept_of_another_scheme_is_not_accepted():
    error = refused("Region", "Construction")
    assert "is not a known region" in error.reason
    assert "North East" in error.accepted and "Construction" not in error.accepted


# ------------------------------------------------------------------ page titles, text, empty values


@pytest.mark.parametrize("raw, title", [
    ("Care work", "Care work"),
    ("care_work  in the   north east", "Care work in the north east"),
])
def test_page_values_are_normalised_titles(raw, title):
    value = typed("Related page", raw).value
    assert value.kind is ValueType.page
    assert value.text == title and value.iri is None


@pytest.mark.parametrize("raw", ["[bad]", "Category:Sector profile", "a::b"])
def test_invalid_page_titles_are_refused(raw):
    error = refused("See also", raw)
    assert error.reason.startswith(f"'{raw}' is not valid for 'Related page': A title cannot")
    assert error.accepted == "the title of a page in the same space"


def test_text_is_trimmed_and_its_spaces_collapsed():
    value = typed("Occupation", "  Care   worker ").value
    assert value.kind is ValueType.text and value.text == "Care worker"


def test_text_of_500_characters_is_accepted_and_501_refused():
    assert typed("Source", "x" * 500).value.text == "x" * 500
    error = refused("Source", "x" * 501)
    assert error.reason.endswith("is not valid for 'Source': it is longer than 500 characters")
    assert error.accepted == "text of up to 500 characters"


@pytest.mark.parametrize("prop, accepted", [
    ("Occupation", "text of up to 500 characters"),
    ("Median pay", "an amount with its currency, such as 27500 GBP or £27,500"),
    ("Sector", "one of the concepts of its scheme"),
    ("Valid until", "a date such as 2027-03-31 or 31 March 2027"),
])
@pytest.mark.parametrize("raw", ["", "   ", "\t\n"])
def test_empty_values_are_refused(prop, accepted, raw):
    error = refused(prop, raw)
    label = get_ontology().property(prop).label
    assert error.reason == f"'{label}' needs a value."
    assert error.accepted == accepted


def test_as_dict_is_what_the_api_reports():
    error = refused("Median pay", "27500", origin="inline")
    assert error.as_dict("content") == {
        "field": "content", "annotation": "[[Median pay::27500]]",
        "message": "'27500' is not valid for 'Median pay': the currency is missing; write it as 27500 GBP or £27,500",
        "accepted": "an amount with its currency, such as 27500 GBP or £27,500", "suggestions": [],
    }
