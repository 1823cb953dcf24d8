"""The maturity model's promises (docs/maturity.md), table by table and as properties over random histories."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.quality import maturity
from app.quality.maturity import (
    Contribution,
    Criterion,
    Maturity,
    PageSignals,
    Phase,
    RatingInput,
    assess,
    summarise_ratings,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
C = Criterion
PROPERTY = settings(max_examples=60, deadline=None)


def signals(**overrides: object) -> PageSignals:
    """A fresh single-author personal page, unless told otherwise."""
    values: dict[str, object] = {
        "now": NOW, "current_revision_number": 5, "changed_since": {}, "valid_until": None,
        "last_reviewed_at": NOW - timedelta(days=30), "distinct_editors": 1, "revisions": 1, "backlinks": 0,
        "annotation_completeness": 0.0, "organisational_space": False, "approved_revision_number": None,
        "words": 300, "sources": 2, "facts": 5}
    values.update(overrides)
    return PageSignals(**values)  # type: ignore[arg-type]


def rating(rater_id: int, scores: int | dict[Criterion, int] = 4, *, revision: int = 5, by_author: bool = False,
           expertise: float = 0.0, at: datetime = NOW, overall: int | None = None) -> RatingInput:
    """A colleague's rating; an int scores reliability and currency alike."""
    if isinstance(scores, int):
        scores = {C.reliability: scores, C.currency: scores}
    return RatingInput(rater_id, scores, revision, at, by_author, expertise, overall)


def many(count: int, scores: int | dict[Criterion, int], first_id: int = 1, **kwargs: object) -> list[RatingInput]:
    """`count` colleagues giving the same rating."""
    return [rating(first_id + i, scores, **kwargs) for i in range(count)]  # type: ignore[arg-type]


def part(result: Maturity, key: str) -> Contribution:
    """The contribution with that key."""
    return next(c for c in result.contributions if c.key == key)


# ------------------------------------------------------------------------- 1. Bayesian prior


@pytest.mark.parametrize(
    ("ratings", "mean"),
    [
        ([], Fraction(5, 2)),
        ([rating(1, 5)], (Fraction(25, 2) + 5) / 6),
        ([rating(1, 5), rating(2, 4), rating(3, 4)], (Fraction(25, 2) + 13) / 8),
        ([rating(1, {C.relevance: 5, C.impartiality: 4})], (Fraction(25, 2) + Fraction(9, 2)) / 6),
        ([rating(1, 1)], (Fraction(25, 2) + 1) / 6),
    ],
)
def test_bayesian_mean(ratings: list[RatingInput], mean: Fraction) -> None:
    assert summarise_ratings(ratings, signals()).mean == mean


@pytest.mark.parametrize(
    ("given", "value"),
    [
        (rating(1, {}, overall=4), Fraction(4)),                                   # overall only
        (rating(1, {C.currency: 1, C.reliability: 2}, overall=5), Fraction(5)),    # overall wins over the criteria
        (rating(1, {C.currency: 1, C.reliability: 2}), Fraction(3, 2)),            # no overall: the criteria's mean
        (rating(1, {C.equality: 2}), Fraction(2)),                                 # the seventh criterion
        (rating(1, dict.fromkeys(Criterion, 3) | {C.equality: 5}), Fraction(23, 7)),
    ],
)
def test_a_ratings_value_is_its_overall_judgement_else_its_criterias_mean(given: RatingInput, value: Fraction) -> None:
    assert given.value == value
    summary = summarise_ratings([given], signals())
    prior = maturity.PRIOR_WEIGHT * maturity.PRIOR_MEAN
    assert summary.counted[0].value == value and summary.mean == (prior + value) / (maturity.PRIOR_WEIGHT + 1)


def test_overall_only_and_mixed_ratings_are_explained() -> None:
    ratings = [rating(1, {}, overall=4), rating(2, {C.equality: 5, C.currency: 3}, overall=2),
               rating(3, {C.equality: 4})]
    assert part(assess(ratings, signals()), "ratings").explanation == (
        "Rated by 3 colleagues (overall 3.0, currency 3.0, equality of opportunity 4.5 on average); "
        "counted as 2.8 out of 5, as a few ratings are drawn towards the unassessed 2.5")
    assert part(assess([rating(1, {}, overall=5)], signals()), "ratings").explanation.startswith(
        "Rated by 1 colleague (overall 5.0 on average)")


