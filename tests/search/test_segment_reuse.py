"""Answers stay exact while the index reuses work across saves: per-segment columns and space masks.

A busy office saves a page every few seconds and each save starts a new searcher generation; the index
keeps each unchanged segment's decoded columns and per-space bit masks from one generation to the next
and applies the new deletions (app/search/index.py). These tests pin what a reader would notice if that reuse
went wrong: a replaced version or removed page coming back, a private page showing, filters or ranking
differing from what a freshly opened index answers.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.search.index import IndexDocument, PageIndex, SearchRequest

WORDS = ["apprenticeship", "nurse", "welding", "salary", "shortage", "london", "leeds", "digital", "skills", "care", "retail", "teacher", "engineering", "graduate", "logistics", "construction", "payroll", "coding"]
PHASES = ("expressing_ideas", "distributing", "formalising", "standardising")
SECTORS = ("Construction", "Health", "Digital", "Retail")
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def document(rng: random.Random, page_id: int, space_id: int, extra: str = "") -> IndexDocument:
    sector = rng.choice(SECTORS)
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 120))) + extra
    return IndexDocument(
        page_id=page_id, space_id=space_id, title=f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {page_id}",
        body=body, categories=(rng.choice(("Pay", "Routes")),), annotations={"sector": (sector,)},
        annotation_text=sector, maturity=round(rng.uniform(0, 100), 1), phase=rng.choice(PHASES),
        modified=NOW - timedelta(days=rng.randint(0, 400)))


QUERIES = ("apprenticeship", "nurse salary", "digital skills", "london", "care", "sector:health",
           "welding OR coding", "shortage leeds teacher")


def answer(index: PageIndex, text: str, readable: frozenset[int], **filters) -> tuple:
    result = index.search(SearchRequest(text=text, readable_spaces=readable, limit=50, **filters))
    return result.total, [hit.page_id for hit in result.hits], {k: dict(v) for k, v in result.facets.items()}


@pytest.fixture
def busy_index(tmp_path: Path) -> tuple[PageIndex, dict[int, IndexDocument]]:
    """400 pages in one big segment, queried (so its scores are kept), then saves in small commits."""
    rng = random.Random(20261127)
    pages = {page_id: document(rng, page_id, space_id=page_id % 4 + 1) for page_id in range(1, 401)}
    index = PageIndex(tmp_path / "search")
    index.rebuild(pages.values())
    for text in QUERIES:
        answer(index, text, frozenset({1, 2, 3, 4}))
    return index, pages


def test_replaced_and_removed_pages_never_come_back_through_reused_scores(busy_index):
    index, pages = busy_index
    rng = random.Random(5)
    replaced = pages[7] = document(rng, 7, space_id=pages[7].space_id, extra=" zebracrossing")
    index.apply([replaced], [])
    index.apply([], [11])
    del pages[11]
    everyone = frozenset({1, 2, 3, 4})

    found = index.search(SearchRequest(text="zebracrossing", readable_spaces=everyone))
    assert [hit.page_id for hit in found.hits] == [7]
    for text in QUERIES:
        _total, ids, _facets = answer(index, text, everyone)
        assert 11 not in ids
        assert ids.count(7) <= 1
    assert index.search(SearchRequest(text="", readable_spaces=everyone)).total == 399


def test_reused_answers_equal_a_freshly_opened_index(busy_index, tmp_path):
    index, pages = busy_index
    rng = random.Random(9)
    for page_id in (3, 50, 120):  # a few saves: new small segments, deletions in the big one
        pages[page_id] = document(rng, page_id, space_id=pages[page_id].space_id)
        index.apply([pages[page_id]], [])
    fresh = PageIndex(tmp_path / "search")  # nothing cached: scores every segment now
    for readable in (frozenset({1, 2, 3, 4}), frozenset({2})):
        for text in QUERIES:
            assert answer(index, text, readable) == answer(fresh, text, readable), (text, readable)
    fresh.close()


def test_a_space_the_caller_cannot_read_stays_out_of_reused_answers(busy_index):
    index, _pages = busy_index
    secret = document(random.Random(1), 999, space_id=9, extra=" apprenticeship london")
    index.apply([secret], [])
    for text in QUERIES + ("",):
        _total, ids, facets = answer(index, text, frozenset({1, 2, 3, 4}))
        assert 999 not in ids
        assert "9" not in facets.get("space", {})
    assert 999 in answer(index, "apprenticeship london", frozenset({9}))[1]


def test_filters_keep_exactly_the_pages_that_pass_them(busy_index):
    index, pages = busy_index
    readable = frozenset({1, 3})
    request = {"phases": frozenset({"distributing", "formalising"}), "min_score": 30.0,
               "facet_filters": (("sector", frozenset({"Health", "Digital"})),),
               "modified_from": NOW - timedelta(days=200), "modified_to": NOW - timedelta(days=10)}
    expected = {doc.page_id for doc in pages.values()
                if doc.space_id in readable and doc.phase in request["phases"] and doc.maturity >= 30.0
                and doc.annotations["sector"][0] in ("Health", "Digital")
                and request["modified_from"] <= doc.modified <= request["modified_to"]}
    result = index.search(SearchRequest(text="", readable_spaces=readable, limit=400, **request))
    assert expected and {hit.page_id for hit in result.hits} == expected
    assert result.total == len(expected)


def test_a_saved_page_shows_its_new_snippet_for_a_query_asked_before(tmp_path):
    index = PageIndex(tmp_path / "search")
    first = IndexDocument(page_id=1, space_id=1, title="Nursing careers", body="Nurse vacancies rose in Leeds.",
                          categories=(), annotations={}, annotation_text="", maturity=50.0, phase=PHASES[0],
                          modified=NOW)
    index.rebuild([first])

    def snippet() -> str:
        hit = index.search(SearchRequest(text="nurse", readable_spaces=frozenset({1}))).hits[0]
        return "".join(text for text, _marked in hit.snippet.parts)

    assert snippet().startswith("Nurse vacancies rose in Leeds")
    index.apply([IndexDocument(**{**first.__dict__, "title": "Nursing careers in Hull",
                                  "body": "Nurse pay fell in Hull."})], [])
    assert snippet().startswith("Nurse pay fell in Hull")
    assert index.search(SearchRequest(text="nurse", readable_spaces=frozenset({1}))).hits[0].title == \
        "Nursing careers in Hull"
