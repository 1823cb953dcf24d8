"""Differences between two texts: unified text for people, hunks for widgets."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DiffLine:
    op: str  # "equal", "insert" or "delete"
    text: str
    old_line: int | None
    new_line: int | None


@dataclass(frozen=True)
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    lines: list[DiffLine] = field(default_factory=list)


def split_lines(text: str) -> list[str]:
    return text.splitlines()


def unified_diff(old: str, new: str, from_label: str, to_label: str, context: int = 3) -> str:
    """A `diff -u` style text."""
    lines = list(difflib.unified_diff(split_lines(old), split_lines(new), from_label, to_label, n=context,
                                      lineterm=""))
    return "\n".join(lines) + "\n" if lines else ""


def hunks(old: str, new: str, context: int = 3) -> list[Hunk]:
    """Structured hunks with line numbers (1-based) that a widget can render side by side."""
    a, b = split_lines(old), split_lines(new)
    result: list[Hunk] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        lines: list[DiffLine] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("equal", a[i], i + 1, j1 + (i - i1) + 1) for i in range(i1, i2)]
                continue
            if tag in ("replace", "delete"):
                lines += [DiffLine("delete", a[i], i + 1, None) for i in range(i1, i2)]
            if tag in ("replace", "insert"):
                lines += [DiffLine("insert", b[j], None, j + 1) for j in range(j1, j2)]
        first, last = group[0], group[-1]
        result.append(Hunk(first[1] + 1, last[2] - first[1], first[3] + 1, last[4] - first[3], lines))
    return result


def line_stats(old: str, new: str) -> tuple[int, int]:
    """(lines added, lines removed)."""
    added = removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, split_lines(old), split_lines(new),
                                                        autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    return added, removed