def test_seven_criteria_each_with_a_plain_definition_and_what_a_1_and_a_5_look_like() -> None:
    from app.quality import criteria, models

    assert [c.key for c in criteria.CRITERIA] == [c.value for c in Criterion] == list(models.CRITERIA)
    assert len(criteria.CRITERIA) == 7 and criteria.BY_KEY["equality"].label == "Equality of opportunity"
    for text in criteria.CRITERIA:
        assert text.label and text.definition and text.poor and text.excellent, text.key
    assert "legislation" in criteria.BY_KEY["equality"].definition
    assert "physical" in criteria.BY_KEY["accessibility"].definition
    assert "practitioners" in criteria.BY_KEY["relevance"].definition
    assert "decline" in criteria.BY_KEY["impartiality"].definition


def test_one_five_star_rating_does_not_beat_fifty_four_and_a_halfs() -> None:
    half = {C.reliability: 5, C.currency: 4}
    one_five = assess([rating(1, 5)], signals())
    fifty = assess(many(50, half), signals())
    assert one_five.score < fifty.score
    assert part(one_five, "ratings").points == pytest.approx(10 * (Fraction(35, 12) - 1), abs=0.05)


@pytest.mark.parametrize(("ratings", "points"), [([], 15.0), (many(200, 1), 0.4), (many(200, 5), 39.4)])
def test_rating_points_span_zero_to_forty(ratings: list[RatingInput], points: float) -> None:
    assert part(assess(ratings, signals()), "ratings").points == points


# ------------------------------------------------------------------------- 2. authors


def test_authors_ratings_do_not_count() -> None:
    colleagues = many(3, 3)
    with_author = colleagues + [rating(9, 5, by_author=True)]
    assert assess(with_author, signals()).score == assess(colleagues, signals()).score
    assert summarise_ratings(with_author, signals()).mean == summarise_ratings(colleagues, signals()).mean
    assert part(assess(with_author, signals()), "ratings").explanation.endswith(
        "Not counted: ratings by 1 person who wrote part of the page")


def test_a_rater_flagged_as_author_once_is_left_out_entirely() -> None:
    earlier = rating(7, 5, at=NOW - timedelta(days=40))
    later = rating(7, 5, by_author=True)
    summary = summarise_ratings([earlier, later], signals())
    assert summary.counted == () and summary.author_raters == 1


# ------------------------------------------------------------------------- 3. ratings on older revisions


@pytest.mark.parametrize(
    ("revision", "changed_since", "weight"),
    [
        (5, {}, Fraction(1)),                     # the current revision
        (4, {4: 0.0}, Fraction(1)),               # nothing changed since
        (3, {3: 0.25}, Fraction(3, 4)),
        (3, {3: 0.6}, 1 - Fraction(0.6)),
        (3, {3: 0.95}, Fraction(1, 10)),          # the floor
        (3, {3: 1.0}, Fraction(1, 10)),
        (3, {3: 7.0}, Fraction(1, 10)),           # clamped
        (3, {3: float("nan")}, Fraction(1, 10)),
        (3, {}, Fraction(1, 10)),                 # not known: assume rewritten
    ],
)
def test_ratings_on_changed_revisions_weigh_less(revision: int, changed_since: dict[int, float],
                                                 weight: Fraction) -> None:
    summary = summarise_ratings([rating(1, 5, revision=revision)], signals(changed_since=changed_since))
    assert summary.counted[0].weight == weight


def test_a_stale_rating_moves_the_score_less_and_says_why() -> None:
    page = signals(changed_since={3: 0.6})
    fresh, stale = assess([rating(1, 5)], page), assess([rating(1, 5, revision=3)], page)
    unrated = assess([], page)
    assert unrated.score < stale.score < fresh.score
    assert "revision 3 (60% of the text changed since, counts 40%)" in part(stale, "ratings").explanation
    assert "earlier revisions" not in part(fresh, "ratings").explanation


def test_only_a_raters_latest_rating_counts() -> None:
    older = rating(1, 1, at=NOW - timedelta(days=10))
    newer = rating(1, 5, at=NOW - timedelta(days=1))
    summary = summarise_ratings([newer, older], signals())
    assert [c.rating for c in summary.counted] == [newer] and summary.superseded == 1
    assert "(1 earlier rating set aside)" in part(assess([older, newer], signals()), "ratings").explanation


# ------------------------------------------------------------------------- 4. currency


