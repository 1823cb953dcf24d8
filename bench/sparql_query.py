"""SPARQL and query-API benchmark for MATURE-LMI: store build time and query latency on annotated pages.

Run from the project root with the project's virtualenv:

    .venv/bin/python bench/sparql_query.py [--quick] [--pages N] [--database-url URL] [--json] [--profile]

What it does:

1. Makes a throwaway data directory and a SQLite database (or uses --database-url), runs the
   migrations, adds a manager and an adviser, four organisational spaces (one of them readable by
   its members only, which the adviser is not) and then creates the pages (default 10,000; quick
   1,000) through `app.pages.service.create_page` in transactions of 500, the service code path:
   annotations typed against the ontology, revisions, links, categories, change log. Each page has
   150-300 words of Markdown from /work/shared/corpus (generated sentences if it is missing) and
   6-10 inline annotations (Sector, Region, Occupation, Median pay, Valid until, Source, and some of
   SOC code, Employment count, Growth forecast, Qualification level) plus a category; about 10 %
   get a second revision through `edit_page`. Loading stops early at --load-timeout (it says so).
2. Times a cold `GraphStore.catch_up` (the whole store built from the database), a `catch_up` with
   nothing new (paid before every query), a `catch_up` after 100 edits, and a second cold build
   whose size must equal the incrementally maintained store.
3. In-process, as the adviser (dataset restricted to the graphs the adviser may read), times:
   (a) a filtered, sorted SPARQL SELECT through `sparql.answer`: Health and social care pages in the
   North East with a median pay of at least 25000 GBP, newest first, LIMIT 20; (b) the same question
   through `query_api.run` with printouts Median pay and Valid until (and, as b', without printouts,
   which shows what the printouts cost); (c) a COUNT of pages per sector (GROUP BY) over everything
   readable. Results are checked against what the loader wrote.
4. Starts `mature serve --host 127.0.0.1 --port <free port>` on the same database (always stopped),
   and times (a) as GET /sparql and (b) as POST /api/query with --concurrency clients; the first
   request of each server process builds that process's store and is reported separately.
5. Prints the figures (or JSON with --json). --profile adds a cProfile of one more cold build.

With --database-url the script uses that PostgreSQL database (it does not start PostgreSQL, and
leaves its rows behind: point it at a throwaway database; the result checks need it empty). The
HTTP clients run on the same machine as the server, so both compete for the same CPU cores.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import os
import platform
import pstats
import random
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from corpus import load_corpus
from serving import (
    HOST,
    percentile_ms,
    running_server,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import pyoxigraph
from sqlalchemy import func, select

from app import __version__, schema_migrations
from app.auth import service as account_service
from app.auth import space_service
from app.auth.models import MemberRole, Role, TokenKind, User, Visibility
from app.auth.rights import Right
from app.auth.schemas import SpaceCreate
from app.config import Settings
from app.db import Database, make_engine
from app.pages import service as page_service
from app.pages.models import Page
from app.linkeddata import query_api, sparql
from app.annotations.ontology import get_ontology
from app.linkeddata.rdf import Iris
from app.linkeddata.store import GraphStore
from app.annotations.vocabulary import LMI
from app.observers import register_all

register_all()  # page writes here rescore as in the server (app.pages.events)

BATCH = 500  # pages per transaction while loading
REQUEST_TIMEOUT = 30.0  # seconds; one stuck request cannot hold a phase much past its cap

SECTOR, REGION, MIN_PAY = "Health and social care", "North East", 25000
SECTORS = ["Agriculture, environment and animal care", "Business and administration", "Construction",
           "Creative industries", "Digital and technology", "Education and childcare", "Energy and utilities",
           "Engineering and manufacturing", "Financial and professional services", "Green jobs",
           "Hair and beauty", "Health and social care", "Hospitality and tourism", "Legal services",
           "Logistics and transport", "Public services", "Retail", "Science and research",
           "Sport and leisure", "Uniformed and protective services"]
REGIONS = ["North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
           "East of England", "London", "South East", "South West", "Wales", "Scotland", "Northern Ireland",
           "England", "United Kingdom"]
LEVELS = ["Entry level", *(f"Level {n}" for n in range(1, 9))]
OCCUPATIONS = [("Care worker", "6135"), ("Nurse", "2231"), ("Electrician", "5241"), ("Software developer", "2134"),
               ("HGV driver", "8211"), ("Chef", "5434"), ("Teaching assistant", "6112"), ("Plumber", "5314"),
               ("Accountant", "2421"), ("Paramedic", "2255"), ("Hairdresser", "6221"), ("Data analyst", "3544"),
               ("Retail manager", "1150"), ("Solicitor", "2412"), ("Lab technician", "3111")]
SOURCES = ["ONS Annual Survey of Hours and Earnings 2024", "Working Futures 2024-2035", "Employer Skills Survey 2022",
           "Labour Force Survey", "Lightcast job postings", "DfE apprenticeship statistics"]
CATEGORIES = ["Sector profile", "Occupation profile", "Regional LMI", "Pay and conditions"]


# ---------------------------------------------------------------- options


@dataclass(frozen=True)
class Options:
    pages: int
    runs: int
    warmup: int
    requests: int
    concurrency: int
    workers: int
    phase_timeout: float
    load_timeout: float
    database_url: str | None
    log_level: str
    seed: int
    as_json: bool
    profile: bool


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke-test run (1,000 pages, 50 runs, 100 requests)")
    parser.add_argument("--pages", type=int, help="pages to create (default 10000; quick 1000)")
    parser.add_argument("--runs", type=int, help="timed in-process runs per query (default 200; quick 50)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed runs before each in-process query")
    parser.add_argument("--requests", type=int, help="HTTP requests per query (default 400; quick 100)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent HTTP clients (default 8)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument("--phase-timeout", type=float, default=120.0, help="hard cap per measurement in seconds")
    parser.add_argument("--load-timeout", type=float, default=600.0,
                        help="stop creating pages after this many seconds (the figures then say how many)")
    parser.add_argument("--database-url", help="benchmark this PostgreSQL database instead of SQLite")
    parser.add_argument("--log-level", default="WARNING", help="server log level (WARNING hides access logs)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", dest="as_json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--profile", action="store_true", help="cProfile one more cold store build (to stderr)")
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.workers < 1:
        parser.error("--concurrency and --workers must be at least 1")
    size = (1000, 50, 100) if args.quick else (10_000, 200, 400)
    pick = lambda given, default: default if given is None else given
    return Options(
        pages=max(20, pick(args.pages, size[0])), runs=max(1, pick(args.runs, size[1])), warmup=max(0, args.warmup),
        requests=max(1, pick(args.requests, size[2])), concurrency=args.concurrency, workers=args.workers,
        phase_timeout=args.phase_timeout, load_timeout=args.load_timeout, database_url=args.database_url,
        log_level=args.log_level, seed=args.seed, as_json=args.as_json, profile=args.profile,
    )


# ---------------------------------------------------------------- page content


def page_title(index: int) -> str:
    return f"Bench LMI page {index:05d}"


@dataclass
class PageTruth:
    """What the loader wrote about one page, to check query answers against."""

    index: int
    space: str
    sector: str
    region: str
    pay: int
    page_id: int = 0
    revision_id: int = 0
    content: str = ""


def pay_text(pay: int) -> str:
    return f"{pay} GBP"


def make_page(rng: random.Random, corpus: list[list[str]], index: int, space: str) -> tuple[PageTruth, str]:
    """One page's facts and its Markdown: 150-300 words of prose, 6-10 inline annotations, a category."""
    truth = PageTruth(index, space, rng.choice(SECTORS), rng.choice(REGIONS), rng.randrange(17_000, 62_000))
    occupation, soc = rng.choice(OCCUPATIONS)
    valid_until = date(2025, 1, 1) + timedelta(days=rng.randrange(4 * 365))
    document = rng.choices(corpus, weights=[len(d) for d in corpus])[0]
    start = rng.randrange(max(1, len(document) - 40))
    sentences = itertools.cycle(document[start:] + document[:start])
    target, paragraphs, words = rng.randint(150, 300), [], 0
    while words < target:
        paragraph = " ".join(next(sentences) for _ in range(rng.randint(2, 4)))
        paragraphs.append(paragraph)
        words += len(paragraph.split())
    facts = [f"- Sector: [[Sector::{truth.sector}]]", f"- Region: [[Region::{truth.region}]]",
             f"- Occupation: [[Occupation::{occupation}]]"]
    optional = [f"- SOC 2020 code: [[SOC code::{soc}]]",
                f"- People employed: [[Employment count::{rng.randrange(800, 250_000):,}]]",
                f"- Growth to 2035: [[Growth forecast::{rng.uniform(-4, 9):.1f}%]]",
                f"- Typical entry: [[Qualification level::{rng.choice(LEVELS)}]]"]
    facts += rng.sample(optional, rng.randint(0, len(optional)))
    links = " and ".join(f"[[{page_title(rng.randrange(max(1, index)))}]]" for _ in range(2))
    blocks = [f"## {occupation} in {truth.region}", paragraphs[0],
              (f"Median pay is [[Median pay::{pay_text(truth.pay)}]] according to [[Source::{rng.choice(SOURCES)}]]; "
               f"review these figures by [[Valid until::{valid_until.isoformat()}]]."),
              "## Key facts", "\n".join(facts), *paragraphs[1:], "## See also", f"Related pages: {links}.",
              f"[[Category:{rng.choice(CATEGORIES)}]]"]
    return truth, "\n\n".join(blocks) + "\n"


