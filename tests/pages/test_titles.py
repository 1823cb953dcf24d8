"""Page titles: the display form, the comparison key, and the titles that are refused (and why)."""

from __future__ import annotations

import pytest

from app.titles import MAX_TITLE, InvalidTitle, normalise_title, title_key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Careers advice", "Careers advice"),
        ("careers advice", "Careers advice"),
        ("  Careers advice  ", "Careers advice"),
        ("Careers   advice", "Careers advice"),
        ("Careers_advice", "Careers advice"),
        ("_Careers__advice_", "Careers advice"),
        ("Careers _ advice", "Careers advice"),
        ("Careers\tadvice", "Careers advice"),
        ("Careers\u00a0advice", "Careers advice"),
        ("health and Social care", "Health and Social care"),
        ("nHS Jobs", "NHS Jobs"),
        ("élan vital", "Élan vital"),
        ("1st line support", "1st line support"),
        ("Labour market: North East", "Labour market: North East"),
        ("Cafe\u0301", "Caf\u00e9"),
    ],
    ids=[
        "unchanged", "first-letter-capitalised", "trimmed", "spaces-collapsed", "underscore-is-space",
        "underscores-trimmed-and-collapsed", "mixed-space-underscore-run", "tab-is-space", "nbsp-is-space",
        "only-first-letter-changes", "rest-of-case-kept", "non-ascii-first-letter", "leading-digit",
        "single-colon-allowed", "unicode-nfc",
    ],
)
def test_normalise_title(raw: str, expected: str) -> None:
    assert normalise_title(raw) == expected


def test_normalise_title_is_idempotent() -> None:
    once = normalise_title("  health__and social   care ")
    assert normalise_title(once) == once == "Health and social care"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("health and Social care", "Health and social care"),
        ("HEALTH AND SOCIAL CARE", "health and social care"),
        ("Health_and_social_care", " health and  social care "),
        ("Straße", "STRASSE"),
    ],
    ids=["mixed-case", "all-caps", "underscores-and-spaces", "casefold-not-lower"],
)
def test_title_key_equates_titles_of_one_page(a: str, b: str) -> None:
    assert title_key(a) == title_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Health and social care", "Health and social cares"),
        ("Care", "Car e"),
        ("Résumé", "Resume"),
    ],
    ids=["plural", "space-matters", "accents-matter"],
)
def test_title_key_keeps_different_titles_apart(a: str, b: str) -> None:
    assert title_key(a) != title_key(b)


def test_title_key_value() -> None:
    assert title_key("health and Social care") == "health and social care"


def test_title_key_refuses_what_normalise_refuses() -> None:
    with pytest.raises(InvalidTitle):
        title_key("A [bad] title")


@pytest.mark.parametrize(
    ("raw", "message_part"),
    [
        ("", "cannot be empty"),
        ("   ", "cannot be empty"),
        ("___", "cannot be empty"),
        ("\n\t", "cannot be empty"),
        ("x" * (MAX_TITLE + 1), f"at most {MAX_TITLE} characters"),
        ("A [bracket]", "'['"),
        ("A ]", "']'"),
        ("A {brace", "'{'"),
        ("A }", "'}'"),
        ("A|B", "'|'"),
        ("Page#Section", "'#'"),
        ("<b>Bold</b>", "'<'"),
        ("A > B", "'>'"),
        ("Null\x00byte", "U+0000 (NUL)"),
        ("Bell\x07", "U+0007"),
        ("Delete\x7f", "U+007F (DELETE)"),
        ("Zero\u200bwidth", "U+200B (ZERO WIDTH SPACE)"),
        ("Category:Careers", "Category:"),
        ("category:careers", "Category:"),
        ("CATEGORY: Careers", "Category:"),
        ("Salary::30000", "'::'"),
        ("::", "'::'"),
    ],
    ids=[
        "empty", "only-spaces", "only-underscores", "only-newline-and-tab", "too-long",
        "open-bracket", "close-bracket", "open-brace", "close-brace", "pipe", "hash", "less-than", "greater-than",
        "nul", "bell", "delete", "zero-width-space",
        "category-prefix", "category-prefix-lower", "category-prefix-upper", "annotation-syntax", "bare-double-colon",
    ],
)
def test_invalid_titles_are_refused_with_a_reason(raw: str, message_part: str) -> None:
    with pytest.raises(InvalidTitle) as excinfo:
        normalise_title(raw)
    assert message_part in str(excinfo.value)


def test_invalid_title_is_a_value_error() -> None:
    assert issubclass(InvalidTitle, ValueError)


def test_forbidden_characters_are_all_named_once_in_order() -> None:
    with pytest.raises(InvalidTitle) as excinfo:
        normalise_title("a]b[c]#")
    assert "'#' '[' ']';" in str(excinfo.value)


@pytest.mark.parametrize(
    ("raw", "expected_length"),
    [
        ("x" * MAX_TITLE, MAX_TITLE),
        ("  " + "x" * MAX_TITLE + "  ", MAX_TITLE),
        ("x" * 100 + "     " + "x" * 99, MAX_TITLE),
    ],
    ids=["exactly-max", "max-after-trimming", "max-after-collapsing-spaces"],
)
def test_length_is_counted_after_normalising(raw: str, expected_length: int) -> None:
    assert len(normalise_title(raw)) == expected_length


@pytest.mark.parametrize(
    "raw",
    ["Category", "My category: notes", "Categories:List", "A:B", "Time 10:30"],
    ids=["word-category", "category-not-prefix", "categories-prefix", "single-colon", "clock-time"],
)
def test_titles_that_only_look_special_are_allowed(raw: str) -> None:
    assert normalise_title(raw) == raw[0].upper() + raw[1:]
