"""The knowledge-maturing model: a page's 0-100 maturity score, its confidence and MATURE phase.

Pure functions of what the service gathers (ratings and page signals): no database, no clock,
no I/O, so every rule is a table-driven test. docs/maturity.md states the formulas and why.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import Enum
from fractions import Fraction

from app.quality.criteria import label_in_sentence


class Criterion(str, Enum):
    """The quality criteria for LMI used in careers guidance (the corpus report, section 2.2; texts in criteria.py)."""

    currency = "currency"
    reliability = "reliability"
    relevance = "relevance"
    impartiality = "impartiality"
    accessibility = "accessibility"
    comprehensiveness = "comprehensiveness"
    equality = "equality"


class Phase(str, Enum):
    """MATURE's knowledge-maturing phases Ia, Ib, II, III, IV and V."""

    expressing_ideas = "expressing_ideas"
    appropriating = "appropriating"
    distributing = "distributing"
    formalising = "formalising"
    piloting = "piloting"
    standardising = "standardising"


PHASE_LABELS: Mapping[Phase, str] = {
    Phase.expressing_ideas: "Ia Expressing ideas",
    Phase.appropriating: "Ib Appropriating ideas",
    Phase.distributing: "II Distributing in communities",
    Phase.formalising: "III Formalising",
    Phase.piloting: "IV Ad-hoc training and piloting",
    Phase.standardising: "V Institutionalising and standardising",
}

# --- ratings: a Bayesian average, in exact fractions so order and rounding cannot matter
# Not yet assessed counts as 2.5, below the scale's middle: an unrated page gets 15 points, less than any page
# whose counted ratings average above 2.5 (one 4-star rating: 17.5), so no free points above a well-rated page.
PRIOR_MEAN = Fraction(5, 2)
PRIOR_WEIGHT = Fraction(5)         # as if 5 colleagues had rated it 2.5
RATING_POINTS = 40.0               # a mean of 1 gives 0 points, 5 gives 40, the prior 2.5 gives 15
STALE_WEIGHT_FLOOR = Fraction(1, 10)   # a rating on a rewritten text still counts a tenth
EXPERTISE_MAX_BOOST = Fraction(1, 2)   # expertise 1.0 multiplies a rater's weight by 1.5
MAX_RATER_WEIGHT = 1 + EXPERTISE_MAX_BOOST
# Adding or removing one rater moves the mean by w*|x-m|/(PRIOR_WEIGHT+W+w) <= 4*1.5/6.5 stars.
MAX_RATER_INFLUENCE = RATING_POINTS * float(MAX_RATER_WEIGHT / (PRIOR_WEIGHT + MAX_RATER_WEIGHT))
RATER_INFLUENCE_BOUND = 10.0       # what docs/maturity.md promises (9.23 + 0.1 for rounding)


def group_influence_bound(accounts: int) -> float:
    """How far `accounts` raters acting together can move the ratings points: the one-rater bound for n raters,
    4 * V / (PRIOR_WEIGHT + V) stars with V = n * MAX_RATER_WEIGHT (5 accounts: 24 points)."""
    weight = MAX_RATER_WEIGHT * max(0, accounts)
    return RATING_POINTS * float(weight / (PRIOR_WEIGHT + weight))


# --- currency: penalties in points, growing with time
DAYS_PER_MONTH = 30.4375
EXPIRED_BASE_PENALTY = 15.0        # the day after [[Valid until::...]]
EXPIRED_PENALTY_PER_MONTH = 2.5
EXPIRED_MAX_PENALTY = 40.0
REVIEW_GRACE_DAYS = 365            # no penalty for the first 12 months without a review
UNREVIEWED_PENALTY_PER_MONTH = 2.0
UNREVIEWED_MAX_PENALTY = 20.0
UNDATED_PENALTY = 10.0             # no [[Valid until::...]]: a risk, less than an expired date, more than a future one

