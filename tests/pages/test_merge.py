"""Three-way merge of concurrent edits (diff3/MediaWiki semantics) and of category lists."""

from __future__ import annotations

import pytest

from app.pages.merge import ConflictHunk, merge_sets, merge_texts


def text(*lines: str) -> str:
    """Page content as the service stores it: LF line ends and one final newline."""
    return "".join(line + "\n" for line in lines)


BASE = text("Intro", "Pay", "Hours", "Training", "Outlook")


@pytest.mark.parametrize(
    ("current", "yours", "merged"),
    [
        (
            text("INTRO", "Pay", "Hours", "Training", "Outlook"),
            text("Intro", "Pay", "Hours", "Training", "OUTLOOK"),
            text("INTRO", "Pay", "Hours", "Training", "OUTLOOK"),
        ),
        (
            text("Intro", "Pay", "Hours", "Training", "Outlook"),
            text("Intro", "Pay", "HOURS", "Training", "Outlook"),
            text("Intro", "Pay", "HOURS", "Training", "Outlook"),
        ),
        (
            text("Intro", "Pay", "HOURS", "Training", "Outlook"),
            text("Intro", "Pay", "Hours", "Training", "Outlook"),
            text("Intro", "Pay", "HOURS", "Training", "Outlook"),
        ),
        (
            text("Intro", "Pay", "HOURS", "Training", "Outlook"),
            text("Intro", "Pay", "HOURS", "Training", "Outlook"),
            text("Intro", "Pay", "HOURS", "Training", "Outlook"),
        ),
        (
            text("Summary", "Intro", "Pay", "Hours", "Training", "Outlook"),
            text("Intro", "Pay", "Hours", "Training", "Outlook", "Sources"),
            text("Summary", "Intro", "Pay", "Hours", "Training", "Outlook", "Sources"),
        ),
        (
            text("Pay", "Hours", "Training", "Outlook"),
            text("Intro", "Pay", "Hours", "Training", "OUTLOOK"),
            text("Pay", "Hours", "Training", "OUTLOOK"),
        ),
        (
            text("Intro", "Pay", "Hours", "Training", "Outlook", "Sources"),
            text("Intro", "Pay", "Hours", "TRAINING", "Outlook"),
            text("Intro", "Pay", "Hours", "TRAINING", "Outlook", "Sources"),
        ),
        (
            text("Intro", "Pay", "Hours", "Training", "Outlook", "Sources"),
            text("Intro", "Pay", "Hours", "Training", "Outlook", "Sources"),
            text("Intro", "Pay", "Hours", "Training", "Outlook", "Sources"),
        ),
        (
            text("Intro", "Pay", "Hours", "Training", "Outlook"),
            text("Intro", "Pay", "Hours", "Training", "Outlook"),
            BASE,
        ),
        (
            text("Intro", "Pay", "Extra", "More", "Hours", "Training", "Outlook"),
            text("Intro", "Pay", "Hours", "Training", "Outcome"),
            text("Intro", "Pay", "Extra", "More", "Hours", "Training", "Outcome"),
        ),
    ],
    ids=[
        "first-and-last-line", "only-yours-changed", "only-current-changed", "identical-change-both-sides",
        "insert-at-start-and-end", "delete-first-and-edit-last", "append-and-edit-non-adjacent-line",
        "identical-append-both-sides", "nobody-changed", "current-shifts-lines-yours-edits-later",
    ],
)
def test_clean_merges_keep_both_changes(current: str, yours: str, merged: str) -> None:
    result = merge_texts(BASE, current, yours)
    assert result.clean
    assert result.conflicts == []
    assert result.text == merged


@pytest.mark.parametrize(
    ("current", "yours", "hunk"),
    [
        (
            text("Intro", "Pay: £25k", "Hours", "Training", "Outlook"),
            text("Intro", "Pay: £27k", "Hours", "Training", "Outlook"),
            ConflictHunk(2, ["Pay"], 2, ["Pay: £25k"], 2, ["Pay: £27k"]),
        ),
        (
            text("Intro", "PAY", "Hours", "Training", "Outlook"),
            text("Intro", "Pay", "HOURS", "Training", "Outlook"),
            ConflictHunk(2, ["Pay", "Hours"], 2, ["PAY", "Hours"], 2, ["Pay", "HOURS"]),
        ),
        (
            text("Intro", "Pay", "Hours", "Training", "Outlook", "Sources: ONS"),
            text("Intro", "Pay", "Hours", "Training", "Outlook", "Sources: Nomis"),
            ConflictHunk(6, [], 6, ["Sources: ONS"], 6, ["Sources: Nomis"]),
        ),
        (
            text("Intro", "Hours", "Training", "Outlook"),
            text("Intro", "Pay: £27k", "Hours", "Training", "Outlook"),
            ConflictHunk(2, ["Pay"], 2, [], 2, ["Pay: £27k"]),
        ),
        (
            text("Intro", "Pay", "Hours", "Training", "OUTLOOK"),
            text("Intro", "Pay", "Hours", "Training", "Outlook", "Sources"),
            ConflictHunk(5, ["Outlook"], 5, ["OUTLOOK"], 5, ["Outlook", "Sources"]),
        ),
    ],
    ids=["same-line", "adjacent-lines", "both-append-at-end", "delete-vs-edit", "edit-last-vs-append"],
)
def test_conflicting_edits(current: str, yours: str, hunk: ConflictHunk) -> None:
    result = merge_texts(BASE, current, yours)
    assert not result.clean
    assert result.text is None
    assert result.conflicts == [hunk]


