"""The gap arithmetic: pure functions over tags, people and requirements (no database, no clock).

A person's level in a topic: each colleague's strongest current tag of the person on the topic or a
narrower one (a tag without a level counts 3, as in `app.people.expertise`), averaged over those
colleagues. Self-tags are claims nobody confirmed, so they do not count; the service passes only
tags that are current and not hidden by the person they are about. A person "has" a requirement
when their level is at or above the required level; "close" when it is less than one level below.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

UNLEVELLED = 3.0  # "knows about it", the middle of the scale (app.people.expertise.UNLEVELLED)
CLOSE_WITHIN = 1.0  # training candidates are less than this far below the required level


class Tag(NamedTuple):
    """One current, visible colleague's tag (a tuple: a large organisation has hundreds of thousands)."""

    person_id: int
    tagger_id: int
    concept_id: int
    level: int | None


@dataclass(frozen=True)
class Someone:
    """A person as the report may show them: `hidden` people are counted but never named."""

    person_id: int
    name: str
    external: bool = False
    hidden: bool = False
    organisation: str = ""


@dataclass(frozen=True)
class Requirement:
    topic_id: int
    level: int
    required: int
    priority: str = "medium"


@dataclass(frozen=True)
class Holder:
    person_id: int
    name: str
    level: float
    organisation: str = ""


@dataclass
class TopicGap:
    requirement: Requirement
    available: int = 0
    holders: list[Holder] = field(default_factory=list)
    hidden_holders: int = 0
    candidates: list[Holder] = field(default_factory=list)
    hidden_candidates: int = 0
    contacts: list[Holder] = field(default_factory=list)
    hidden_contacts: int = 0

    @property
    def gap(self) -> int:
        return max(0, self.requirement.required - self.available)

    @property
    def single_point_of_failure(self) -> bool:
        """Only one person holds the expertise: the organisation loses it when they leave."""
        return self.available == 1


def descendants(edges: Iterable[tuple[int, int]], roots: Iterable[int]) -> dict[int, set[int]]:
    """Root -> the root and every topic below it, from (narrower, broader) pairs; cycles cannot loop."""
    below: dict[int, set[int]] = defaultdict(set)
    for narrower, broader in edges:
        below[broader].add(narrower)
    found: dict[int, set[int]] = {}
    for root in roots:
        seen, frontier = {root}, [root]
        while frontier:
            for child in below.get(frontier.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    frontier.append(child)
        found[root] = seen
    return found


def levels(tags: Iterable[Tag], subtrees: Mapping[int, set[int]]) -> dict[int, dict[int, float]]:
    """Root topic -> person -> level: the mean over colleagues of each one's strongest tag in the subtree."""
    roots_of: dict[int, list[int]] = defaultdict(list)
    for root, subtree in subtrees.items():
        for concept in subtree:
            roots_of[concept].append(root)
    strongest: dict[tuple[int, int, int], float] = {}
    for person, tagger, concept, level in tags:
        value = UNLEVELLED if level is None else float(level)
        for root in roots_of.get(concept, ()):
            key = (root, person, tagger)
            if strongest.get(key, 0.0) < value:
                strongest[key] = value
    sums: dict[tuple[int, int], list[float]] = {}
    for (root, person, _), value in strongest.items():
        total = sums.setdefault((root, person), [0.0, 0.0])
        total[0] += value
        total[1] += 1
    found: dict[int, dict[int, float]] = {root: {} for root in subtrees}
    for (root, person), (value_sum, count) in sums.items():
        found[root][person] = round(value_sum / count, 3)
    return found


def topic_gap(requirement: Requirement, level_of: Mapping[int, float], people: Mapping[int, Someone],
              in_scope: set[int]) -> TopicGap:
    """Required vs available in the scope's people, who is close to the level, and which contacts could help."""
    result = TopicGap(requirement)
    for person_id, level in level_of.items():
        someone = people.get(person_id)
        if someone is None:
            continue  # not a person the report covers (an inactive user)
        if someone.external:
            if level >= requirement.level:
                _add(result.contacts, level, someone, result, "hidden_contacts")
        elif person_id in in_scope:
            if level >= requirement.level:
                result.available += 1
                _add(result.holders, level, someone, result, "hidden_holders")
            elif level >= requirement.level - CLOSE_WITHIN:
                _add(result.candidates, level, someone, result, "hidden_candidates")
    for named in (result.holders, result.candidates, result.contacts):
        named.sort(key=lambda h: (-h.level, h.name.casefold(), h.person_id))
    return result


def _add(named: list[Holder], level: float, someone: Someone, result: TopicGap, hidden_count: str) -> None:
    if someone.hidden:
        setattr(result, hidden_count, getattr(result, hidden_count) + 1)
    else:
        named.append(Holder(someone.person_id, someone.name, level, someone.organisation))


PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def ordered(gaps: Sequence[TopicGap], labels: Mapping[int, str]) -> list[TopicGap]:
    """High priority first, then the biggest gap, then by label."""
    return sorted(gaps, key=lambda g: (PRIORITY_ORDER.get(g.requirement.priority, 1), -g.gap,
                                       labels.get(g.requirement.topic_id, "").casefold()))
