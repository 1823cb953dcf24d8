"""The LMI quality criteria a rating scores: the one table the model, the API, the schemas and the forms read.

Pure data (no database, no framework), so the pure maturity model may name criteria by label. The
criteria are the ones the careers-guidance literature sets for labour-market information (issue 20):
equality of opportunity, accessibility, reliability, comprehensiveness, currency, relevance to
practitioners and impartiality. Each has a plain-words definition an adviser recognises and a
one-line picture of a 1 and of a 5, shown as hints on the rating form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class CriterionText:
    """One criterion as people read it: what it asks, and what a poor and an excellent page look like."""

    key: str
    label: str
    definition: str
    poor: str         # what a 1 looks like
    excellent: str    # what a 5 looks like


# The order of the rating form and of /api/quality/criteria (the six rated before issue 20 keep theirs).
CRITERIA: tuple[CriterionText, ...] = (
    CriterionText(
        "currency", "Currency",
        "Up to date: the figures and facts are the latest available and the page says when they hold until.",
        "Figures several years old or no date at all; an adviser cannot tell whether they still hold.",
        "The latest published figures, dated, with a 'valid until' date that has not passed."),
    CriterionText(
        "reliability", "Reliability",
        "Trustworthy: figures come from named, sound sources (ONS, government, sector bodies) that an adviser "
        "can check.",
        "No sources, or figures that cannot be traced or contradict the official ones.",
        "Every figure names a sound source with a link, and the figures match it."),
    CriterionText(
        "relevance", "Relevance",
        "Useful in practice: it answers what careers practitioners need in their work with clients.",
        "Background an adviser cannot use with a client; the questions clients ask are not answered.",
        "An adviser can use it with a client straight away: entry routes, pay, prospects, local openings."),
    CriterionText(
        "impartiality", "Impartiality",
        "Balanced: it does not promote one sector, provider or route as superior to others, and does not mask "
        "an economic decline.",
        "Reads like an advert for one sector or provider, or hides falling jobs or pay.",
        "Weighs sectors and routes fairly and states declines as plainly as growth."),
    CriterionText(
        "accessibility", "Accessibility",
        "Usable by everyone it is for: people with physical limitations (screen readers, readable layout) and "
        "readers at different levels of complexity.",
        "Dense jargon, tables without text, or only readable by specialists.",
        "Plain words with a simpler summary, works with assistive technology, explains any technical term."),
    CriterionText(
        "comprehensiveness", "Comprehensiveness",
        "Complete: it covers what an adviser needs on the subject (pay, demand, routes in, regions) without "
        "gaps that mislead.",
        "Covers one aspect only; important parts of the picture are missing.",
        "Covers the whole picture an adviser needs, and says where to find what it leaves out."),
    CriterionText(
        "equality", "Equality of opportunity",
        "Fair to all: it supports equality of opportunity for every client and complies with equality "
        "legislation (no stereotyping by sex, age, disability, ethnicity or background).",
        "Stereotypes who a job is for, or leaves out barriers and support some clients need.",
        "Shows routes open to everyone, names support for under-represented groups, and complies with the "
        "Equality Act."),
)

CRITERION_KEYS: tuple[str, ...] = tuple(c.key for c in CRITERIA)
BY_KEY: Mapping[str, CriterionText] = MappingProxyType({c.key: c for c in CRITERIA})


def label_in_sentence(key: str) -> str:
    """A criterion's label as it reads inside a sentence: 'equality of opportunity 4.0'."""
    return BY_KEY[key].label.lower()