def test_conflict_line_numbers_follow_each_version() -> None:
    """After current inserts two lines at the top, the conflicting line is line 6 in current only."""
    current = text("Summary", "Key facts", "Intro", "Pay", "Hours", "Training", "OUTLOOK")
    yours = text("Intro", "Pay", "Hours", "Training", "Outlook (2030)")
    [hunk] = merge_texts(BASE, current, yours).conflicts
    assert (hunk.base_start, hunk.current_start, hunk.yours_start) == (5, 7, 5)
    assert (hunk.base, hunk.current, hunk.yours) == (["Outlook"], ["OUTLOOK"], ["Outlook (2030)"])


def test_several_conflicts_are_all_reported_in_order() -> None:
    current = text("INTRO", "Pay", "Hours", "Training", "OUTLOOK")
    yours = text("Introduction", "Pay", "Hours", "Training", "Prospects")
    result = merge_texts(BASE, current, yours)
    assert result.conflicts == [
        ConflictHunk(1, ["Intro"], 1, ["INTRO"], 1, ["Introduction"]),
        ConflictHunk(5, ["Outlook"], 5, ["OUTLOOK"], 5, ["Prospects"]),
    ]


def test_conflict_lines_have_no_line_ends() -> None:
    [hunk] = merge_texts(text("a"), text("b"), text("c")).conflicts
    assert hunk == ConflictHunk(1, ["a"], 1, ["b"], 1, ["c"])


@pytest.mark.parametrize(
    ("base", "current", "yours", "merged"),
    [
        ("", "", text("First line"), text("First line")),
        ("", text("Theirs"), "", text("Theirs")),
        (text("Only"), "", text("Only"), ""),
    ],
    ids=["yours-fills-empty-page", "current-fills-empty-page", "current-blanked-page"],
)
def test_empty_texts(base: str, current: str, yours: str, merged: str) -> None:
    result = merge_texts(base, current, yours)
    assert result.clean
    assert result.text == merged


def test_both_filling_an_empty_page_differently_conflicts() -> None:
    result = merge_texts("", text("Theirs"), text("Mine"))
    assert result.conflicts == [ConflictHunk(1, [], 1, ["Theirs"], 1, ["Mine"])]


# ------------------------------------------------------------------------- merge_sets


@pytest.mark.parametrize(
    ("base", "current", "yours", "merged"),
    [
        (["A", "B"], ["A", "B"], ["A", "B"], ["A", "B"]),
        (["A"], ["A", "C"], ["A", "Y"], ["A", "C", "Y"]),
        (["A", "B"], ["A"], ["A", "B"], ["A"]),
        (["A", "B"], ["A", "B"], ["B"], ["B"]),
        (["A", "B", "C"], ["A", "C", "D"], ["B", "C", "E"], ["C", "D", "E"]),
        (["A"], ["A", "N"], ["A", "N"], ["A", "N"]),
        (["A", "B"], ["B", "A"], ["A", "B"], ["B", "A"]),
        ([], [], ["Y2", "Y1"], ["Y2", "Y1"]),
        (["A"], [], [], []),
        (["A", "B"], ["A", "B", "C"], ["A"], ["A", "C"]),
    ],
    ids=[
        "unchanged", "additions-from-both", "current-removed", "yours-removed", "add-and-remove-both-sides",
        "same-addition-once", "current-order-kept", "yours-order-kept", "removed-by-both",
        "add-on-one-side-remove-on-other",
    ],
)
def test_merge_sets(base: list[str], current: list[str], yours: list[str], merged: list[str]) -> None:
    assert merge_sets(base, current, yours) == merged


def test_merge_sets_is_stable_across_calls() -> None:
    args = (["A", "B", "C"], ["C", "B", "A", "Z"], ["A", "B", "C", "Y", "X"])
    assert merge_sets(*args) == merge_sets(*args) == ["C", "B", "A", "Z", "Y", "X"]
