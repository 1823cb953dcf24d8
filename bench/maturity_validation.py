"""Validation of the maturity model by simulation: does the score rank pages by their true quality, and how far
can a coordinated group of accounts push chosen pages up? The same figures for a plain mean of ratings.

Run from the project root with the project's virtualenv (pure Python, no database; a few seconds):

    .venv/bin/python bench/maturity_validation.py [--pages N] [--raters N] [--seed N] [--json]

What it does:

1. Draws an organisation whose pages have a known true quality q = (5 c + u) / 6, as currency is one of
   the six LMI criteria: content c (uniform 0-1) and currency u, which is the page's upkeep k (half c, half
   chance: careful writers also keep pages current) unless its own Valid until has passed (then at most
   0.5, falling to 0 a year later: its figures are out of date whatever the upkeep). Signals follow them
   only loosely: words, sources cited, facts annotated and the share of shape checks passed rise with c;
   a Valid until date is given more often, and is more often in the future, the better the upkeep, and
   the last review is more recent (0-2 years ago); editors rise a
   little with q; revisions and backlinks are popularity (chance); a tenth of the pages are in personal
   spaces (chance); a quarter of the pages with q > 0.75 are approved; colleagues used better pages with
   clients more often, and read them more.
2. Draws --raters colleagues (default 60) with an expertise e (0-1) that colleagues tagged them with: a
   rater sees the true star value 1 + 4q with noise of standard deviation 1.4 - 1.1e, scores 2-4 criteria
   and rounds to 1-5. A tenth of the raters are lazy: they give 4 to everything. Pages get 0-12 ratings
   (about one in eight none); each page's authors (1-3 colleagues) rate their own page 5 half the time
   (flagged by_author, as the service does). The raters' expertise is passed to the model as the service
   passes tagged expertise (a lazy or a colluding account was never tagged: expertise 0).
3. One coordinated group of 5 accounts rates --targets chosen pages (default 20, drawn from the worst
   half) 5 on every criterion.
4. Scores every page with the real model (`app.quality.maturity.assess`), and with a plain mean of all
   its ratings (authors' and the group's included, 3 for an unrated page) as the baseline, and reports
   Kendall's tau-b between each and the true quality (goal for the model: >= 0.7), with the group and
   without it; the model's ratings part alone (the Bayesian mean) beside the plain mean, so the rating
   aggregation is compared like for like; and how far the group moved its targets: the score in points
   against the documented bound (`maturity.group_influence_bound(5)`, 24 points + 0.1 for rounding) and the
   targets' median rank percentile, for the model and for the mean (on the same 0-40 points scale). Two
   diagnostic rows, the model's score without its currency part and with it at a quarter of its points,
   show how much of the disagreement with the true quality the currency penalties make (they weigh
   currency far more than one criterion in six).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.quality import maturity  # noqa: E402
from app.quality.maturity import Criterion, PageSignals, RatingInput, assess, summarise_ratings  # noqa: E402

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GROUP_SIZE = 5
LABELS = {"model": "model score (0-100)", "model_without_currency": "  without currency",
          "model_quarter_currency": "  currency at 1/4",
          "model_ratings": "model ratings (0-40)", "plain_mean": "plain mean (0-40)"}
LAZY_SHARE = 0.1
CRITERIA = list(Criterion)


@dataclass(frozen=True)
class Options:
    pages: int
    raters: int
    targets: int
    seed: int
    as_json: bool


@dataclass(frozen=True)
class Rater:
    rater_id: int
    expertise: float
    lazy: bool

    def rate(self, quality: float, rng: random.Random) -> dict[Criterion, int]:
        """Scores on 2-4 criteria: the true stars seen through this rater's noise, or 4s from a lazy rater."""
        criteria = rng.sample(CRITERIA, rng.randint(2, min(4, len(CRITERIA))))
        if self.lazy:
            return dict.fromkeys(criteria, 4)
        seen = 1 + 4 * quality + rng.gauss(0, 1.4 - 1.1 * self.expertise)
        return {c: min(5, max(1, round(seen + rng.gauss(0, 0.4)))) for c in criteria}