@pytest.mark.parametrize(
    ("valid_until", "last_reviewed_at", "points", "explanation"),
    [
        (date(2027, 3, 31), NOW - timedelta(days=92), 0.0, "Valid until 31 March 2027; last reviewed 3 months ago"),
        (date(2026, 11, 30), NOW, 0.0, "Valid until 30 November 2026; last reviewed today"),
        (date(2026, 11, 29), NOW - timedelta(days=5), -15.1,
         "Valid until 29 November 2026 has passed (1 day ago); last reviewed 5 days ago"),
        (date(2026, 3, 31), NOW - timedelta(days=92), -35.0,
         "Valid until 31 March 2026 has passed (8 months ago); last reviewed 3 months ago"),
        (date(2020, 1, 1), NOW, -40.0,
         "Valid until 1 January 2020 has passed (6 years and 10 months ago); last reviewed today"),
        (None, datetime(2025, 9, 30, 12, tzinfo=UTC), -14.0, "No 'Valid until' date given: a currency risk, as readers cannot tell until when the figures hold; not reviewed for 14 months"),
        (None, NOW - timedelta(days=365), -10.0, "No 'Valid until' date given: a currency risk, as readers cannot tell until when the figures hold; last reviewed 12 months ago"),
        (None, NOW - timedelta(days=5 * 365), -30.0,
         "No 'Valid until' date given: a currency risk, as readers cannot tell until when the figures hold; not reviewed for 4 years and 11 months"),
        (date(2026, 3, 31), datetime(2025, 9, 30, 12, tzinfo=UTC), -39.0,
         "Valid until 31 March 2026 has passed (8 months ago); not reviewed for 14 months"),
    ],
)
def test_currency(valid_until: date | None, last_reviewed_at: datetime, points: float, explanation: str) -> None:
    result = part(assess([], signals(valid_until=valid_until, last_reviewed_at=last_reviewed_at)), "currency")
    assert (result.points, result.explanation) == (points, explanation)


def test_currency_penalties_grow_with_time_and_stop_at_their_caps() -> None:
    days = range(0, 3000, 7)
    expiry = [maturity.expiry_penalty(date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=d)) for d in days]
    review = [maturity.review_penalty(NOW - timedelta(days=d), NOW) for d in days]
    for penalties, cap in ((expiry, maturity.EXPIRED_MAX_PENALTY), (review, maturity.UNREVIEWED_MAX_PENALTY)):
        assert penalties == sorted(penalties) and penalties[-1] == cap and max(penalties) <= cap
    assert expiry[1] >= maturity.EXPIRED_BASE_PENALTY


# ------------------------------------------------------------------------- 5. indicators


@pytest.mark.parametrize(
    ("overrides", "key", "points", "explanation"),
    [
        ({"distinct_editors": 0}, "editors", 0.0, "No editors recorded"),
        ({"distinct_editors": 1}, "editors", 0.0, "Written by one person so far"),
        ({"distinct_editors": 2}, "editors", 3.3, "Edited by 2 people"),
        ({"distinct_editors": 4}, "editors", 6.7, "Edited by 4 people"),
        ({"distinct_editors": 8}, "editors", 10.0, "Edited by 8 people"),
        ({"distinct_editors": 5000}, "editors", 10.0, "Edited by 5000 people"),
        ({"revisions": 1}, "revisions", 0.0, "1 revision so far"),
        ({"revisions": 4}, "revisions", 2.5, "4 revisions"),
        ({"revisions": 10**6}, "revisions", 5.0, "1000000 revisions"),
        ({"backlinks": 0}, "backlinks", 0.0, "No other page links here yet"),
        ({"backlinks": 1}, "backlinks", 2.5, "Linked from 1 page"),
        ({"backlinks": 5}, "backlinks", 6.5, "Linked from 5 pages"),
        ({"backlinks": 15}, "backlinks", 10.0, "Linked from 15 pages"),
        ({"backlinks": 900}, "backlinks", 10.0, "Linked from 900 pages"),
        ({"annotation_completeness": 0.0}, "annotations", 0.0,
         "Passes none of the checks for a well-annotated LMI page (the shape report says what to add)"),
        ({"annotation_completeness": 0.8}, "annotations", 12.0,
         "Passes 80% of the checks for a well-annotated LMI page (the shape report says what to add)"),
        ({"annotation_completeness": 1.0}, "annotations", 15.0, "Passes all the checks for a well-annotated LMI page"),
        ({"annotation_completeness": 3.0}, "annotations", 15.0, "Passes all the checks for a well-annotated LMI page"),
        ({"organisational_space": False}, "space", 0.0, "In a personal space: not yet shared with the organisation"),
        ({"organisational_space": True}, "space", 10.0, "In the organisation's space: shared with colleagues"),
        ({}, "approval", 0.0, "Not approved as the organisation's reference version"),
        ({"approved_revision_number": 5}, "approval", 10.0,
         "Revision 5 is approved by a manager as the organisation's reference version"),
        ({"approved_revision_number": 3}, "approval", 5.0,
         "Revision 3 is the approved reference version; the current revision 5 has later changes not yet approved"),
    ],
)
def test_indicators(overrides: dict[str, object], key: str, points: float, explanation: str) -> None:
    result = part(assess([], signals(**overrides)), key)
    assert (result.points, result.explanation) == (points, explanation)


@pytest.mark.parametrize(("approved", "differs"), [(None, False), (5, False), (4, True), (1, True)])
def test_approved_differs(approved: int | None, differs: bool) -> None:
    assert assess([], signals(approved_revision_number=approved)).approved_differs is differs


