"""The expert ranking as pure functions: table-driven, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.people.ranking import PageFact, TagFact, fade, level_factor, rank, tag_weight

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def fact(tagger: int = 1, *, self_: bool = False, level: int | None = None, days: int = 0, narrower: bool = False,
         evidence: bool = False, topic: str = "Apprenticeships") -> TagFact:
    return TagFact(tagger_id=tagger, is_self=self_, level=level, confirmed_at=NOW - timedelta(days=days),
                   topic_label=topic, narrower=narrower, has_evidence=evidence)


@pytest.mark.parametrize(("days", "expected"), [(0, 1.0), (180, 0.5), (360, 0.25), (-5, 1.0)])
def test_tags_fade_by_half_every_180_days(days, expected):
    assert fade(NOW - timedelta(days=days), NOW) == pytest.approx(expected)


@pytest.mark.parametrize(("level", "factor"), [(None, 1.0), (1, 0.8), (3, 1.2), (5, 1.6)])
def test_level_factor(level, factor):
    assert level_factor(level) == pytest.approx(factor)


@pytest.mark.parametrize(("stronger", "weaker"), [
    (fact(level=1), fact(self_=True, level=5, evidence=True)),       # any colleague beats any self-tag
    (fact(level=4), fact(level=2)),                                   # higher level
    (fact(days=10), fact(days=400)),                                  # recent beats stale
    (fact(), fact(narrower=True)),                                    # the topic itself beats a narrower one
    (fact(evidence=True), fact()),                                    # evidence helps
])
def test_tag_weight_orders(stronger, weaker):
    assert tag_weight(stronger, NOW) > tag_weight(weaker, NOW)


def test_each_tagger_counts_once_with_their_strongest_tag():
    many_from_one = rank([fact(1, level=3), fact(1, level=3, narrower=True, topic="Degree apprenticeships")], [],
                         NOW, "Apprenticeships")
    two_taggers = rank([fact(1, level=3), fact(2, level=3)], [], NOW, "Apprenticeships")
    assert many_from_one.score == pytest.approx(tag_weight(fact(level=3), NOW), abs=1e-3)
    assert two_taggers.score == pytest.approx(2 * many_from_one.score, abs=1e-3)
    assert many_from_one.why == "Tagged by 1 colleague with Apprenticeships (level 3)"  # what counted
    mixed = rank([fact(1), fact(2, narrower=True, topic="Degree apprenticeships")], [], NOW, "Apprenticeships")
    assert mixed.why == ("Tagged by 2 colleagues with Apprenticeships and Degree apprenticeships, narrower than "
                         "Apprenticeships")


def test_pages_add_by_maturity_up_to_a_cap():
    one = rank([], [PageFact("A", 80.0)], NOW, "X")
    assert one.score == pytest.approx(0.4)
    many = rank([], [PageFact(str(n), 100.0) for n in range(10)], NOW, "X")
    assert many.score == pytest.approx(1.5)
    assert "Wrote 10 pages on it: '0' (maturity 100), '1' (maturity 100), '2' (maturity 100) and 7 more" in many.why
    unrated = rank([], [PageFact("B", None)], NOW, "X")
    assert unrated.score == 0 and "'B' (not rated)" in unrated.why


def test_explanations_say_what_counted():
    ranked = rank([fact(1, level=5), fact(2, level=4, days=400), fact(3, self_=True, level=2)],
                  [PageFact("Engineering apprenticeships", 72.0)], NOW, "Apprenticeships")
    assert [c.key for c in ranked.contributions] == ["colleagues", "self", "pages", "recency"]
    assert ranked.contributions[0].explanation == "Tagged by 2 colleagues with Apprenticeships (levels 5, 4)"
    assert ranked.contributions[3].explanation == "1 of the tags not reconfirmed for 13 months, so they count less"
    assert ranked.score == pytest.approx(sum(c.points for c in ranked.contributions), abs=1e-3)
    assert rank([], [], NOW, "X").score == 0