_PAY = re.compile(r"\[\[Median pay::(\d+) GBP\]\]")


def edited(truth: PageTruth, rng: random.Random, note: str) -> str:
    """The page's content with a new median pay and one more sentence (the loader's and the edits' change)."""
    truth.pay = rng.randrange(17_000, 62_000)
    content = _PAY.sub(f"[[Median pay::{pay_text(truth.pay)}]]", truth.content, count=1)
    return content.rstrip("\n") + f"\n\n{note}\n"


# ---------------------------------------------------------------- environment




def server_environment(settings: Settings, options: Options, secret_key: str) -> dict[str, str]:
    """Our environment without inherited MATURE_* settings, plus the benchmark's own."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MATURE_")}
    env.update(MATURE_DATA_DIR=str(settings.data_dir), MATURE_ENV="development", MATURE_LOG_LEVEL=options.log_level,
               MATURE_DATABASE_URL=settings.sqlalchemy_url, MATURE_SECRET_KEY=secret_key,
               MATURE_BASE_IRI=settings.base_iri)
    return env




def rss_mb() -> float:
    """This process's resident memory in MB (0 where /proc is missing)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


# ---------------------------------------------------------------- the server










# ---------------------------------------------------------------- measuring




@dataclass
class QueryResult:
    """The latencies of one query in one setting (in-process or over HTTP)."""

    name: str
    where: str
    runs: int
    errors: int
    seconds: float
    capped: bool
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rows: int | None
    first_error: str | None = None

    @property
    def per_second(self) -> float:
        return self.runs / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"query": self.name, "where": self.where, "runs": self.runs, "errors": self.errors,
                "per_second": round(self.per_second, 1), "p50_ms": self.p50_ms, "p95_ms": self.p95_ms,
                "p99_ms": self.p99_ms, "seconds": round(self.seconds, 2), "hit_time_cap": self.capped,
                "rows": self.rows, "first_error": self.first_error}