# --- indicators: (points at most, count that earns them all); log-scaled in between
EDITORS_POINTS, EDITORS_FULL = 10.0, 8
REVISIONS_POINTS, REVISIONS_FULL = 5.0, 16
BACKLINKS_POINTS, BACKLINKS_FULL = 10.0, 15
ANNOTATIONS_POINTS = 15.0
SPACE_POINTS = 10.0
APPROVAL_POINTS = 10.0
APPROVAL_OUTDATED_POINTS = 5.0     # approved earlier, edited since
TRIAL_POINTS = 5.0                 # approved for trial with clients (not yet the reference version)

# --- substance: text, sources cited, facts annotated; a near-empty page is held down whatever else it has
WORDS_POINTS, WORDS_FULL = 6.0, 300          # linear up to 300 words
SOURCES_POINTS, SOURCES_FULL = 2.0, 3
FACTS_POINTS, FACTS_FULL = 2.0, 6
NEAR_EMPTY_WORDS = 50              # fewer words than this is a near-empty page
NEAR_EMPTY_MAX_SCORE = 25.0        # ... and it scores at most this

# --- practice: colleagues marking that they used the page with a client
PRACTICE_POINTS, PRACTICE_FULL = 5.0, 5     # distinct colleagues, log-scaled

# --- confidence
CONFIDENCE_RATINGS_SHARE = Fraction(8, 10)
CONFIDENCE_RATINGS_HALF = Fraction(5)      # weighted ratings giving half the ratings share
CONFIDENCE_EDITORS_SHARE = Fraction(2, 10)
CONFIDENCE_EDITORS_HALF = 3                # further editors giving half the editors share

# --- phases (see the table in docs/maturity.md)
FORMALISING_MIN_ANNOTATIONS = 0.8  # facts complete for an LMI page
FORMALISING_MIN_SOURCES = 1
CONSENSUS_MIN_RATERS = 3
CONSENSUS_MIN_MEAN = Fraction(7, 2)        # the raters' own weighted mean, not the Bayesian one
CONSENSUS_MAX_SPREAD = 1.0                 # weighted standard deviation of the raters' values
PILOTING_MIN_CLIENT_USERS = 2              # colleagues who marked it used with a client
PILOTING_MIN_READS = 20                    # opened in the last 30 days ...
PILOTING_MIN_BACKLINKS = 3                 # ... or linked from this many pages

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def _require_aware(value: datetime, name: str) -> None:
    """Naive datetimes would make 'months ago' depend on the server's time zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC)")


@dataclass(frozen=True)
class RatingInput:
    """One colleague's rating of one revision, as the service stored it: an overall judgement, criteria, or both."""

    rater_id: int
    scores: Mapping[Criterion, int]
    revision_number: int
    rated_at: datetime
    by_author: bool
    expertise: float = 0.0
    overall: int | None = None

    def __post_init__(self) -> None:
        """Refuse ratings the model cannot weigh, so a bad row fails loudly, not as a wrong score."""
        if not self.scores and self.overall is None:
            raise ValueError("a rating gives an overall judgement or scores at least one criterion")
        if self.overall is not None:
            _require_score("overall", self.overall)
        for criterion, score in self.scores.items():
            Criterion(criterion)
            _require_score(criterion, score)
        _require_aware(self.rated_at, "rated_at")

    @property
    def value(self) -> Fraction:
        """What the rating says of the page, 1..5: the overall judgement when given, else the criteria's mean."""
        if self.overall is not None:
            return Fraction(self.overall)
        return Fraction(sum(self.scores.values()), len(self.scores))