@dataclass
class SimulatedPage:
    quality: float
    signals: PageSignals
    authors: tuple[int, ...]
    ratings: list[RatingInput] = field(default_factory=list)


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--raters", type=int, default=60)
    parser.add_argument("--targets", type=int, default=20, help="pages the coordinated group pushes up")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--json", action="store_true", dest="as_json")
    args = parser.parse_args(argv)
    return Options(args.pages, max(args.raters, 8), min(args.targets, args.pages // 2), args.seed, args.as_json)


def true_currency(kept: float, valid_until: date | None) -> float:
    """Figures past their own Valid until are out of date whatever the upkeep (the longer past, the worse);
    otherwise currency is the page's upkeep."""
    if valid_until is not None and valid_until < NOW.date():
        return max(0.0, 0.5 - (NOW.date() - valid_until).days / 365)
    return kept


def true_quality(content: float, currency: float) -> float:
    """What a careful reviewer would judge now: currency is one of the six LMI criteria, content the rest."""
    return (5 * content + currency) / 6


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


def _signals(content: float, kept: float, rng: random.Random) -> tuple[float, PageSignals]:
    """A page's true quality and its signals: loosely following its content and upkeep, partly popularity and
    chance."""
    if rng.random() < 0.3 + 0.6 * kept:
        future = rng.random() < kept
        valid_until: date | None = (NOW.date() + timedelta(days=rng.randint(1, 500)) if future
                                    else NOW.date() - timedelta(days=rng.randint(1, 600)))
    else:
        valid_until = None
    quality = true_quality(content, true_currency(kept, valid_until))
    revisions = 1 + _binomial(rng, 14, 0.3)
    approved = revisions if quality > 0.75 and rng.random() < 0.25 else None
    uses = _binomial(rng, 6, quality ** 2 * 0.6)
    return quality, PageSignals(
        now=NOW, current_revision_number=revisions, changed_since={}, valid_until=valid_until,
        last_reviewed_at=NOW - timedelta(days=round(730 * (1 - kept) * rng.random())),
        distinct_editors=1 + _binomial(rng, 5, 0.1 + 0.4 * quality), revisions=revisions,
        backlinks=_binomial(rng, 12, 0.05 + 0.35 * rng.random()),
        annotation_completeness=_binomial(rng, 5, 0.2 + 0.7 * content) / 5,
        organisational_space=rng.random() < 0.9, approved_revision_number=approved,
        words=max(0, round(rng.lognormvariate(0, 0.5) * (40 + 500 * content))),
        sources=_binomial(rng, 4, 0.1 + 0.7 * content), facts=_binomial(rng, 8, 0.2 + 0.7 * content),
        reads=_binomial(rng, 40, 0.1 + 0.5 * quality), client_uses=uses, client_users=min(uses, 1 + uses // 2),
    )


def organisation(options: Options, rng: random.Random) -> tuple[list[SimulatedPage], list[Rater], list[int]]:
    """Pages with their honest ratings, the raters, and the pages the group will push (from the worst half)."""
    raters = [Rater(i, rng.random(), rng.random() < LAZY_SHARE) for i in range(1, options.raters + 1)]
    pages = []
    for _ in range(options.pages):
        content = rng.random()
        kept = min(1.0, max(0.0, 0.5 * content + 0.5 * rng.random()))   # careful writers also keep pages current
        quality, signals = _signals(content, kept, rng)
        page = SimulatedPage(quality, signals,
                             tuple(r.rater_id for r in rng.sample(raters, rng.randint(1, 3))))
        colleagues = [r for r in raters if r.rater_id not in page.authors]
        count = 0 if rng.random() < 0.12 else rng.randint(1, min(12, len(colleagues)))
        for rater in rng.sample(colleagues, count):
            page.ratings.append(_rating(page, rater.rater_id, rater.rate(quality, rng), rater.expertise, False, rng))
        for author in page.authors:
            if rng.random() < 0.5:
                page.ratings.append(_rating(page, author, dict.fromkeys(rng.sample(CRITERIA, 3), 5), 0.0, True, rng))
        pages.append(page)
    worst_half = sorted(range(len(pages)), key=lambda i: pages[i].quality)[: len(pages) // 2]
    return pages, raters, sorted(rng.sample(worst_half, options.targets))


def _rating(page: SimulatedPage, rater_id: int, scores: dict[Criterion, int], expertise: float, by_author: bool,
            rng: random.Random) -> RatingInput:
    return RatingInput(rater_id, scores, page.signals.current_revision_number,
                       NOW - timedelta(days=rng.randint(0, 300)), by_author, expertise)


def group_ratings(page: SimulatedPage, first_id: int) -> list[RatingInput]:
    """The coordinated group: 5 fresh accounts, nobody tagged them, 5 on every criterion."""
    return [RatingInput(first_id + i, dict.fromkeys(CRITERIA, 5), page.signals.current_revision_number, NOW, False, 0.0)
            for i in range(GROUP_SIZE)]


def plain_mean(ratings: list[RatingInput]) -> float:
    """The baseline: every rating's own mean, averaged; an unrated page counts as the scale's middle."""
    values = [sum(r.scores.values()) / len(r.scores) for r in ratings]
    return statistics.fmean(values) if values else 3.0


def kendall_tau_b(xs: list[float], ys: list[float]) -> float:
    """Kendall's tau-b (ties in either ranking counted as neither agreement nor disagreement)."""
    concordant = discordant = ties_x = ties_y = 0
    for i in range(len(xs)):
        for j in range(i + 1, len(xs)):
            dx, dy = xs[i] - xs[j], ys[i] - ys[j]
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                ties_x += 1
            elif dy == 0:
                ties_y += 1
            elif (dx > 0) == (dy > 0):
                concordant += 1
            else:
                discordant += 1
    denominator = ((concordant + discordant + ties_x) * (concordant + discordant + ties_y)) ** 0.5
    return (concordant - discordant) / denominator if denominator else 0.0


def _percentile(values: list[float], index: int) -> float:
    """Where a page stands among all pages (0 = lowest, 100 = highest), ties at their middle."""
    below = sum(v < values[index] for v in values)
    equal = sum(v == values[index] for v in values) - 1
    return 100 * (below + equal / 2) / (len(values) - 1)


def evaluate(pages: list[SimulatedPage], targets: list[int], first_group_id: int) -> dict[str, object]:
    """Score every page with and without the group, by the model and by the plain mean."""
    truth = [p.quality for p in pages]
    runs: dict[str, dict[str, list[float]]] = {}
    for scenario in ("honest", "with_group"):
        model, undated, quarter, bayes, mean = [], [], [], [], []
        for index, page in enumerate(pages):
            ratings = page.ratings + (group_ratings(page, first_group_id)
                                      if scenario == "with_group" and index in targets else [])
            result = assess(ratings, page.signals)
            model.append(result.score)
            currency = next(c.points for c in result.contributions if c.key == "currency")
            undated.append(result.score - currency)
            quarter.append(result.score - 0.75 * currency)
            bayes.append(summarise_ratings(ratings, page.signals).points)
            mean.append(10 * (plain_mean(ratings) - 1))   # on the model's 0-40 ratings scale
        runs[scenario] = {"model": model, "model_without_currency": undated, "model_quarter_currency": quarter,
                          "model_ratings": bayes, "plain_mean": mean}
    figures: dict[str, object] = {}
    for name in LABELS:
        honest, pushed = runs["honest"][name], runs["with_group"][name]
        moved = [pushed[i] - honest[i] for i in targets]
        figures[name] = {
            "tau_honest": round(kendall_tau_b(honest, truth), 3),
            "tau_with_group": round(kendall_tau_b(pushed, truth), 3),
            "group_moved_mean_points": round(statistics.fmean(moved), 2),
            "group_moved_max_points": round(max(moved), 2),
            "targets_median_percentile_honest": round(statistics.median(_percentile(honest, i) for i in targets), 1),
            "targets_median_percentile_with_group": round(statistics.median(_percentile(pushed, i) for i in targets),
                                                          1),
        }
    return figures


def run(options: Options) -> dict[str, object]:
    """The whole simulation, seeded: the same options give the same figures."""
    rng = random.Random(options.seed)
    started = time.perf_counter()
    pages, raters, targets = organisation(options, rng)
    figures = evaluate(pages, targets, first_group_id=options.raters + 1)
    ratings = sum(len(p.ratings) for p in pages)
    return {
        "pages": len(pages), "raters": len(raters), "lazy_raters": sum(r.lazy for r in raters),
        "ratings": ratings, "unrated_pages": sum(1 for p in pages if not any(not r.by_author for r in p.ratings)),
        "group_accounts": GROUP_SIZE, "targets": len(targets), "seed": options.seed,
        "documented_group_bound_points": round(maturity.group_influence_bound(GROUP_SIZE) + 0.1, 2),
        "documented_one_rater_bound_points": maturity.RATER_INFLUENCE_BOUND,
        "figures": figures, "seconds": round(time.perf_counter() - started, 2),
    }


def main(argv: list[str] | None = None) -> None:
    options = parse_options(argv)
    result = run(options)
    if options.as_json:
        print(json.dumps(result, indent=2))
        return
    print(f"Maturity validation: {result['pages']} pages, {result['raters']} raters ({result['lazy_raters']} lazy), "
          f"{result['ratings']} ratings, {result['unrated_pages']} pages unrated, seed {result['seed']} "
          f"({result['seconds']} s)")
    print(f"coordinated group: {result['group_accounts']} accounts rating {result['targets']} pages from the worst "
          f"half 5 on every criterion; documented bound {result['documented_group_bound_points']} points")
    print(f"{'':22s} {'tau honest':>10s} {'tau group':>10s} {'moved mean':>11s} {'moved max':>10s} "
          f"{'targets pct':>16s}")
    figures = result["figures"]
    assert isinstance(figures, dict)
    for name, label in LABELS.items():
        row = figures[name]
        print(f"{label:22s} {row['tau_honest']:10.3f} {row['tau_with_group']:10.3f} "
              f"{row['group_moved_mean_points']:11.2f} {row['group_moved_max_points']:10.2f} "
              f"{row['targets_median_percentile_honest']:7.1f} -> {row['targets_median_percentile_with_group']:5.1f}")


if __name__ == "__main__":
    main()