def result_of(name: str, where: str, samples: list[float], errors: int, seconds: float, capped: bool,
              rows: int | None, first_error: str | None = None) -> QueryResult:
    return QueryResult(name, where, len(samples), errors, seconds, capped, percentile_ms(samples, 0.50),
                       percentile_ms(samples, 0.95), percentile_ms(samples, 0.99), rows, first_error)


def time_in_process(name: str, call: Callable[[], int], options: Options) -> QueryResult:
    """Run `call` (returning its row count) warm-up + runs times, sequentially, within the time cap."""
    deadline = time.monotonic() + options.phase_timeout
    rows = None
    for _ in range(options.warmup):
        rows = call()
    samples: list[float] = []
    capped = False
    start = time.perf_counter()
    for _ in range(options.runs):
        if time.monotonic() >= deadline:
            capped = True
            break
        begin = time.perf_counter()
        rows = call()
        samples.append(time.perf_counter() - begin)
    return result_of(name, "in-process", samples, 0, time.perf_counter() - start, capped, rows)


@dataclass
class Recorder:
    """Latencies and outcomes of one HTTP phase, shared by its threads."""

    latencies: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, rows: int | None, error: str | None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if rows is not None:
                self.rows.append(rows)
            if error is not None:
                self.errors += 1
                self.first_error = self.first_error or error


Request = Callable[[httpx.Client], httpx.Response]


def timed_request(client: httpx.Client, request: Request, count_rows: Callable[[httpx.Response], int],
                  recorder: Recorder) -> None:
    start = time.perf_counter()
    try:
        response = request(client)
    except httpx.HTTPError as exc:
        recorder.record(time.perf_counter() - start, None, f"{type(exc).__name__}: {exc}")
        return
    elapsed = time.perf_counter() - start
    if response.is_success:
        recorder.record(elapsed, count_rows(response), None)
    else:
        recorder.record(elapsed, None, f"{response.request.method} {response.request.url.path} -> "
                                       f"{response.status_code}: {response.text[:300]}")


def run_http_phase(name: str, request: Request, count_rows: Callable[[httpx.Response], int],
                   client_factory: Callable[[], httpx.Client], options: Options) -> QueryResult:
    """`options.requests` requests from `options.concurrency` threads, within the time cap."""
    recorder = Recorder()
    tickets, ticket_lock = iter(range(options.requests)), threading.Lock()
    deadline = time.monotonic() + options.phase_timeout
    capped, stop = threading.Event(), threading.Event()

    def worker() -> None:
        with client_factory() as client:
            while not stop.is_set():
                if time.monotonic() >= deadline:
                    capped.set()
                    return
                with ticket_lock:
                    index = next(tickets, None)
                if index is None:
                    return
                timed_request(client, request, count_rows, recorder)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=options.concurrency, thread_name_prefix=name) as pool:
        futures = [pool.submit(worker) for _ in range(min(options.concurrency, options.requests))]
        try:
            for future in futures:
                future.result()
        finally:
            stop.set()  # on Ctrl-C or an error, the other clients stop after their current request
    seconds = time.perf_counter() - start
    rows = Counter(recorder.rows).most_common(1)[0][0] if recorder.rows else None
    return result_of(name, f"HTTP x{options.concurrency}", recorder.latencies, recorder.errors, seconds,
                     capped.is_set(), rows, recorder.first_error)