def _require_score(name: object, score: object) -> None:
    """A score is a whole number 1..5 (not a bool, not 4.5)."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValueError(f"score for {name} must be a whole number 1..5, not {score!r}")


@dataclass(frozen=True)
class PageSignals:
    """What the service knows about the page now; `now` is passed in so the model has no clock."""

    now: datetime
    current_revision_number: int
    changed_since: Mapping[int, float]
    valid_until: date | None
    last_reviewed_at: datetime
    distinct_editors: int
    revisions: int
    backlinks: int
    annotation_completeness: float
    organisational_space: bool
    approved_revision_number: int | None
    words: int = 0                          # words of the current text
    sources: int = 0                        # distinct sources cited (dcterms:source, lmi:sourceUrl)
    facts: int = 0                          # typed annotations in the current text
    reads: int = 0                          # times colleagues opened it in the last 30 days
    client_uses: int = 0                    # "used with a client" marks in the last 12 months
    client_users: int = 0                   # ... by this many distinct colleagues
    trial_revision_number: int | None = None   # a manager approved this revision for trial

    def __post_init__(self) -> None:
        """Refuse signals that would silently produce a meaningless score."""
        _require_aware(self.now, "now")
        _require_aware(self.last_reviewed_at, "last_reviewed_at")
        if self.client_users > self.client_uses:
            raise ValueError("client_users cannot exceed client_uses")
        for name in ("distinct_editors", "revisions", "backlinks", "words", "sources", "facts", "reads",
                     "client_uses", "client_users"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")


@dataclass(frozen=True)
class Contribution:
    """One reason for the score, in points and in words an adviser reads."""

    key: str
    points: float
    explanation: str


@dataclass(frozen=True)
class Maturity:
    """The model's answer for one page."""

    score: float
    confidence: float
    phase: Phase
    contributions: tuple[Contribution, ...]
    approved_differs: bool
    assessed: bool = False                  # at least one colleague's rating counts
    flags: tuple[str, ...] = ()             # not_assessed, near_empty, undated, expired
    phase_reason: str = ""                  # why this phase, and what the next one needs


@dataclass(frozen=True)
class CountedRating:
    """One rater's latest rating as it enters the average."""

    rating: RatingInput
    value: Fraction               # RatingInput.value: the overall judgement, else the criteria's mean
    changed: Fraction | None      # share of the text changed since, None when not known
    freshness: Fraction           # STALE_WEIGHT_FLOOR..1
    boost: Fraction               # 1..MAX_RATER_WEIGHT

    @property
    def weight(self) -> Fraction:
        """The rater's effective weight: never above MAX_RATER_WEIGHT, the basis of the influence bound."""
        return self.freshness * self.boost


@dataclass(frozen=True)
class RatingSummary:
    """The counted ratings and their Bayesian average, kept so tests and overviews can show the mean."""

    counted: tuple[CountedRating, ...]   # one per rater, by rater id
    author_raters: int                   # raters left out because they wrote part of the page
    superseded: int                      # earlier ratings replaced by the same rater's latest
    weight: Fraction                     # the sum of the effective weights
    mean: Fraction                       # the Bayesian average, 1..5

    @property
    def points(self) -> float:
        """The rating part of the score: 0 for a mean of 1, RATING_POINTS for 5."""
        return float(Fraction(RATING_POINTS) * (self.mean - 1) / 4)


def _unit(value: float, if_nan: float) -> Fraction:
    """Clamp to 0..1 exactly, so an out-of-range input cannot escape a documented bound."""
    if math.isnan(value):
        value = if_nan
    return Fraction(min(1.0, max(0.0, value)))


def freshness(revision_number: int, signals: PageSignals) -> tuple[Fraction, Fraction | None]:
    """How much a rating on that revision still says about the current text, and the share changed."""
    if revision_number >= signals.current_revision_number:
        return Fraction(1), Fraction(0)
    raw = signals.changed_since.get(revision_number)
    if raw is None:
        return STALE_WEIGHT_FLOOR, None   # unknown: assume rewritten rather than reward a gap
    changed = _unit(raw, if_nan=1.0)
    return max(STALE_WEIGHT_FLOOR, 1 - changed), changed


def expertise_boost(expertise: float) -> Fraction:
    """Expertise raises weight, but only up to MAX_RATER_WEIGHT, whatever value is passed."""
    return 1 + EXPERTISE_MAX_BOOST * _unit(expertise, if_nan=0.0)


def _latest_key(rating: RatingInput) -> tuple[object, ...]:
    """A total order, so the chosen 'latest' rating never depends on input order."""
    scores = tuple(sorted((Criterion(c).value, s) for c, s in rating.scores.items()))
    return (rating.rated_at, rating.revision_number, scores, rating.overall or 0, expertise_boost(rating.expertise))


