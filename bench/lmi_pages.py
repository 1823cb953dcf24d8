"""The LMI pages the benchmarks write: corpus prose with the facts an adviser annotates inline.

Shared by bench/maturity_recompute.py and bench/organisation.py (the scripts run as
`python bench/<name>.py`, so this module is importable as `lmi_pages`).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from datetime import date, timedelta

SECTORS = ["Agriculture, environment and animal care", "Business and administration", "Construction",
           "Creative industries", "Digital and technology", "Education and childcare", "Energy and utilities",
           "Engineering and manufacturing", "Financial and professional services", "Health and social care",
           "Hospitality and tourism", "Logistics and transport", "Public services", "Retail"]
REGIONS = ["North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
           "East of England", "London", "South East", "South West", "Wales", "Scotland", "Northern Ireland"]
SOURCES = ["ONS Annual Survey of Hours and Earnings 2024", "Working Futures 2024-2035", "Employer Skills Survey 2022",
           "Labour Force Survey", "Lightcast job postings", "DfE apprenticeship statistics"]
CATEGORIES = ["Sector profile", "Occupation profile", "Regional LMI", "Pay and conditions"]


def make_content(rng: random.Random, corpus: list[list[str]], link_titles: list[str],
                 topics: Sequence[str] = ()) -> str:
    """Small Markdown: a heading, 60-150 words, 3-5 inline annotations (plus a Topic per `topics`),
    links and a category."""
    document = rng.choices(corpus, weights=[len(d) for d in corpus])[0]
    start = rng.randrange(max(1, len(document) - 20))
    sentences = itertools.cycle(document[start:] + document[:start])
    target, paragraphs, words = rng.randint(60, 150), [], 0
    while words < target:
        paragraph = " ".join(next(sentences) for _ in range(rng.randint(2, 3)))
        paragraphs.append(paragraph)
        words += len(paragraph.split())
    sector, region = rng.choice(SECTORS), rng.choice(REGIONS)
    valid_until = date(2026, 1, 1) + timedelta(days=rng.randrange(2 * 365))  # some have passed (today: late 2026)
    facts = [f"- Sector: [[Sector::{sector}]]", f"- Region: [[Region::{region}]]",
             f"- Review by [[Valid until::{valid_until.isoformat()}]]"]
    optional = [f"- Source: [[Source::{rng.choice(SOURCES)}]]",
                f"- Median pay: [[Median pay::{rng.randrange(17_000, 62_000)} GBP]]"]
    facts += rng.sample(optional, rng.randint(0, len(optional)))
    facts += [f"- Topic: [[Topic::{topic}]]" for topic in topics]
    blocks = [f"## {sector} in {region}", paragraphs[0], "\n".join(facts), *paragraphs[1:]]
    if link_titles:
        blocks.append("See also " + " and ".join(f"[[{title}]]" for title in link_titles) + ".")
    blocks.append(f"[[Category:{rng.choice(CATEGORIES)}]]")
    return "\n\n".join(blocks) + "\n"