def test_every_indicator_at_its_best_stays_within_100() -> None:
    best = signals(distinct_editors=10**4, revisions=10**4, backlinks=10**4, annotation_completeness=1.0,
                   organisational_space=True, approved_revision_number=5, last_reviewed_at=NOW,
                   valid_until=date(2027, 1, 1), words=10**5, sources=50, facts=500, client_uses=90, client_users=30)
    result = assess(many(10**3, 5), best)
    assert result.score == 100.0 and sum(c.points for c in result.contributions) > 100   # clamped


# ------------------------------------------------------------------------- 7. expertise


@pytest.mark.parametrize(
    ("expertise", "boost"),
    [(0.0, 1), (0.5, Fraction(5, 4)), (1.0, Fraction(3, 2)), (7.0, Fraction(3, 2)), (-2.0, 1),
     (float("inf"), Fraction(3, 2)), (float("nan"), 1)],
)
def test_expertise_raises_weight_at_most_one_and_a_half_times(expertise: float, boost: Fraction) -> None:
    assert maturity.expertise_boost(expertise) == boost


def test_an_experts_rating_counts_more() -> None:
    plain, expert = assess([rating(1, 5)], signals()), assess([rating(1, 5, expertise=1.0)], signals())
    assert plain.score < expert.score
    assert "1 colleague rated with recognised expertise, which counts up to 1.5 times as much" in \
        part(expert, "ratings").explanation


# ------------------------------------------------------------------------- 9. confidence


@pytest.mark.parametrize(
    ("ratings", "editors", "confidence"),
    [
        ([], 1, 0.0),
        ([], 4, 0.1),
        ([], 10**6, 0.2),
        (many(5, 4), 1, 0.4),
        (many(5, 4), 4, 0.5),
        (many(5, 4, revision=1), 1, 0.07),        # stale ratings (not known changes) weigh a tenth
        (many(50, 4), 10, 0.88),
    ],
)
def test_confidence(ratings: list[RatingInput], editors: int, confidence: float) -> None:
    assert assess(ratings, signals(distinct_editors=editors)).confidence == confidence


# ------------------------------------------------------------------------- 10. phase


FORMAL: dict[str, object] = {"organisational_space": True, "annotation_completeness": 0.8, "sources": 1}
AGREE = [rating(1, 4), rating(2, 4), rating(3, 5)]


@pytest.mark.parametrize(
    ("overrides", "ratings", "expected", "reason"),
    [
        ({}, [], Phase.expressing_ideas, "A first note in a personal space"),
        ({}, many(20, 5), Phase.expressing_ideas, "A first note"),                 # ratings alone do not share
        ({"distinct_editors": 2}, [], Phase.appropriating, "Being worked on in a personal space"),
        ({"revisions": 3}, [], Phase.appropriating, "sharing it is the next step"),
        ({"revisions": 3, "trial_revision_number": 5}, [], Phase.appropriating, "personal space"),
        ({"organisational_space": True, "sources": 0}, [], Phase.distributing,
         "needs the key facts (passes 0% of the checks, needs 80%), a cited source, "
         "ratings by at least 3 colleagues (0 so far)"),
        (FORMAL, AGREE, Phase.formalising, "Structured: key facts, 1 source and 3 colleagues agreeing"),
        ({**FORMAL, "annotation_completeness": 0.79}, many(9, 5), Phase.distributing, "passes 79% of the checks"),
        ({**FORMAL, "sources": 0}, many(9, 5), Phase.distributing, "needs a cited source"),
        (FORMAL, many(2, 5), Phase.distributing, "ratings by at least 3 colleagues (2 so far)"),
        (FORMAL, [rating(1, 5), rating(2, 5), rating(3, 2)], Phase.distributing, "colleagues to agree"),
        (FORMAL, many(5, 3), Phase.distributing, "colleagues' ratings averaging 3.5 or more"),
        (FORMAL, AGREE + many(5, 5, revision=1, first_id=10), Phase.formalising, "colleagues agreeing"),
        ({**FORMAL, "client_uses": 4, "client_users": 2, "reads": 20}, AGREE, Phase.piloting,
         "used in practice: 2 colleagues used it with clients"),
        ({**FORMAL, "client_uses": 4, "client_users": 2, "backlinks": 3}, AGREE, Phase.piloting, "used in practice"),
        ({**FORMAL, "client_uses": 9, "client_users": 1, "reads": 90}, AGREE, Phase.formalising,
         "used with clients by 1 colleague so far"),
        ({**FORMAL, "client_uses": 4, "client_users": 2, "reads": 19, "backlinks": 2}, AGREE, Phase.formalising,
         "piloting needs 2 colleagues"),
        ({**FORMAL, "client_uses": 4, "client_users": 3, "reads": 90}, many(2, 5), Phase.distributing, "2 so far"),
        ({"organisational_space": True, "trial_revision_number": 5}, [], Phase.piloting,
         "A manager approved it for trial with clients"),
        ({"approved_revision_number": 5}, [], Phase.standardising, "reference version"),  # a human decision
        ({"organisational_space": True, "approved_revision_number": 2, "trial_revision_number": 5}, [],
         Phase.standardising, "reference version"),
    ],
)
def test_phase_rules(overrides: dict[str, object], ratings: list[RatingInput], expected: Phase, reason: str) -> None:
    page = signals(**overrides)
    found, why = maturity.phase_with_reason(page, summarise_ratings(ratings, page))
    assert (found, reason in why) == (expected, True), why
    assert assess(ratings, page).phase_reason == why