def _counted(rating: RatingInput, signals: PageSignals) -> CountedRating:
    """Weigh one rater's rating."""
    fresh, changed = freshness(rating.revision_number, signals)
    return CountedRating(rating, rating.value, changed, fresh, expertise_boost(rating.expertise))


def summarise_ratings(ratings: Sequence[RatingInput], signals: PageSignals) -> RatingSummary:
    """One vote per rater (their latest), authors left out, combined as a Bayesian average."""
    authors = {r.rater_id for r in ratings if r.by_author}
    latest: dict[int, RatingInput] = {}
    for rating in ratings:
        if rating.rater_id in authors:
            continue
        kept = latest.get(rating.rater_id)
        if kept is None or _latest_key(rating) > _latest_key(kept):
            latest[rating.rater_id] = rating
    counted = tuple(_counted(latest[rater], signals) for rater in sorted(latest))
    weight = sum((c.weight for c in counted), Fraction(0))
    weighted_sum = sum((c.weight * c.value for c in counted), Fraction(0))
    mean = (PRIOR_WEIGHT * PRIOR_MEAN + weighted_sum) / (PRIOR_WEIGHT + weight)
    superseded = sum(1 for r in ratings if r.rater_id not in authors) - len(counted)
    return RatingSummary(counted, len(authors), superseded, weight, mean)


def _plural(count: int, noun: str, plural: str | None = None) -> str:
    """'1 colleague', '3 colleagues'."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def _one_decimal(value: Fraction | float) -> str:
    """Averages shown as people read them: 4.3."""
    return f"{float(value):.1f}"


def criterion_averages(summary: RatingSummary) -> tuple[tuple[Criterion, Fraction], ...]:
    """The weighted average per criterion that at least one counted rater scored."""
    averages = []
    for criterion in Criterion:
        scored = [(c.weight, c.rating.scores[criterion]) for c in summary.counted
                  if criterion in c.rating.scores]
        if scored:
            total = sum((w for w, _ in scored), Fraction(0))
            averages.append((criterion, sum((w * s for w, s in scored), Fraction(0)) / total))
    return tuple(averages)


def overall_average(summary: RatingSummary) -> Fraction | None:
    """The weighted average of the overall judgements the counted raters gave (None when nobody gave one)."""
    given = [(c.weight, c.rating.overall) for c in summary.counted if c.rating.overall is not None]
    if not given:
        return None
    return sum((w * Fraction(o) for w, o in given), Fraction(0)) / sum((w for w, _ in given), Fraction(0))


def _averages_words(summary: RatingSummary) -> str:
    """'overall 4.0, currency 3.7, equality of opportunity 4.5': what the counted raters said, by label."""
    overall = overall_average(summary)
    parts = [] if overall is None else [f"overall {_one_decimal(overall)}"]
    parts += [f"{label_in_sentence(c.value)} {_one_decimal(avg)}" for c, avg in criterion_averages(summary)]
    return ", ".join(parts)


def _stale_sentence(summary: RatingSummary) -> str | None:
    """Say which earlier revisions' ratings count less, and by how much."""
    by_revision: dict[int, CountedRating] = {}
    for c in summary.counted:
        if c.freshness < 1:
            by_revision[c.rating.revision_number] = c
    if not by_revision:
        return None
    parts = []
    for revision, c in sorted(by_revision.items()):
        counts = f"counts {round(float(c.freshness) * 100)}%"
        if c.changed is None:
            parts.append(f"revision {revision} (changes since not known, {counts})")
        else:
            parts.append(f"revision {revision} ({round(float(c.changed) * 100)}% of the text changed since, "
                         f"{counts})")
    return "Ratings made on earlier revisions count less: " + "; ".join(parts)


