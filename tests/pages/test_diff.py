"""Differences between revisions: `diff -u` text for people, numbered hunks for widgets, line counts."""

from __future__ import annotations

import pytest

from app.pages.diff import DiffLine, Hunk, hunks, line_stats, unified_diff


def text(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


OLD = text("Intro", "Pay", "Hours")

# ------------------------------------------------------------------------- unified_diff


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            OLD,
            text("Intro", "Pay: £27k", "Hours"),
            "--- rev 1\n+++ rev 2\n@@ -1,3 +1,3 @@\n Intro\n-Pay\n+Pay: £27k\n Hours\n",
        ),
        (
            OLD,
            text("Intro", "Pay", "Hours", "Outlook"),
            "--- rev 1\n+++ rev 2\n@@ -1,3 +1,4 @@\n Intro\n Pay\n Hours\n+Outlook\n",
        ),
        (
            OLD,
            text("Intro", "Hours"),
            "--- rev 1\n+++ rev 2\n@@ -1,3 +1,2 @@\n Intro\n-Pay\n Hours\n",
        ),
        (
            "",
            text("New page"),
            "--- rev 1\n+++ rev 2\n@@ -0,0 +1 @@\n+New page\n",
        ),
    ],
    ids=["replace", "append", "delete", "from-empty"],
)
def test_unified_diff_text(old: str, new: str, expected: str) -> None:
    assert unified_diff(old, new, "rev 1", "rev 2") == expected


def test_unified_diff_context_limits_hunks() -> None:
    old = text(*(f"line {i}" for i in range(1, 21)))
    new = old.replace("line 2\n", "LINE 2\n").replace("line 19\n", "LINE 19\n")
    out = unified_diff(old, new, "a", "b", context=1)
    assert out.splitlines()[:2] == ["--- a", "+++ b"]
    assert [line for line in out.splitlines() if line.startswith("@@")] == ["@@ -1,3 +1,3 @@", "@@ -18,3 +18,3 @@"]
    assert " line 10" not in out
    # With the default context of 3 the two changes are still apart (17 lines between them).
    assert unified_diff(old, new, "a", "b").count("@@ -") == 2


@pytest.mark.parametrize(
    ("old", "new"),
    [("", ""), (OLD, OLD), ("One line, no newline", "One line, no newline")],
    ids=["empty", "same-text", "same-without-final-newline"],
)
def test_identical_texts_have_no_diff(old: str, new: str) -> None:
    assert unified_diff(old, new, "a", "b") == ""
    assert hunks(old, new) == []
    assert line_stats(old, new) == (0, 0)


@pytest.mark.parametrize(
    ("old", "new"),
    [("Intro\n", "Intro"), ("Intro\r\nPay\r\n", "Intro\nPay\n")],
    ids=["final-newline", "crlf-vs-lf"],
)
def test_line_end_only_difference_is_empty_or_a_real_diff(old: str, new: str) -> None:
    out = unified_diff(old, new, "a", "b")
    assert out == "" or out.startswith("--- a\n+++ b\n@@ ")


# ------------------------------------------------------------------------- hunks


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (
            text("Intro", "Pay: £27k", "Hours"),
            Hunk(1, 3, 1, 3, [
                DiffLine("equal", "Intro", 1, 1),
                DiffLine("delete", "Pay", 2, None),
                DiffLine("insert", "Pay: £27k", None, 2),
                DiffLine("equal", "Hours", 3, 3),
            ]),
        ),
        (
            text("Intro", "Pay", "Training", "Hours"),
            Hunk(1, 3, 1, 4, [
                DiffLine("equal", "Intro", 1, 1),
                DiffLine("equal", "Pay", 2, 2),
                DiffLine("insert", "Training", None, 3),
                DiffLine("equal", "Hours", 3, 4),
            ]),
        ),
        (
            text("Intro", "Hours"),
            Hunk(1, 3, 1, 2, [
                DiffLine("equal", "Intro", 1, 1),
                DiffLine("delete", "Pay", 2, None),
                DiffLine("equal", "Hours", 3, 2),
            ]),
        ),
        (
            text("Summary", "Intro", "Pay", "Hours"),
            Hunk(1, 3, 1, 4, [
                DiffLine("insert", "Summary", None, 1),
                DiffLine("equal", "Intro", 1, 2),
                DiffLine("equal", "Pay", 2, 3),
                DiffLine("equal", "Hours", 3, 4),
            ]),
        ),
        (
            "",
            Hunk(1, 3, 1, 0, [
                DiffLine("delete", "Intro", 1, None),
                DiffLine("delete", "Pay", 2, None),
                DiffLine("delete", "Hours", 3, None),
            ]),
        ),
    ],
    ids=["replace", "insert-middle", "delete-middle", "insert-at-start", "delete-all"],
)
def test_hunks_number_lines_from_one(new: str, expected: Hunk) -> None:
    assert hunks(OLD, new) == [expected]


def test_hunks_only_include_context_around_changes() -> None:
    old = text(*(f"line {i}" for i in range(1, 21)))
    new = old.replace("line 2\n", "LINE 2\n").replace("line 19\n", "LINE 19\n")
    first, second = hunks(old, new, context=1)
    assert (first.old_start, first.old_count, first.new_start, first.new_count) == (1, 3, 1, 3)
    assert (second.old_start, second.old_count, second.new_start, second.new_count) == (18, 3, 18, 3)
    assert [(line.op, line.text, line.old_line, line.new_line) for line in second.lines] == [
        ("equal", "line 18", 18, 18),
        ("delete", "line 19", 19, None),
        ("insert", "LINE 19", None, 19),
        ("equal", "line 20", 20, 20),
    ]


def test_hunk_line_numbers_after_an_earlier_insertion() -> None:
    """An insertion near the top shifts the new line numbers of a later hunk, not the old ones."""
    old = text(*(f"line {i}" for i in range(1, 21)))
    new = old.replace("line 1\n", "line 1\nadded a\nadded b\n").replace("line 19\n", "LINE 19\n")
    second = hunks(old, new, context=0)[1]
    assert second == Hunk(19, 1, 21, 1, [DiffLine("delete", "line 19", 19, None),
                                          DiffLine("insert", "LINE 19", None, 21)])


def test_hunk_counts_match_lines() -> None:
    old = text("a", "b", "c", "d", "e", "f")
    new = text("a", "B", "c", "e", "f", "g")
    for hunk in hunks(old, new):
        assert hunk.old_count == sum(1 for line in hunk.lines if line.op != "insert")
        assert hunk.new_count == sum(1 for line in hunk.lines if line.op != "delete")


# ------------------------------------------------------------------------- line_stats


@pytest.mark.parametrize(
    ("old", "new", "added_removed"),
    [
        (OLD, text("Intro", "Pay: £27k", "Hours"), (1, 1)),
        (OLD, text("Intro", "Pay", "Hours", "Outlook", "Sources"), (2, 0)),
        (OLD, text("Hours"), (0, 2)),
        ("", OLD, (3, 0)),
        (OLD, "", (0, 3)),
        (OLD, text("A", "B"), (2, 3)),
    ],
    ids=["replace-one", "append-two", "delete-two", "from-empty", "to-empty", "rewrite"],
)
def test_line_stats(old: str, new: str, added_removed: tuple[int, int]) -> None:
    assert line_stats(old, new) == added_removed