def test_phases_end_to_end() -> None:
    shared: dict[str, object] = {"organisational_space": True, "distinct_editors": 4, "revisions": 8,
                                 "annotation_completeness": 0.9, "sources": 2}
    formal = assess(many(3, 5), signals(**shared, backlinks=2))
    piloted = assess(many(8, 5), signals(**shared, backlinks=6, client_uses=3, client_users=2))
    trial = assess([], signals(**shared, trial_revision_number=5))
    assert (formal.phase, piloted.phase, trial.phase) == (Phase.formalising, Phase.piloting, Phase.piloting)
    assert assess(many(8, 5), signals(**shared, backlinks=6, approved_revision_number=4)).phase is Phase.standardising


# ------------------------------------------------------------------------- calibration: unassessed, substance, dates


SUBSTANTIVE: dict[str, object] = {"organisational_space": True, "words": 450, "sources": 3, "facts": 8,
                                  "annotation_completeness": 1.0, "valid_until": date(2027, 6, 30)}
EMPTY: dict[str, object] = {"organisational_space": True, "words": 0, "sources": 0, "facts": 0}


def test_an_unrated_page_is_marked_not_yet_assessed() -> None:
    unrated = assess([], signals(**SUBSTANTIVE))
    rated = assess(many(1, 4), signals(**SUBSTANTIVE))
    assert (unrated.assessed, "not_assessed" in unrated.flags) == (False, True)
    assert (rated.assessed, "not_assessed" in rated.flags) == (True, False)
    assert part(unrated, "ratings").explanation.startswith("Not yet assessed")
    authors_only = assess([rating(1, 5, by_author=True)], signals(**SUBSTANTIVE))
    assert not authors_only.assessed      # an author's own rating is no assessment


def test_the_prior_gives_no_free_points_above_a_well_rated_page() -> None:
    """The bound in docs/maturity.md: an unrated page gets 15 rating points, any counted mean above 2.5 more."""
    unrated = part(assess([], signals()), "ratings").points
    assert unrated == 10 * (float(maturity.PRIOR_MEAN) - 1) == 15.0
    for ratings in (many(1, 3), many(1, 4), many(3, 4), [rating(1, 4, revision=1)]):
        assert part(assess(ratings, signals()), "ratings").points > unrated
        assert assess(ratings, signals()).score > assess([], signals()).score


def test_an_empty_page_scores_below_a_substantive_one() -> None:
    empty, full = assess([], signals(**EMPTY)), assess([], signals(**SUBSTANTIVE))
    assert empty.score < full.score
    assert "near_empty" in empty.flags and "near_empty" not in full.flags
    assert part(empty, "substance").explanation == (
        "0 words, 0 sources cited, 0 facts annotated; a near-empty page (under 50 words) scores at most 25")
    assert part(full, "substance") == maturity.Contribution("substance", 10.0,
                                                            "450 words, 3 sources cited, 8 facts annotated")


def test_a_near_empty_page_cannot_outrank_a_substantive_one_whatever_else_it_has() -> None:
    lavish = signals(**{**EMPTY, "words": 49}, distinct_editors=9, revisions=30, backlinks=40, annotation_completeness=1.0,
                     valid_until=date(2027, 1, 1), client_uses=20, client_users=9, approved_revision_number=5)
    plain = signals(**{**SUBSTANTIVE, "words": 50})
    near_empty = assess(many(30, 5), lavish)
    assert near_empty.score == maturity.NEAR_EMPTY_MAX_SCORE
    assert near_empty.score < assess([], plain).score


def test_a_one_sentence_page_no_longer_scores_like_a_checked_one() -> None:
    one_sentence = assess([], signals(organisational_space=True, words=12, facts=1, annotation_completeness=0.2))
    assert one_sentence.score <= 25.0 and not one_sentence.assessed