def rating_contribution(summary: RatingSummary) -> Contribution:
    """The ratings' points, with who rated, what they said and what was discounted."""
    sentences = []
    if summary.counted:
        first = f"Rated by {_plural(len(summary.counted), 'colleague')} ({_averages_words(summary)} on average)"
        plain = sum((c.weight * c.value for c in summary.counted), Fraction(0)) / summary.weight
        first += f"; counted as {_one_decimal(summary.mean)} out of 5"
        if abs(plain - summary.mean) >= Fraction(5, 100):
            first += f", as a few ratings are drawn towards the unassessed {_one_decimal(PRIOR_MEAN)}"
        sentences.append(first)
    else:
        sentences.append(f"Not yet assessed: no colleague's rating counts yet, so it is counted as "
                         f"{_one_decimal(PRIOR_MEAN)} out of 5 until colleagues rate it")
    stale = _stale_sentence(summary)
    if stale:
        sentences.append(stale)
    experts = sum(1 for c in summary.counted if c.boost > 1)
    if experts:
        sentences.append(f"{_plural(experts, 'colleague')} rated with recognised expertise, which counts up to "
                         f"{float(MAX_RATER_WEIGHT):g} times as much")
    if summary.superseded:
        sentences.append(f"Only each colleague's latest rating counts ({_plural(summary.superseded, 'earlier rating')}"
                         " set aside)")
    if summary.author_raters:
        sentences.append(f"Not counted: ratings by {_plural(summary.author_raters, 'person', 'people')} "
                         f"who wrote part of the page")
    return Contribution("ratings", summary.points, ". ".join(sentences))


def _utc_date(moment: datetime) -> date:
    """Calendar dates in UTC, so 'months ago' is the same on every server."""
    return moment.astimezone(UTC).date()


def _day(day: date) -> str:
    """'31 March 2026', independent of the server's locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def whole_months(start: date, end: date) -> int:
    """Calendar months from start to end as a person counts them: 31 March to 30 November is 8."""
    month_end = end.day == calendar.monthrange(end.year, end.month)[1]
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day and not month_end)
    return max(0, months)


def duration(start: date, end: date) -> str:
    """'12 days', '14 months', '2 years and 3 months'."""
    months = whole_months(start, end)
    if months == 0:
        return _plural(max(0, (end - start).days), "day")
    if months < 24:
        return _plural(months, "month")
    years, rest = divmod(months, 12)
    return _plural(years, "year") + (f" and {_plural(rest, 'month')}" if rest else "")


def expiry_penalty(valid_until: date | None, today: date) -> float:
    """A strong penalty once the page's own 'valid until' date has passed, growing each month."""
    if valid_until is None or today <= valid_until:
        return 0.0
    months_past = (today - valid_until).days / DAYS_PER_MONTH
    return min(EXPIRED_MAX_PENALTY, EXPIRED_BASE_PENALTY + EXPIRED_PENALTY_PER_MONTH * months_past)


def review_penalty(last_reviewed_at: datetime, now: datetime) -> float:
    """A penalty growing each month after the first year without a substantial edit or rating."""
    days = (now - last_reviewed_at).total_seconds() / 86400
    overdue = days - REVIEW_GRACE_DAYS
    if overdue <= 0:
        return 0.0
    return min(UNREVIEWED_MAX_PENALTY, UNREVIEWED_PENALTY_PER_MONTH * overdue / DAYS_PER_MONTH)


def undated_penalty(valid_until: date | None) -> float:
    """No date is a currency risk: never better than a date in the future, never worse than an expired one."""
    return UNDATED_PENALTY if valid_until is None else 0.0


def currency_contribution(signals: PageSignals) -> Contribution:
    """Out-of-date LMI misleads clients, so an expired, undated or unreviewed page loses points."""
    today = _utc_date(signals.now)
    expiry = expiry_penalty(signals.valid_until, today) + undated_penalty(signals.valid_until)
    review = review_penalty(signals.last_reviewed_at, signals.now)
    if signals.valid_until is None:
        validity = ("no 'Valid until' date given: a currency risk, as readers cannot tell until when the "
                    "figures hold")
    elif expiry:
        validity = f"valid until {_day(signals.valid_until)} has passed ({duration(signals.valid_until, today)} ago)"
    else:
        validity = f"valid until {_day(signals.valid_until)}"
    reviewed_on = _utc_date(signals.last_reviewed_at)
    if review:
        reviewing = f"not reviewed for {duration(reviewed_on, today)}"
    elif reviewed_on >= today:
        reviewing = "last reviewed today"
    else:
        reviewing = f"last reviewed {duration(reviewed_on, today)} ago"
    text = f"{validity}; {reviewing}"
    return Contribution("currency", -(expiry + review), text[0].upper() + text[1:])


