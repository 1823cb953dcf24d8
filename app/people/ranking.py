"""How "who knows about X" ranks people: pure functions over tag and page facts, with explanations.

A person's score adds up, per tagger, that tagger's strongest tag on the asked topics:

    weight = source × level × fade × reach × evidence

- source: a colleague's tag counts 1, a self-tag 0.35, so any colleague's tag outweighs any self-tag
  of the same age (5 × 0.35 × 1.6 < 1 × 0.8);
- level: 0.6 + 0.2 × level (1 aware → 0.8 … 5 can change how the organisation does it → 1.6), 1 without;
- fade: halves every 180 days since the tagger last set or reconfirmed the tag;
- reach: 0.8 when the tag is on a narrower topic than the one asked about;
- evidence: 1.15 when the tag carries a note or a page.

Pages the person wrote on the topics (that the asker may read) add 0.5 × maturity/100 each, at most 1.5.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

COLLEAGUE = 1.0
SELF = 0.35
HALF_LIFE_DAYS = 180.0
NARROWER = 0.8
EVIDENCE = 1.15
PAGE_WEIGHT = 0.5
PAGES_CAP = 1.5
WEAK_BELOW = 1.0  # a best score under this (no recent colleague's tag) is a weak answer
FADED_BELOW = 0.8  # explain the fading once a tag counts less than this share


class TagFact(NamedTuple):
    """One current tag, as ranking sees it (a tuple: expert search makes tens of thousands)."""

    tagger_id: int
    is_self: bool
    level: int | None
    confirmed_at: datetime
    topic_label: str
    narrower: bool  # on a topic below the one asked about
    has_evidence: bool


@dataclass(frozen=True)
class PageFact:
    title: str
    maturity: float | None  # 0-100, None when not assessed yet


@dataclass(frozen=True)
class Contribution:
    key: str
    points: float
    explanation: str


@dataclass(frozen=True)
class Ranked:
    score: float
    contributions: tuple[Contribution, ...]

    @property
    def why(self) -> str:
        return "; ".join(c.explanation for c in self.contributions)


def level_factor(level: int | None) -> float:
    return 1.0 if level is None else 0.6 + 0.2 * level


def fade(confirmed_at: datetime, now: datetime) -> float:
    """1 for a tag confirmed today, 0.5 after 180 days, 0.25 after a year."""
    days = max(0.0, (now - confirmed_at).total_seconds() / 86400)
    return float(0.5 ** (days / HALF_LIFE_DAYS))


def tag_weight(tag: TagFact, now: datetime) -> float:
    return ((SELF if tag.is_self else COLLEAGUE) * level_factor(tag.level) * fade(tag.confirmed_at, now)
            * (NARROWER if tag.narrower else 1.0) * (EVIDENCE if tag.has_evidence else 1.0))


def _strongest_per_tagger(tags: Sequence[TagFact], now: datetime) -> list[tuple[TagFact, float]]:
    best: dict[int, tuple[TagFact, float]] = {}
    for tag in tags:
        weight = tag_weight(tag, now)
        if tag.tagger_id not in best or weight > best[tag.tagger_id][1]:
            best[tag.tagger_id] = (tag, weight)
    return list(best.values())


def score(tags: Sequence[TagFact], pages: Sequence[PageFact], now: datetime) -> float:
    """A person's score without the explanation."""
    strongest = _strongest_per_tagger(tags, now)
    return combine(sum(w for t, w in strongest if not t.is_self), sum(w for t, w in strongest if t.is_self), pages)


def combine(colleagues: float, own: float, pages: Sequence[PageFact]) -> float:
    """The score from the sum of colleagues' strongest tags, the self-tag's weight and the pages (the
    database sums the tags for everyone at once: app/people/tag_scores.py)."""
    return round(round(colleagues, 3) + round(own, 3) + _page_points(pages), 3)


def rank(tags: Sequence[TagFact], pages: Sequence[PageFact], now: datetime, asked: str) -> Ranked:
    """A person's score for the question `asked` (a topic label), and why, from their facts."""
    strongest = _strongest_per_tagger(tags, now)
    colleagues = [(t, w) for t, w in strongest if not t.is_self]
    own = [(t, w) for t, w in strongest if t.is_self]
    parts: list[Contribution] = []
    if colleagues:
        parts.append(Contribution("colleagues", _points(w for _, w in colleagues),
                                  _tagged_by(len(colleagues), [t for t, _ in colleagues], asked)))
    if own:
        tag, weight = own[0]
        level = f" at level {tag.level}" if tag.level else ""
        parts.append(Contribution("self", _points([weight]), f"Tagged themselves with {_topics([tag], asked)}{level} "
                                  "(self-tags count less than colleagues' tags)"))
    if pages:
        parts.append(_pages(pages))
    faded = [t for t, _ in strongest if fade(t.confirmed_at, now) < FADED_BELOW]
    if faded:
        oldest = min(t.confirmed_at for t in faded)
        parts.append(Contribution("recency", 0.0, f"{len(faded)} of the tags not reconfirmed for "
                                  f"{_age(oldest, now)}, so they count less"))
    return Ranked(score(tags, pages, now), tuple(parts))


def _points(weights: Iterable[float]) -> float:
    return round(sum(weights, 0.0), 3)


def _tagged_by(count: int, tags: list[TagFact], asked: str) -> str:
    levels = sorted((t.level for t in tags if t.level), reverse=True)
    shown = f" (levels {', '.join(map(str, levels))})" if len(levels) > 1 else (
        f" (level {levels[0]})" if levels else "")
    return f"Tagged by {count} colleague{'s' if count != 1 else ''} with {_topics(tags, asked)}{shown}"


def _topics(tags: Sequence[TagFact], asked: str) -> str:
    """The topics named in an explanation, saying when they are narrower than the question."""
    direct = sorted({t.topic_label for t in tags if not t.narrower})
    narrower = sorted({t.topic_label for t in tags if t.narrower})
    words = [", ".join(direct)] if direct else []
    if narrower:
        words.append(f"{', '.join(narrower)}, narrower than {asked},")
    return " and ".join(words).rstrip(",")


def _page_points(pages: Sequence[PageFact]) -> float:
    return round(min(PAGES_CAP, sum(PAGE_WEIGHT * (p.maturity or 0) / 100 for p in pages)), 3)


def _pages(pages: Sequence[PageFact]) -> Contribution:
    ordered = sorted(pages, key=lambda p: -(p.maturity or 0))
    points = _page_points(pages)
    named = ", ".join(f"'{p.title}' ({'maturity ' + format(p.maturity, '.0f') if p.maturity is not None else 'not rated'})"
                      for p in ordered[:3])
    more = f" and {len(pages) - 3} more" if len(pages) > 3 else ""
    return Contribution("pages", round(points, 3),
                        f"Wrote {len(pages)} page{'s' if len(pages) != 1 else ''} on it: {named}{more}")


def _age(then: datetime, now: datetime) -> str:
    days = (now - then).days
    if days >= 60:
        return f"{days // 30} months"
    return f"{days} days"