@pytest.mark.parametrize("valid_until", [date(2026, 12, 1), date(2027, 3, 31), date(2030, 1, 1)])
@pytest.mark.parametrize("ratings", [[], many(3, 4)])
def test_an_undated_page_never_beats_the_same_page_dated_in_the_future(valid_until: date,
                                                                      ratings: list[RatingInput]) -> None:
    undated = assess(ratings, signals(**{**SUBSTANTIVE, "valid_until": None}))
    dated = assess(ratings, signals(**{**SUBSTANTIVE, "valid_until": valid_until}))
    assert undated.score < dated.score
    assert "undated" in undated.flags and "undated" not in dated.flags
    assert "a currency risk" in part(undated, "currency").explanation


def test_an_expired_page_is_flagged_explained_and_decays() -> None:
    scores = [assess([], signals(**{**SUBSTANTIVE, "valid_until": NOW.date() - timedelta(days=d)})) for d in
              (1, 60, 400)]
    assert all("expired" in s.flags for s in scores)
    assert [s.score for s in scores] == sorted((s.score for s in scores), reverse=True)
    assert part(scores[1], "currency").explanation.startswith("Valid until 1 October 2026 has passed (1 month ago)")
    assert scores[0].score < assess([], signals(**{**SUBSTANTIVE, "valid_until": None})).score


@pytest.mark.parametrize(
    ("overrides", "points", "explanation"),
    [
        ({}, 0.0, "Not yet marked as used with a client"),
        ({"client_uses": 1, "client_users": 1}, 1.9, "Used with clients 1 time in the last 12 months by 1 colleague"),
        ({"client_uses": 30, "client_users": 5, "reads": 12}, 5.0,
         "Used with clients 30 times in the last 12 months by 5 colleagues; opened 12 times in the last 30 days"),
        ({"client_uses": 300, "client_users": 80}, 5.0, "Used with clients 300 times in the last 12 months by 80 colleagues"),
    ],
)
def test_practice(overrides: dict[str, object], points: float, explanation: str) -> None:
    result = part(assess([], signals(**overrides)), "practice")
    assert (result.points, result.explanation) == (points, explanation)


def test_a_trial_approval_earns_less_than_the_reference_approval() -> None:
    trial = part(assess([], signals(organisational_space=True, trial_revision_number=4)), "approval")
    assert trial == maturity.Contribution("approval", 5.0, "Revision 4 is approved by a manager for trial with clients "
                                                           "(not yet the organisation's reference version)")


# ------------------------------------------------------------------------- explanations read well


def test_ratings_explanation() -> None:
    ratings = [rating(1, {C.reliability: 5, C.currency: 4}), rating(2, {C.reliability: 4, C.currency: 4}),
               rating(3, {C.reliability: 4, C.currency: 3})]
    assert part(assess(ratings, signals()), "ratings").explanation == (
        "Rated by 3 colleagues (currency 3.7, reliability 4.3 on average); counted as 3.1 out of 5, "
        "as a few ratings are drawn towards the unassessed 2.5")
    assert part(assess([], signals()), "ratings").explanation == (
        "Not yet assessed: no colleague's rating counts yet, so it is counted as 2.5 out of 5 until colleagues "
        "rate it")
    assert part(assess(many(100, 4), signals()), "ratings").explanation == (
        "Rated by 100 colleagues (currency 4.0, reliability 4.0 on average); counted as 3.9 out of 5, "
        "as a few ratings are drawn towards the unassessed 2.5")
    assert part(assess(many(400, 4), signals()), "ratings").explanation == (
        "Rated by 400 colleagues (currency 4.0, reliability 4.0 on average); counted as 4.0 out of 5")


@pytest.mark.parametrize(("start", "end", "words"), [
    (date(2026, 3, 31), date(2026, 11, 30), "8 months"), (date(2026, 3, 30), date(2026, 11, 29), "7 months"),
    (date(2026, 11, 1), date(2026, 11, 30), "29 days"), (date(2024, 1, 15), date(2026, 1, 15), "2 years"),
    (date(2026, 1, 31), date(2026, 2, 28), "1 month"), (date(2026, 2, 1), date(2026, 2, 2), "1 day")])
def test_durations(start: date, end: date, words: str) -> None:
    assert maturity.duration(start, end) == words


@pytest.mark.parametrize("make", [
    lambda: rating(1, {}), lambda: rating(1, {C.currency: 6}), lambda: rating(1, {C.currency: 0}),
    lambda: rating(1, {}, overall=0), lambda: rating(1, {}, overall=6), lambda: rating(1, 4, overall=True),
    lambda: rating(1, {}, overall=4.5),  # type: ignore[arg-type]
    lambda: rating(1, {C.currency: True}), lambda: rating(1, {"speed": 3}),  # type: ignore[dict-item]
    lambda: rating(1, 4, at=datetime(2026, 1, 1)), lambda: signals(now=datetime(2026, 1, 1)),
    lambda: signals(backlinks=-1)])