def log_share(count: int, full: int) -> float:
    """0 for none, 1 from `full` on, log-scaled between: the first few count most, many cannot dominate."""
    return min(1.0, math.log1p(max(0, count)) / math.log1p(full))


def editors_contribution(distinct_editors: int) -> Contribution:
    """Several people working on a page is a sign it has been checked and shared."""
    points = EDITORS_POINTS * log_share(distinct_editors - 1, EDITORS_FULL - 1)
    if distinct_editors == 0:
        text = "No editors recorded"
    elif distinct_editors == 1:
        text = "Written by one person so far"
    else:
        text = f"Edited by {distinct_editors} people"
    return Contribution("editors", points, text)


def revisions_contribution(revisions: int) -> Contribution:
    """Revisions show the page has been worked on, weighted less than people or links."""
    points = REVISIONS_POINTS * log_share(revisions - 1, REVISIONS_FULL - 1)
    text = "1 revision so far" if revisions == 1 else f"{_plural(revisions, 'revision')}"
    return Contribution("revisions", points, text)


def backlinks_contribution(backlinks: int) -> Contribution:
    """Pages that link here are colleagues relying on it."""
    points = BACKLINKS_POINTS * log_share(backlinks, BACKLINKS_FULL)
    text = "No other page links here yet" if backlinks == 0 else f"Linked from {_plural(backlinks, 'page')}"
    return Contribution("backlinks", points, text)


def annotations_contribution(completeness: float) -> Contribution:
    """Annotated facts (source, region, valid until) can be checked, queried and kept current."""
    share = _unit(completeness, if_nan=0.0)
    points = ANNOTATIONS_POINTS * float(share)
    what = "the checks for a well-annotated LMI page"
    if share >= 1:
        text = f"Passes all {what}"
    elif share == 0:
        text = f"Passes none of {what} (the shape report says what to add)"
    else:
        text = f"Passes {max(1, math.floor(share * 100))}% of {what} (the shape report says what to add)"
    return Contribution("annotations", points, text)


def near_empty(signals: PageSignals) -> bool:
    """Too little text to be advice: such a page is held at NEAR_EMPTY_MAX_SCORE."""
    return signals.words < NEAR_EMPTY_WORDS


def substance_contribution(signals: PageSignals) -> Contribution:
    """Text, cited sources and annotated facts are what an adviser can use and check."""
    points = (WORDS_POINTS * min(1.0, signals.words / WORDS_FULL)
              + SOURCES_POINTS * log_share(signals.sources, SOURCES_FULL)
              + FACTS_POINTS * log_share(signals.facts, FACTS_FULL))
    text = (f"{_plural(signals.words, 'word')}, {_plural(signals.sources, 'source')} cited, "
            f"{_plural(signals.facts, 'fact')} annotated")
    if near_empty(signals):
        text += (f"; a near-empty page (under {NEAR_EMPTY_WORDS} words) scores at most "
                 f"{NEAR_EMPTY_MAX_SCORE:g}")
    return Contribution("substance", points, text[0].upper() + text[1:])


def practice_contribution(signals: PageSignals) -> Contribution:
    """Colleagues using a page with clients is knowledge tested in practice; counted per person, not per mark."""
    points = PRACTICE_POINTS * log_share(signals.client_users, PRACTICE_FULL)
    if signals.client_uses == 0:
        text = "Not yet marked as used with a client"
    else:
        text = (f"Used with clients {_plural(signals.client_uses, 'time')} in the last 12 months by "
                f"{_plural(signals.client_users, 'colleague')}")
    if signals.reads:
        text += f"; opened {_plural(signals.reads, 'time')} in the last 30 days"
    return Contribution("practice", points, text)