# ---------------------------------------------------------------- set-up and loading


@dataclass
class World:
    """The accounts, spaces and pages the benchmark made."""

    manager: User
    adviser: User
    spaces: dict[str, int]  # label -> space id
    adviser_reads: set[str]  # labels of the spaces the adviser may read
    pages: list[PageTruth] = field(default_factory=list)
    second_revisions: int = 0
    load_seconds: float = 0.0
    load_capped: bool = False
    pages_before: int = 0


# Where pages go: label, share of pages, organisational visibility (None: the adviser's personal space).
SPACE_PLAN = [("national", 0.35, Visibility.organisation), ("regional", 0.25, Visibility.organisation),
              ("sectors", 0.20, Visibility.organisation), ("managers", 0.10, Visibility.members),
              ("personal", 0.10, None)]


def prepare_world(database: Database, suffix: str) -> World:
    """A manager and an adviser, the organisational spaces of SPACE_PLAN (the adviser edits all but
    `managers`, which only its members may read), and the adviser's personal space."""
    with database.transaction() as session:
        pages_before = session.scalar(select(func.count()).select_from(Page)) or 0
        manager = account_service.create_user(session, f"benchmgr{suffix}", "Bench Manager", Role.manager, None)
        adviser = account_service.create_user(session, f"benchuser{suffix}", "Bench Adviser", Role.adviser, None)
        spaces, reads = {}, set()
        for label, _, visibility in SPACE_PLAN:
            if visibility is None:
                spaces[label] = account_service.personal_space_id(session, adviser)
                reads.add(label)
                continue
            space = space_service.create_space(session, manager, SpaceCreate(
                key=f"bench-{label}{suffix}", name=f"Bench {label} LMI", visibility=visibility))
            if label != "managers":
                space_service.put_member(session, space, adviser, MemberRole.editor)
            if visibility is Visibility.organisation:
                reads.add(label)
            spaces[label] = space.id
    return World(manager, adviser, spaces, reads, pages_before=pages_before)


def author_for(world: World, space: str, rng: random.Random) -> User:
    if space == "personal":
        return world.adviser
    if space == "managers":
        return world.manager
    return world.adviser if rng.random() < 0.7 else world.manager


def load_pages(database: Database, world: World, options: Options, corpus: list[list[str]],
               progress: Callable[[str], None]) -> None:
    """Create the pages through the service, BATCH per transaction; ~10 % get a second revision."""
    rng = random.Random(options.seed)
    labels, weights = [label for label, *_ in SPACE_PLAN], [share for _, share, _ in SPACE_PLAN]
    deadline = time.monotonic() + options.load_timeout
    start = time.perf_counter()
    for first in range(0, options.pages, BATCH):
        if time.monotonic() >= deadline:
            world.load_capped = True
            break
        with database.transaction() as session:
            people = {user.id: session.get(User, user.id) for user in (world.manager, world.adviser)}
            batch = []
            for index in range(first, min(first + BATCH, options.pages)):
                space = rng.choices(labels, weights)[0]
                truth, content = make_page(rng, corpus, index, space)
                author = people[author_for(world, space, rng).id]
                page = page_service.create_page(session, author, world.spaces[space], page_title(index), content,
                                                [], "bench: created")
                truth.page_id, truth.revision_id, truth.content = page.id, page.current_revision_id, content
                batch.append(truth)
            for truth in batch:
                if rng.random() < 0.10:
                    author = people[author_for(world, truth.space, rng).id]
                    edit(session, author, truth, rng, "Checked against the latest release.")
                    world.second_revisions += 1
        world.pages += batch
        elapsed = time.perf_counter() - start
        progress(f"loaded {len(world.pages)}/{options.pages} pages in {elapsed:.0f} s "
                 f"({len(world.pages) / elapsed:.0f} pages/s)")
    world.load_seconds = time.perf_counter() - start


def edit(session, user: User, truth: PageTruth, rng: random.Random, note: str) -> None:
    """A second (or later) revision through `edit_page`, changing the median pay."""
    access = page_service.get_access(session, user, truth.page_id, Right.edit)
    content = edited(truth, rng, note)
    outcome = page_service.edit_page(session, user, access, page_service.PageEdit(
        truth.revision_id, content, summary="bench: edited", on_conflict="fail"))
    if not outcome.changed:
        raise RuntimeError(f"the edit of page {truth.page_id} changed nothing")
    truth.revision_id, truth.content = outcome.revision.id, content


# ---------------------------------------------------------------- the store