def test_inputs_the_model_cannot_weigh_are_refused(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]


# ------------------------------------------------------------------------- properties over random histories

EXPERTISE = st.one_of(st.floats(0, 1), st.floats(allow_nan=True, allow_infinity=True))
SCORES = st.dictionaries(st.sampled_from(list(Criterion)), st.integers(1, 5), min_size=1, max_size=len(Criterion))
OVERALL = st.none() | st.integers(1, 5)


@st.composite
def rating_parts(draw: st.DrawFn) -> tuple[dict[Criterion, int], int | None]:
    """Criteria only, an overall judgement only, or both (never neither)."""
    overall = draw(OVERALL)
    scores = draw(SCORES if overall is None else st.just({}) | SCORES)
    return scores, overall
MOMENTS = st.datetimes(datetime(2018, 1, 1), datetime(2026, 11, 30), timezones=st.just(UTC))


@st.composite
def page_signals(draw: st.DrawFn) -> PageSignals:
    """Any page at all: any size, age, space or approval."""
    current = draw(st.integers(1, 12))
    uses = draw(st.integers(0, 40))
    return PageSignals(
        now=NOW, current_revision_number=current,
        changed_since=draw(st.dictionaries(st.integers(1, current), st.floats(0, 1))),
        valid_until=draw(st.none() | st.dates(date(2018, 1, 1), date(2030, 1, 1))),
        last_reviewed_at=draw(MOMENTS), distinct_editors=draw(st.integers(0, 40)),
        revisions=draw(st.integers(0, 80)), backlinks=draw(st.integers(0, 60)),
        annotation_completeness=draw(st.floats(0, 1)), organisational_space=draw(st.booleans()),
        approved_revision_number=draw(st.none() | st.integers(1, current)),
        words=draw(st.integers(0, 2000)), sources=draw(st.integers(0, 8)), facts=draw(st.integers(0, 30)),
        reads=draw(st.integers(0, 200)), client_uses=uses, client_users=draw(st.integers(0, uses)),
        trial_revision_number=draw(st.none() | st.integers(1, current)))


RATER_IDS = st.integers(1, 8)


def ratings_for(page: PageSignals, rater_ids: st.SearchStrategy[int] = RATER_IDS,
                max_size: int = 14) -> st.SearchStrategy[list[RatingInput]]:
    """Histories where a rater may rate several revisions, and some raters are authors."""
    one = st.builds(lambda parts, **kw: RatingInput(scores=parts[0], overall=parts[1], **kw), rating_parts(),
                    rater_id=rater_ids, revision_number=st.integers(1, page.current_revision_number),
                    rated_at=MOMENTS, by_author=st.sampled_from([False, False, False, True]), expertise=EXPERTISE)
    return st.lists(one, max_size=max_size)


@PROPERTY
@given(data=st.data())
def test_one_rater_moves_the_score_by_at_most_the_documented_bound(data: st.DataObject) -> None:
    page = data.draw(page_signals())
    history = data.draw(ratings_for(page))
    rater = data.draw(st.integers(1, 9))          # 9 never rated: then this is adding a rater
    newcomer = data.draw(ratings_for(page, st.just(rater), max_size=3))
    with_rater = history + newcomer
    without = [r for r in with_rater if r.rater_id != rater]
    raw = abs(summarise_ratings(with_rater, page).points - summarise_ratings(without, page).points)
    shown = abs(assess(with_rater, page).score - assess(without, page).score)
    assert raw <= maturity.MAX_RATER_INFLUENCE + 1e-9
    assert shown <= maturity.MAX_RATER_INFLUENCE + 0.1 + 1e-9
    assert shown <= maturity.RATER_INFLUENCE_BOUND


@PROPERTY
@given(data=st.data())
def test_a_group_of_accounts_moves_the_score_by_at_most_the_group_bound(data: st.DataObject) -> None:
    page = data.draw(page_signals())
    history = [r for r in data.draw(ratings_for(page)) if r.rater_id < 50]
    accounts = data.draw(st.integers(1, 5))
    group = [RatingInput(50 + i, data.draw(SCORES), data.draw(st.integers(1, page.current_revision_number)),
                         data.draw(MOMENTS), False, data.draw(EXPERTISE)) for i in range(accounts)]
    shown = abs(assess(history + group, page).score - assess(history, page).score)
    assert shown <= maturity.group_influence_bound(accounts) + 0.1 + 1e-9


def test_the_group_bound_for_one_account_is_the_single_rater_bound() -> None:
    assert maturity.group_influence_bound(1) == pytest.approx(maturity.MAX_RATER_INFLUENCE)
    assert maturity.group_influence_bound(5) == pytest.approx(24.0)