def space_contribution(organisational: bool) -> Contribution:
    """Knowledge matures by moving from a person's notes into the organisation's shared space."""
    if organisational:
        return Contribution("space", SPACE_POINTS, "In the organisation's space: shared with colleagues")
    return Contribution("space", 0.0, "In a personal space: not yet shared with the organisation")


def approval_contribution(signals: PageSignals) -> Contribution:
    """A manager's approval is the organisation's own judgement; later edits are not yet covered by it."""
    approved = signals.approved_revision_number
    if approved is None and signals.trial_revision_number is not None:
        return Contribution("approval", TRIAL_POINTS,
                            f"Revision {signals.trial_revision_number} is approved by a manager for trial with "
                            "clients (not yet the organisation's reference version)")
    if approved is None:
        return Contribution("approval", 0.0, "Not approved as the organisation's reference version")
    if approved_differs(signals):
        return Contribution("approval", APPROVAL_OUTDATED_POINTS,
                            f"Revision {approved} is the approved reference version; the current revision "
                            f"{signals.current_revision_number} has later changes not yet approved")
    return Contribution("approval", APPROVAL_POINTS,
                        f"Revision {approved} is approved by a manager as the organisation's reference version")


def approved_differs(signals: PageSignals) -> bool:
    """True when the service should show 'a later edit exists' next to the approved version."""
    approved = signals.approved_revision_number
    return approved is not None and signals.current_revision_number > approved


def confidence(rating_weight: Fraction, distinct_editors: int) -> float:
    """How much to trust the score: grows with weighted ratings and editors, near 0 when unrated."""
    others = max(0, distinct_editors - 1)
    value = (CONFIDENCE_RATINGS_SHARE * rating_weight / (rating_weight + CONFIDENCE_RATINGS_HALF)
             + CONFIDENCE_EDITORS_SHARE * Fraction(others, others + CONFIDENCE_EDITORS_HALF))
    return round(float(value), 2)


@dataclass(frozen=True)
class Consensus:
    """Whether colleagues agree that the page is good: enough raters, a good own mean, a small spread."""

    raters: int
    mean: Fraction | None      # the raters' weighted mean (no prior), None when nobody counts
    spread: float              # weighted standard deviation of the raters' values

    @property
    def reached(self) -> bool:
        """Agreement on a good page; disagreement or agreement on a poor one is no consensus."""
        return (self.raters >= CONSENSUS_MIN_RATERS and self.mean is not None and self.mean >= CONSENSUS_MIN_MEAN
                and self.spread <= CONSENSUS_MAX_SPREAD)


def consensus(summary: RatingSummary) -> Consensus:
    """The counted raters' agreement, weighted as in the average."""
    if not summary.counted or summary.weight == 0:
        return Consensus(len(summary.counted), None, 0.0)
    mean = sum((c.weight * c.value for c in summary.counted), Fraction(0)) / summary.weight
    variance = sum((c.weight * (c.value - mean) ** 2 for c in summary.counted), Fraction(0)) / summary.weight
    return Consensus(len(summary.counted), mean, math.sqrt(variance))


def _formalising_gaps(signals: PageSignals, agreement: Consensus) -> list[str]:
    """What a shared page still lacks to count as formalised: facts, sources, colleagues' agreement."""
    gaps = []
    completeness = _unit(signals.annotation_completeness, if_nan=0.0)
    if completeness < Fraction(FORMALISING_MIN_ANNOTATIONS):
        gaps.append(f"the key facts (passes {math.floor(completeness * 100)}% of the checks, needs "
                    f"{round(FORMALISING_MIN_ANNOTATIONS * 100)}%)")
    if signals.sources < FORMALISING_MIN_SOURCES:
        gaps.append("a cited source")
    if not agreement.reached:
        if agreement.raters < CONSENSUS_MIN_RATERS:
            gaps.append(f"ratings by at least {CONSENSUS_MIN_RATERS} colleagues ({agreement.raters} so far)")
        elif agreement.spread > CONSENSUS_MAX_SPREAD:
            gaps.append("colleagues to agree (their ratings differ)")
        else:
            gaps.append(f"colleagues' ratings averaging {_one_decimal(CONSENSUS_MIN_MEAN)} or more")
    return gaps