@dataclass
class StoreFigures:
    triples: int = 0
    ontology_seconds: float = 0.0
    cold_seconds: float = 0.0
    cold_rss_mb: float = 0.0
    noop_p50_ms: float = 0.0
    noop_p95_ms: float = 0.0
    edits: int = 0
    edits_seconds: float = 0.0
    incremental_seconds: float = 0.0
    triples_after_edits: int = 0
    rebuild_seconds: float = 0.0
    rebuild_triples: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {key: round(value, 4) if isinstance(value, float) else value for key, value in self.__dict__.items()}


def new_store(settings: Settings) -> GraphStore:
    return GraphStore(Iris(settings.base_iri), get_ontology().graph)


def cold_build(database: Database, settings: Settings) -> tuple[GraphStore, float, float]:
    """A fresh store filled from the database: (store, constructor seconds, catch_up seconds)."""
    start = time.perf_counter()
    store = new_store(settings)
    constructed = time.perf_counter()
    with database.session(write=False) as session:
        store.catch_up(session)
    return store, constructed - start, time.perf_counter() - constructed


def measure_store(database: Database, settings: Settings, world: World, options: Options,
                  progress: Callable[[str], None]) -> tuple[GraphStore, StoreFigures]:
    figures = StoreFigures()
    before = rss_mb()
    store, figures.ontology_seconds, figures.cold_seconds = cold_build(database, settings)
    figures.cold_rss_mb = rss_mb() - before
    figures.triples = len(store)
    progress(f"cold build: {figures.cold_seconds:.1f} s, {figures.triples:,} triples")

    samples = []
    for _ in range(50):
        with database.session(write=False) as session:
            begin = time.perf_counter()
            store.catch_up(session)
            samples.append(time.perf_counter() - begin)
    figures.noop_p50_ms, figures.noop_p95_ms = percentile_ms(samples, 0.5), percentile_ms(samples, 0.95)

    rng = random.Random(options.seed + 7)
    editable = [t for t in world.pages if t.space != "managers"]
    chosen = rng.sample(editable, min(100, len(editable)))
    begin = time.perf_counter()
    with database.transaction() as session:
        adviser = session.get(User, world.adviser.id)
        for number, truth in enumerate(chosen):
            edit(session, adviser, truth, rng, f"Re-checked in bench edit {number}.")
    figures.edits, figures.edits_seconds = len(chosen), time.perf_counter() - begin
    with database.session(write=False) as session:
        begin = time.perf_counter()
        store.catch_up(session)
        figures.incremental_seconds = time.perf_counter() - begin
    figures.triples_after_edits = len(store)
    progress(f"catch_up after {figures.edits} edits: {figures.incremental_seconds * 1000:.0f} ms")

    check, _, figures.rebuild_seconds = cold_build(database, settings)
    figures.rebuild_triples = len(check)
    del check
    return store, figures


def profile_cold_build(database: Database, settings: Settings, limit: int = 30) -> str:
    """The cProfile of one cold build, top functions by cumulative and by own time."""
    profiler = cProfile.Profile()
    store = new_store(settings)
    with database.session(write=False) as session:
        profiler.enable()
        store.catch_up(session)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(limit)
    stats.sort_stats("tottime").print_stats(limit)
    return out.getvalue()


# ---------------------------------------------------------------- the queries


def concept_iri(scheme, label: str) -> str:
    concept = get_ontology().concept(scheme, label)
    if concept is None:
        raise RuntimeError(f"the ontology has no concept {label!r} in {scheme}")
    return str(concept.iri)


def filtered_sparql(count: bool = False) -> str:
    """(a): Health and social care pages in the North East paying at least MIN_PAY GBP, newest first."""
    sector = concept_iri(LMI._NS["SectorScheme"], SECTOR)
    regions = " ".join(f"<{iri}>" for iri in sorted(get_ontology().with_narrower(
        get_ontology().concept(LMI._NS["RegionScheme"], REGION).iri)))
    head = "SELECT (COUNT(?page) AS ?n)" if count else "SELECT ?page ?title ?modified ?pay"
    tail_ = "" if count else "\nORDER BY DESC(?modified) ?page\nLIMIT 20"
    return (f"{query_api.PREFIXES}{head} WHERE {{\n"
            f"  ?page a lmi:Page ; dcterms:title ?title ; dcterms:modified ?modified ;\n"
            f"        lmi:sector <{sector}> ; lmi:region ?region ; lmi:medianPay ?amount .\n"
            f"  VALUES ?region {{ {regions} }}\n"
            f"  ?amount schema:value ?pay ; schema:currency \"GBP\" .\n"
            f"  FILTER(?pay >= {MIN_PAY})\n}}{tail_}")


def aggregate_sparql() -> str:
    """(c): pages per sector over everything readable, with the sector's label."""
    return (f"{query_api.PREFIXES}SELECT ?sector ?label (COUNT(?page) AS ?pages) WHERE {{\n"
            "  ?page a lmi:Page ; lmi:sector ?sector .\n"
            "  OPTIONAL { ?sector skos:prefLabel ?label FILTER(LANG(?label) = 'en') }\n"
            "} GROUP BY ?sector ?label ORDER BY DESC(?pages) ?label")


