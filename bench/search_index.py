"""Search benchmark: build, size, query latency and edit-to-findable delay.

Run from the project root with the project's virtualenv:

    .venv/bin/python bench/search_index.py [--pages 50000] [--queries 200] [--quick] [--no-http]
    .venv/bin/python bench/search_index.py --existing DIR/search [--queries 200]   # step 2 only, on a real index

1. Generates LMI-like pages (titles from the ontology's sectors and regions, ~300-word bodies
   of consecutive sentences from the careers-guidance corpus in ../shared/corpus, categories,
   sector/region annotations, maturity scores, dates over two years, 20 spaces) and builds the
   index with the service's own `PageIndex.rebuild` (what `mature reindex` does).
2. Runs distinct 1-3 word queries drawn from the corpus vocabulary, as a caller who may read
   15 of the 20 spaces, through `PageIndex.search` (ranking, facets, snippets, spelling): the
   first run of each query (nothing cached) and a repeat (cached match list); then the same
   queries misspelt (one letter changed), so "did you mean" works out a spelling.
3. Delay from a changed page to it being findable, in-process: `apply` one document, then search
   until it is found.
4. End to end over HTTP (skip with --no-http): a `mature serve` on 127.0.0.1 with the demo data,
   an adviser edits a page with a new word, and the script polls GET /api/search until the word
   is found: commit -> queue -> background indexer -> searcher reopened.

Figures are from whatever machine runs it (the reference machine has 2 shared cores).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus import load_corpus
from serving import mature_command, percentile_ms, running_server

from app.annotations.ontology import get_ontology
from app.annotations.vocabulary import LMI
from app.search.index import IndexDocument, PageIndex, SearchRequest

SPACES = 20
READABLE = frozenset(range(1, 16))
PHASES = ["expressing_ideas", "appropriating", "distributing", "formalising", "piloting", "standardising"]
CATEGORIES = ["Sector profile", "Progression route", "Pay", "Apprenticeships", "Young people", "LMI sources",
              "Skills shortages", "Local labour market", "Qualifications", "Green jobs"]
STOP = {"the", "and", "for", "that", "with", "this", "from", "have", "are", "was", "were", "been", "has", "into", "their", "they", "which", "would", "will", "there", "about", "more", "also", "than", "other", "what", "when", "where", "these", "those", "such", "some", "them", "only", "over", "most"}


def corpus_sentences() -> list[str]:
    return [sentence for document in load_corpus() for sentence in document]


def labels(scheme: str) -> list[str]:
    return [concept.label for concept in get_ontology().concepts_in(LMI[scheme])]


def generate(count: int, seed: int = 7) -> Iterator[IndexDocument]:
    rng = random.Random(seed)
    sentences = corpus_sentences()
    sectors, regions = labels("SectorScheme"), labels("RegionScheme")
    now = datetime.now(UTC)
    for page_id in range(1, count + 1):
        sector, region = rng.choice(sectors), rng.choice(regions)
        start = rng.randrange(len(sentences))
        body, words = [], 0
        while words < 300:
            sentence = sentences[(start + len(body)) % len(sentences)]
            body.append(sentence)
            words += len(sentence.split())
        maturity = round(rng.betavariate(2, 3) * 100, 1)
        yield IndexDocument(
            page_id=page_id, space_id=rng.randint(1, SPACES),
            title=f"{sector} {rng.choice(['jobs', 'careers', 'pay', 'skills', 'routes'])} in {region} {page_id}",
            body=" ".join(body), categories=tuple(rng.sample(CATEGORIES, rng.randint(1, 2))),
            annotations={"sector": (sector,), "region": (region,)}, annotation_text=f"{sector} {region}",
            maturity=maturity, phase=PHASES[min(int(maturity // 17), 5)],
            modified=now - timedelta(days=rng.randint(0, 730)))


def queries(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    vocabulary = sorted({w for w in re.findall(r"[a-z]{4,}", " ".join(corpus_sentences()).lower()) if w not in STOP})
    found: set[str] = set()
    while len(found) < count:
        found.add(" ".join(rng.sample(vocabulary, rng.choice([1, 1, 2, 2, 3]))))
    return sorted(found)


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def build(index: PageIndex, pages: int) -> None:
    count, seconds = timed(index.rebuild, generate(pages))
    print(f"build: {count} pages in {seconds:.1f} s ({count / seconds:.0f} pages/s); "
          f"index {index.size_bytes() / 1e6:.1f} MB on disk")


def query_latency(index: PageIndex, texts: list[str], readable: frozenset[int] = READABLE) -> None:
    for label in ("first run", "repeated"):
        samples, totals = [], []
        cpu_started = time.process_time()
        for text in texts:
            result, seconds = timed(index.search, SearchRequest(text=text, readable_spaces=readable))
            samples.append(seconds)
            totals.append(result.total)
        cpu_ms = (time.process_time() - cpu_started) * 1000 / len(texts)
        print(f"query ({label}, {len(texts)} distinct 1-3 word queries, facets + snippets): "
              f"p50 {percentile_ms(samples, 0.5):.1f} ms, p95 {percentile_ms(samples, 0.95):.1f} ms, "
              f"max {max(samples) * 1000:.0f} ms, mean CPU {cpu_ms:.1f} ms; median hits {statistics.median(totals):.0f}")
    samples, cpu_started = [], time.process_time()
    for number, text in enumerate(texts):
        index.apply([_churn(number)], [])  # a page saved meanwhile: a new searcher generation
        samples.append(timed(index.search, SearchRequest(text=text, readable_spaces=readable))[1])
    index.apply([], [CHURN_PAGE])
    print(f"query (repeated, each after another page was saved, {len(texts)}): p50 {percentile_ms(samples, 0.5):.1f} ms, "
          f"p95 {percentile_ms(samples, 0.95):.1f} ms, max {max(samples) * 1000:.0f} ms")
    filtered = []
    for text in texts[:50]:
        request = SearchRequest(text=text, readable_spaces=readable, facet_filters=(("sector", frozenset({"Construction"})),),
                                min_score=40.0, sort="maturity")
        filtered.append(timed(index.search, request)[1])
    print(f"query with sector filter + min score + maturity sort (50): p50 {percentile_ms(filtered, 0.5):.1f} ms, "
          f"p95 {percentile_ms(filtered, 0.95):.1f} ms")


def misspelt(texts: list[str], seed: int = 13) -> list[str]:
    """The queries with one letter of their longest word changed (not the first: what people mistype)."""
    rng = random.Random(seed)
    found = []
    for text in texts:
        words = text.split()
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        word = words[longest]
        at = rng.randrange(1, len(word))
        words[longest] = word[:at] + rng.choice([c for c in "aeioust" if c != word[at]]) + word[at + 1:]
        found.append(" ".join(words))
    return found


def spelling_latency(index: PageIndex, texts: list[str]) -> None:
    """"Did you mean" (suggested from the caller's readable pages only): misspelt queries, first runs, as a
    caller who reads 15 of the 20 spaces and as one who reads a single space (the most postings skipped)."""
    for label, readable in (("15 of 20 spaces", READABLE), ("1 of 20 spaces", frozenset({1}))):
        samples, offered, cpu_started = [], 0, time.process_time()
        for text in misspelt(texts):
            result, seconds = timed(index.search, SearchRequest(text=text, readable_spaces=readable))
            samples.append(seconds)
            offered += result.correction is not None
        cpu_ms = (time.process_time() - cpu_started) * 1000 / len(texts)
        print(f"misspelt query ({label}, {len(texts)}): p50 {percentile_ms(samples, 0.5):.1f} ms, "
              f"p95 {percentile_ms(samples, 0.95):.1f} ms, max {max(samples) * 1000:.0f} ms, mean CPU {cpu_ms:.1f} ms; "
              f"a spelling offered for {offered}")


CHURN_PAGE = 10**9  # a page id no real page has


def _churn(number: int) -> IndexDocument:
    """A saved page in a space no caller reads, so only the searcher generation changes."""
    return IndexDocument(page_id=CHURN_PAGE, space_id=-1, title=f"churn {number}", body="churn", categories=(),
                         annotations={}, annotation_text="", maturity=0.0, phase=PHASES[0],
                         modified=datetime.now(UTC))


def query_existing(directory: Path, count: int) -> None:
    index = PageIndex(directory)
    readable = frozenset(index.space_ids())
    print(f"search benchmark: existing index {directory}, {index.doc_count():,} pages in {len(readable)} spaces, "
          f"{os.cpu_count()} cores")
    query_latency(index, queries(count), readable)
    index.close()


def edit_delay(index: PageIndex, pages: int, rounds: int = 20) -> None:
    rng = random.Random(3)
    samples = []
    for round_number in range(rounds):
        page_id = rng.randint(1, pages)
        word = f"zq{secrets.token_hex(4)}"
        doc = next(generate(1, seed=round_number))
        changed = IndexDocument(**{**doc.__dict__, "page_id": page_id, "space_id": 1, "body": doc.body + " " + word})
        start = time.perf_counter()
        index.apply([changed], [])
        while index.search(SearchRequest(text=word, readable_spaces=READABLE)).total != 1:
            time.sleep(0.001)
        samples.append(time.perf_counter() - start)
    print(f"changed page findable (apply + first search, in-process, {rounds} edits): "
          f"p50 {percentile_ms(samples, 0.5):.0f} ms, p95 {percentile_ms(samples, 0.95):.0f} ms")


def http_delay(rounds: int = 20) -> None:
    with tempfile.TemporaryDirectory(prefix="mature-bench-search-") as directory:
        env = {**os.environ, "MATURE_DATA_DIR": directory, "MATURE_ENV": "development",
               "MATURE_SECRET_KEY": secrets.token_urlsafe(32)}
        subprocess.run([*mature_command(), "demo"], env=env, check=True, capture_output=True)
        token = subprocess.run([*mature_command(), "token", "create", "carol"], env=env, check=True,
                               capture_output=True, text=True).stdout.strip()
        headers = {"Authorization": f"Bearer {token}"}
        with running_server(env, 1, Path(directory) / "server.log") as base_url, httpx.Client(base_url=base_url) as http:
            pages = http.get("/api/pages", params={"limit": 50}, headers=headers).json()["items"]
            page_ids = [page["id"] for page in pages]
            samples = []
            attempt = 0
            while len(samples) < rounds:
                attempt += 1
                page = http.get(f"/api/pages/{page_ids[attempt % len(page_ids)]}", headers=headers).json()
                word = f"zq{secrets.token_hex(4)}"
                start = time.perf_counter()
                response = http.patch(f"/api/pages/{page['id']}", headers=headers, json={
                    "content": page["content"] + f"\n\nChecked {word}.", "base_revision": page["revision"]["id"]})
                if response.status_code == 403:  # a page carol may read but not edit
                    continue
                response.raise_for_status()
                while http.get("/api/search", params={"q": word}, headers=headers).json()["total"] != 1:
                    if time.perf_counter() - start > 30:
                        raise SystemExit(f"edit of page {page['id']} not findable after 30 s")
                    time.sleep(0.005)
                samples.append(time.perf_counter() - start)
        print(f"edit findable over HTTP (PATCH sent -> first search that finds it, demo data, {rounds} edits): "
              f"p50 {percentile_ms(samples, 0.5):.0f} ms, p95 {percentile_ms(samples, 0.95):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="2,000 pages and 50 queries")
    parser.add_argument("--no-http", action="store_true", help="skip the end-to-end HTTP delay")
    parser.add_argument("--existing", type=Path, help="query this index (e.g. an organisation's DIR/search) "
                        "as a caller who may read every space in it, and stop")
    args = parser.parse_args()
    if args.existing:
        query_existing(args.existing, args.queries)
        return
    pages, count = (2_000, 50) if args.quick else (args.pages, args.queries)
    print(f"search benchmark: {pages} generated pages, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="mature-bench-index-") as directory:
        index = PageIndex(Path(directory))
        build(index, pages)
        query_latency(index, queries(count))
        spelling_latency(index, queries(count))
        edit_delay(index, pages)
        index.close()
    if not args.no_http:
        http_delay()


if __name__ == "__main__":
    main()