def _in_practice(signals: PageSignals) -> bool:
    """Used with clients by several colleagues, and read or linked: knowledge being tried out."""
    return (signals.client_users >= PILOTING_MIN_CLIENT_USERS
            and (signals.reads >= PILOTING_MIN_READS or signals.backlinks >= PILOTING_MIN_BACKLINKS))


def phase_with_reason(signals: PageSignals, summary: RatingSummary) -> tuple[Phase, str]:
    """The MATURE phase and why; standardising and trial piloting only by a manager's decision."""
    if signals.approved_revision_number is not None:
        return Phase.standardising, "A manager approved it as the organisation's reference version"
    if not signals.organisational_space:
        if signals.distinct_editors > 1 or signals.revisions > 1:
            return Phase.appropriating, "Being worked on in a personal space; sharing it is the next step"
        return Phase.expressing_ideas, "A first note in a personal space; sharing it is the next step"
    if signals.trial_revision_number is not None:
        return Phase.piloting, "A manager approved it for trial with clients"
    agreement = consensus(summary)
    gaps = _formalising_gaps(signals, agreement)
    if gaps:
        return Phase.distributing, "Shared with colleagues; to be formalised it needs " + ", ".join(gaps)
    if _in_practice(signals):
        return Phase.piloting, (f"Structured and used in practice: {_plural(signals.client_users, 'colleague')} "
                                "used it with clients")
    used = (f"used with clients by {_plural(signals.client_users, 'colleague')} so far" if signals.client_users
            else "not yet used with clients")
    return Phase.formalising, (f"Structured: key facts, {_plural(signals.sources, 'source')} and "
                               f"{agreement.raters} colleagues agreeing; {used} (piloting needs "
                               f"{PILOTING_MIN_CLIENT_USERS} colleagues, and {PILOTING_MIN_READS} reads in 30 days "
                               f"or {PILOTING_MIN_BACKLINKS} links)")


def phase(signals: PageSignals, summary: RatingSummary) -> Phase:
    """The MATURE phase alone (see phase_with_reason)."""
    return phase_with_reason(signals, summary)[0]


def _rounded(value: float) -> float:
    """One decimal, and never '-0.0' on screen."""
    return round(value, 1) + 0.0


def assess(ratings: Sequence[RatingInput], signals: PageSignals) -> Maturity:
    """The page's maturity: score, confidence, phase and the reasons, from ratings and signals only."""
    summary = summarise_ratings(ratings, signals)
    parts = (
        rating_contribution(summary),
        currency_contribution(signals),
        editors_contribution(signals.distinct_editors),
        revisions_contribution(signals.revisions),
        backlinks_contribution(signals.backlinks),
        annotations_contribution(signals.annotation_completeness),
        space_contribution(signals.organisational_space),
        approval_contribution(signals),
        substance_contribution(signals),
        practice_contribution(signals),
    )
    total = 0.0
    for part in parts:   # a fixed order: float sums are then reproducible
        total += part.points
    if near_empty(signals):   # a constant cap: min() moves no more than its input, so every bound holds
        total = min(total, NEAR_EMPTY_MAX_SCORE)
    score = _rounded(min(100.0, max(0.0, total)))
    trust = confidence(summary.weight, signals.distinct_editors)
    stage, reason = phase_with_reason(signals, summary)
    return Maturity(
        score=score,
        confidence=trust,
        phase=stage,
        contributions=tuple(replace(p, points=_rounded(p.points)) for p in parts),
        approved_differs=approved_differs(signals),
        assessed=bool(summary.counted),
        flags=flags(signals, summary),
        phase_reason=reason,
    )


def flags(signals: PageSignals, summary: RatingSummary) -> tuple[str, ...]:
    """What a reader should be warned about, as stable keys (the contributions say it in words)."""
    today = _utc_date(signals.now)
    found = (("not_assessed", not summary.counted), ("near_empty", near_empty(signals)),
             ("undated", signals.valid_until is None),
             ("expired", signals.valid_until is not None and today > signals.valid_until))
    return tuple(key for key, present in found if present)