def api_request() -> query_api.QueryRequest:
    """(b): the question of (a) as an #ask-style request."""
    return query_api.QueryRequest.model_validate({
        "conditions": [{"property": "Sector", "equals": SECTOR}, {"property": "Region", "concept": REGION},
                       {"property": "Median pay", "min": f"{MIN_PAY} GBP"}],
        "printouts": ["Median pay", "Valid until"], "sort": [{"by": "modified", "order": "desc"}], "limit": 20,
    })


@dataclass
class Check:
    what: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.what, "ok": self.ok, "detail": self.detail}


def measure_in_process(database: Database, settings: Settings, store: GraphStore, world: World,
                       options: Options, checks: list[Check]) -> list[QueryResult]:
    ontology, iris, timeout = get_ontology(), Iris(settings.base_iri), settings.sparql_timeout_seconds
    adviser = world.adviser
    text_a, text_c, request_b = filtered_sparql(), aggregate_sparql(), api_request()

    def rows(text: str) -> list[dict[str, str]]:
        with database.session(write=False) as session:
            return sparql.select_rows(session, store, adviser, text, timeout)

    def query_a() -> int:
        with database.session(write=False) as session:
            body = sparql.answer(session, store, adviser, text_a, "application/sparql-results+json", timeout).body
        return len(json.loads(body)["results"]["bindings"])

    def query_b() -> int:
        with database.session(write=False) as session:
            return len(query_api.run(session, store, adviser, ontology, iris, request_b, timeout).items)

    bare = request_b.model_copy(update={"printouts": []})

    def query_b_bare() -> int:
        with database.session(write=False) as session:
            return len(query_api.run(session, store, adviser, ontology, iris, bare, timeout).items)

    def query_c() -> int:
        with database.session(write=False) as session:
            body = sparql.answer(session, store, adviser, text_c, "application/sparql-results+json", timeout).body
        return len(json.loads(body)["results"]["bindings"])

    if world.pages_before == 0:
        check_answers(rows, database, store, world, ontology, iris, request_b, timeout, checks)
    else:
        checks.append(Check("answers", True, f"skipped: the database had {world.pages_before} pages before this run"))
    return [time_in_process("a SPARQL filtered+sorted", query_a, options),
            time_in_process("b query API same question", query_b, options),
            time_in_process("b' query API, no printouts", query_b_bare, options),
            time_in_process("c SPARQL count per sector", query_c, options)]


def check_answers(rows: Callable[[str], list[dict[str, str]]], database: Database, store: GraphStore, world: World,
                  ontology, iris: Iris, request_b: query_api.QueryRequest, timeout: float,
                  checks: list[Check]) -> None:
    """The answers of (a), (b) and (c) against what the loader wrote."""
    readable = [t for t in world.pages if t.space in world.adviser_reads]
    narrower = {str(c) for c in ontology.with_narrower(ontology.concept(LMI._NS["RegionScheme"], REGION).iri)}
    region_iri = {label: concept_iri(LMI._NS["RegionScheme"], label) for label in REGIONS}
    expected_a = {t.page_id for t in readable
                  if t.sector == SECTOR and region_iri[t.region] in narrower and t.pay >= MIN_PAY}
    counted = int(rows(filtered_sparql(count=True))[0]["n"])
    checks.append(Check("(a) matches", counted == len(expected_a),
                        f"COUNT {counted}, loader wrote {len(expected_a)} readable matching pages"))
    top_a = [int(r["page"].rsplit("/", 1)[1]) for r in rows(filtered_sparql())]
    with database.session(write=False) as session:
        result_b = query_api.run(session, store, world.adviser, ontology, iris, request_b, timeout)
    top_b = [item.page_id for item in result_b.items]
    checks.append(Check("(a) = (b)", top_a == top_b and set(top_a) <= expected_a,
                        f"{len(top_a)} vs {len(top_b)} rows, same pages in the same order: {top_a == top_b}, "
                        f"all expected: {set(top_a) <= expected_a}"))
    by_id = {t.page_id: t for t in world.pages}
    shown = all(item.values.get("Median pay") == [pay_text(by_id[item.page_id].pay)]
                and len(item.values.get("Valid until", [])) == 1 for item in result_b.items)
    checks.append(Check("(b) printouts", shown, "Median pay equals the last value written, one Valid until per page"))
    expected_c = Counter(t.sector for t in readable)
    got_c = {r.get("label", r["sector"]): int(r["pages"]) for r in rows(aggregate_sparql())}
    checks.append(Check("(c) counts", got_c == dict(expected_c),
                        f"{sum(got_c.values())} pages in {len(got_c)} sectors; the adviser may read "
                        f"{len(readable)} of {len(world.pages)} pages"))


