"""Three-way merge of concurrent edits, with diff3 semantics as in MediaWiki.

Changes to the same or adjacent lines conflict; anything else merges cleanly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import merge3


@dataclass(frozen=True)
class ConflictHunk:
    """Lines both sides changed: the common ancestor, the saved version and yours (1-based start)."""

    base_start: int
    base: list[str]
    current_start: int
    current: list[str]
    yours_start: int
    yours: list[str]


@dataclass(frozen=True)
class MergeResult:
    text: str | None
    conflicts: list[ConflictHunk] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge_texts(base: str, current: str, yours: str) -> MergeResult:
    """Merge `yours` (based on `base`) into `current` (the page as it now is)."""
    b, c, y = (text.splitlines(keepends=True) for text in (base, current, yours))
    merger = merge3.Merge3(b, c, y)
    out: list[str] = []
    conflicts: list[ConflictHunk] = []
    for region in merger.merge_regions():
        kind = region[0]
        if kind == "unchanged":
            out += b[region[1]:region[2]]
        elif kind in ("a", "same"):
            out += c[region[1]:region[2]]
        elif kind == "b":
            out += y[region[1]:region[2]]
        else:
            conflict: tuple[Any, ...] = region  # a conflict region has three start/end pairs, not one
            _, zs, ze, as_, ae, bs, be = conflict
            conflicts.append(ConflictHunk(
                zs + 1, _strip(b[zs:ze]), as_ + 1, _strip(c[as_:ae]), bs + 1, _strip(y[bs:be])
            ))
    return MergeResult(None if conflicts else "".join(out), conflicts)


def _strip(lines: list[str]) -> list[str]:
    return [line.rstrip("\n") for line in lines]


def merge_sets(base: list[str], current: list[str], yours: list[str]) -> list[str]:
    """Merge category lists: keep what either side added, drop what either side removed."""
    base_set, current_set, yours_set = set(base), set(current), set(yours)
    added = (current_set - base_set) | (yours_set - base_set)
    removed = (base_set - current_set) | (base_set - yours_set)
    merged = (base_set | added) - removed
    ordered = [name for name in current + yours if name in merged]
    return list(dict.fromkeys(ordered))