def test_the_single_rater_bound_is_the_documented_one() -> None:
    assert pytest.approx(40 * 1.5 / 6.5) == maturity.MAX_RATER_INFLUENCE
    assert maturity.MAX_RATER_INFLUENCE + 0.1 <= maturity.RATER_INFLUENCE_BOUND


@PROPERTY
@given(data=st.data())
def test_a_rating_at_or_above_the_mean_never_lowers_the_score(data: st.DataObject) -> None:
    page = data.draw(page_signals())
    history = data.draw(ratings_for(page))
    before = assess(history, page)
    floor = math.ceil(summarise_ratings(history, page).mean)
    overall = data.draw(st.none() | st.integers(floor, 5))
    at_or_above = st.dictionaries(st.sampled_from(list(Criterion)), st.integers(floor, 5), min_size=1)
    # the value is what must reach the mean: the overall judgement when given (then the criteria may be anything)
    scores = data.draw(at_or_above if overall is None else st.just({}) | SCORES)
    added = RatingInput(100, scores, data.draw(st.integers(1, page.current_revision_number)), data.draw(MOMENTS),
                        False, data.draw(EXPERTISE), overall)
    assert added.value >= summarise_ratings(history, page).mean
    after = assess(history + [added], page)
    assert after.score >= before.score
    assert after.confidence >= before.confidence


def test_monotonicity_is_about_the_bayesian_mean_not_the_raw_average() -> None:
    low = many(3, 1)                                  # raw average 1.0, counted as 1.94
    assert summarise_ratings(low, signals()).mean == Fraction(31, 16)
    assert assess(low + [rating(9, {C.currency: 1, C.reliability: 2})], signals()).score < assess(low, signals()).score
    assert assess(low + [rating(9, 2)], signals()).score > assess(low, signals()).score


@PROPERTY
@given(data=st.data())
def test_assess_depends_only_on_its_inputs_not_their_order(data: st.DataObject) -> None:
    page = data.draw(page_signals())
    history = data.draw(ratings_for(page))
    shuffled = list(history)
    random.Random(data.draw(st.integers(0, 2**32))).shuffle(shuffled)
    assert assess(shuffled, page) == assess(history, page) == assess(tuple(history), page)


@PROPERTY
@given(data=st.data())
def test_scores_and_contributions_stay_in_their_ranges(data: st.DataObject) -> None:
    page = data.draw(page_signals())
    result = assess(data.draw(ratings_for(page)), page)
    assert 0.0 <= result.score <= 100.0 and 0.0 <= result.confidence <= 1.0
    bounds = {"ratings": (0, 40), "currency": (-60, 0), "editors": (0, 10), "revisions": (0, 5),
              "backlinks": (0, 10), "annotations": (0, 15), "space": (0, 10), "approval": (0, 10),
              "substance": (0, 10), "practice": (0, 5)}
    assert [c.key for c in result.contributions] == list(bounds)
    for c in result.contributions:
        low, high = bounds[c.key]
        assert low <= c.points <= high and c.explanation
    assert (result.phase is Phase.standardising) == (page.approved_revision_number is not None)
    assert result.approved_differs == (page.approved_revision_number is not None
                                       and page.approved_revision_number < page.current_revision_number)
    assert assess([], page).confidence <= 0.2
    assert result.assessed == ("not_assessed" not in result.flags)
    if page.words < maturity.NEAR_EMPTY_WORDS:
        assert result.score <= maturity.NEAR_EMPTY_MAX_SCORE and "near_empty" in result.flags
    assert ("undated" in result.flags) == (page.valid_until is None)


@PROPERTY
@given(data=st.data())
def test_a_date_in_the_future_is_never_worse_than_no_date_and_an_expired_one_never_better(data: st.DataObject) -> None:
    page = data.draw(page_signals())
    history = data.draw(ratings_for(page))
    undated = assess(history, replace(page, valid_until=None)).score
    future = assess(history, replace(page, valid_until=data.draw(st.dates(NOW.date(), date(2031, 1, 1))))).score
    expired = assess(history, replace(page, valid_until=data.draw(
        st.dates(date(2015, 1, 1), NOW.date() - timedelta(days=1))))).score
    assert expired <= undated <= future


@PROPERTY
@given(data=st.data())
def test_more_substance_never_lowers_the_score(data: st.DataObject) -> None:
    page = data.draw(page_signals())
    history = data.draw(ratings_for(page))
    richer = replace(page, words=page.words + data.draw(st.integers(0, 500)),
                     sources=page.sources + data.draw(st.integers(0, 3)), facts=page.facts + data.draw(st.integers(0, 9)))
    assert assess(history, richer).score >= assess(history, page).score