# ---------------------------------------------------------------- over HTTP


def api_client(base_url: str, token: str) -> httpx.Client:
    if httpx.URL(base_url).host != HOST:
        raise ValueError(f"refusing to benchmark {base_url}: only {HOST} is allowed")
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"},
                        timeout=REQUEST_TIMEOUT, trust_env=False)


def sparql_rows(response: httpx.Response) -> int:
    return len(response.json()["results"]["bindings"])


def api_rows(response: httpx.Response) -> int:
    return len(response.json()["items"])


def warm_up(client_factory: Callable[[], httpx.Client], request: Request, options: Options) -> tuple[float, int]:
    """Send rounds of `workers` concurrent requests until a whole round answers within 1 s (each server
    process builds its own store on its first query). Returns (slowest first-round seconds, requests)."""
    deadline = time.monotonic() + options.phase_timeout
    first_round, sent = 0.0, 0

    def one(_: int) -> float:
        with client_factory() as client:
            start = time.perf_counter()
            response = request(client)
            if not response.is_success:
                raise RuntimeError(f"warm-up request -> {response.status_code}: {response.text[:500]}")
            return time.perf_counter() - start

    with ThreadPoolExecutor(max_workers=options.workers) as pool:
        while time.monotonic() < deadline:
            latencies = list(pool.map(one, range(options.workers)))
            sent += len(latencies)
            first_round = first_round or max(latencies)
            if max(latencies) < 1.0 and sent > options.workers:
                break
    return first_round, sent


def measure_http(settings: Settings, options: Options, secret_key: str, token: str, data_dir: Path,
                 progress: Callable[[str], None]) -> tuple[list[QueryResult], dict[str, Any]]:
    env = server_environment(settings, options, secret_key)
    text_a, body_b = filtered_sparql(), api_request().model_dump(mode="json")
    ask_a: Request = lambda c: c.get("/sparql", params={"query": text_a},
                                     headers={"Accept": "application/sparql-results+json"})
    ask_b: Request = lambda c: c.post("/api/query", json=body_b)
    with running_server(env, options.workers, data_dir / "server.log") as base_url:
        with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT, trust_env=False) as plain:
            health = plain.get("/health").json()
        adviser = lambda: api_client(base_url, token)
        first, sent = warm_up(adviser, ask_a, options)
        progress(f"server up; first query (store build) {first:.1f} s, {sent} warm-up requests")
        results = [run_http_phase("a SPARQL filtered+sorted", ask_a, sparql_rows, adviser, options),
                   run_http_phase("b query API same question", ask_b, api_rows, adviser, options)]
    return results, {"health": health, "first_query_seconds": round(first, 2), "warmup_requests": sent}


# ---------------------------------------------------------------- reporting


def machine_facts(options: Options, database: Database, load_average: list[float]) -> dict[str, Any]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpus": os.cpu_count(), "usable_cpus": usable, "python": platform.python_version(),
            "platform": platform.platform(terse=True), "database": database.engine.dialect.name,
            "app_version": __version__, "pyoxigraph": pyoxigraph.__version__, "workers": options.workers,
            "concurrency": options.concurrency, "server_log_level": options.log_level,
            "pages_requested": options.pages, "load_average_at_start": load_average}


def load_facts(world: World, store: StoreFigures) -> dict[str, Any]:
    created = len(world.pages)
    return {"pages": created, "second_revisions": world.second_revisions, "seconds": round(world.load_seconds, 1),
            "pages_per_s": round(created / world.load_seconds, 1) if world.load_seconds else 0.0,
            "hit_load_timeout": world.load_capped, "triples": store.triples,
            "triples_per_page": round(store.triples / created, 1) if created else 0.0,
            "adviser_readable_pages": sum(t.space in world.adviser_reads for t in world.pages),
            "spaces": len(SPACE_PLAN)}


def print_text(report: dict[str, Any]) -> None:
    facts, load, store = report["machine"], report["load"], report["store"]
    print(f"MATURE-LMI {facts['app_version']} SPARQL and query API: {facts['cpus']} CPUs "
          f"({facts['usable_cpus']} usable), Python {facts['python']}, database {facts['database']}, "
          f"pyoxigraph {facts['pyoxigraph']}, {facts['workers']} uvicorn worker(s), "
          f"{facts['concurrency']} concurrent HTTP clients, server log level {facts['server_log_level']}, "
          f"load average at start {' '.join(str(x) for x in facts['load_average_at_start'])}")
    print(f"Caveat: the HTTP clients run on the same machine and share its {facts['usable_cpus']} cores with the "
          "server, so the HTTP figures understate what the server alone could serve.")
    capped = f" (stopped at --load-timeout; {facts['pages_requested']} asked for)" if load["hit_load_timeout"] else ""
    print(f"Load: {load['pages']} pages{capped} with {load['second_revisions']} second revisions in "
          f"{load['spaces']} spaces through create_page/edit_page: {load['seconds']:.1f} s, "
          f"{load['pages_per_s']:.1f} pages/s; store {load['triples']:,} triples ({load['triples_per_page']} per page); "
          f"the adviser may read {load['adviser_readable_pages']} pages")
    print(f"{'store':<36}{'value':>14}")
    rows = [("ontology into a new store", f"{store['ontology_seconds'] * 1000:.0f} ms"),
            ("cold build (catch_up, all pages)", f"{store['cold_seconds']:.2f} s"),
            ("  pages/s | triples/s", f"{load['pages'] / store['cold_seconds']:.0f} | "
                                      f"{store['triples'] / store['cold_seconds']:,.0f}" if store['cold_seconds'] else "-"),
            ("  RSS growth", f"{store['cold_rss_mb']:.0f} MB"),
            ("catch_up, nothing new p50 | p95", f"{store['noop_p50_ms']:.1f} | {store['noop_p95_ms']:.1f} ms"),
            (f"{store['edits']} edits (one transaction)", f"{store['edits_seconds']:.2f} s"),
            (f"catch_up after {store['edits']} edits", f"{store['incremental_seconds'] * 1000:.0f} ms"),
            ("cold build again (check)", f"{store['rebuild_seconds']:.2f} s")]
    for label, value in rows:
        print(f"{label:<36}{value:>14}")
    print(f"{'query':<28}{'where':<12}{'runs':>6}{'errors':>7}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'p99 ms':>9}{'rows':>6}{'secs':>7}")
    for r in report["queries"]:
        cap = "  (hit the time cap)" if r["hit_time_cap"] else ""
        print(f"{r['query']:<28}{r['where']:<12}{r['runs']:>6}{r['errors']:>7}{r['per_second']:>8.1f}"
              f"{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['rows']!s:>6}{r['seconds']:>7.1f}{cap}")
    http = report.get("http")
    if http:
        print(f"HTTP: the server's first query took {http['first_query_seconds']:.1f} s (it builds the store); "
              f"{http['warmup_requests']} warm-up requests are not in the table")
    for r in report["queries"]:
        if r["first_error"]:
            print(f"{r['query']} ({r['where']}): first error: {r['first_error']}")
    for check in report["checks"]:
        print(f"check {check['check']}: {'ok' if check['ok'] else 'FAILED'} ({check['detail']})")


# ---------------------------------------------------------------- main


def run(options: Options) -> dict[str, Any]:
    progress = lambda message: print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
    load_average = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []
    data_dir = Path(tempfile.mkdtemp(prefix="mature-sparql-bench-"))
    database = None
    try:
        secret_key = secrets.token_urlsafe(48)
        settings = Settings(env="development", data_dir=data_dir, database_url=options.database_url,
                            secret_key=secret_key, log_level=options.log_level)
        database = Database(make_engine(settings))
        schema_migrations.upgrade(database.engine)
        suffix = f"-{secrets.token_hex(3)}" if options.database_url else ""
        world = prepare_world(database, suffix)
        corpus = load_corpus()
        load_pages(database, world, options, corpus, progress)
        if not world.pages:
            raise RuntimeError("no page was created within --load-timeout")
        store, store_figures = measure_store(database, settings, world, options, progress)
        checks = [Check("incremental = rebuild", store_figures.triples_after_edits == store_figures.rebuild_triples,
                        f"{store_figures.triples_after_edits:,} triples kept current, "
                        f"{store_figures.rebuild_triples:,} rebuilt")]
        if options.profile:
            print(profile_cold_build(database, settings), file=sys.stderr)
        queries = measure_in_process(database, settings, store, world, options, checks)
        progress("in-process queries done; starting the server")
        del store
        with database.transaction() as session:
            token = account_service.issue_token(session, secret_key, session.get(User, world.adviser.id),
                                                TokenKind.personal, "benchmark", timedelta(days=1)).token
        http_results, http = measure_http(settings, options, secret_key, token, data_dir, progress)
        queries += http_results
        for result in http_results:
            expected = next(q.rows for q in queries if q.name == result.name and q.where == "in-process")
            if result.rows is not None:
                checks.append(Check(f"HTTP {result.name[0]} rows", result.rows == expected,
                                    f"{result.rows} rows over HTTP, {expected} in-process"))
        return {"machine": machine_facts(options, database, load_average),
                "caveat": "HTTP clients and server share the same CPU cores",
                "load": load_facts(world, store_figures), "store": store_figures.as_dict(),
                "queries": [q.as_dict() for q in queries], "http": http, "checks": [c.as_dict() for c in checks]}
    finally:
        if database is not None:
            database.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally blocks stop the server
    report = run(options)
    if options.as_json:
        print(json.dumps(report, indent=2))
    else:
        print_text(report)
    failed = any(q["errors"] for q in report["queries"]) or not all(c["ok"] for c in report["checks"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
