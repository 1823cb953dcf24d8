"""Maturity benchmark for MATURE-LMI: a full `mature recompute` over many rated pages, and rating over HTTP.

Run from the project root with the project's virtualenv:

    .venv/bin/python bench/maturity_recompute.py [--quick] [--pages N] [--ratings N] [--database-url URL] [--json]

What it does:

1. Makes a throwaway data directory and a SQLite database (or uses --database-url), runs the
   migrations, adds --users people without passwords (default 2,000; the first --editors of them
   edit the pages) and four organisational spaces readable by everyone, then creates the pages
   (default 50,000; quick 2,000) through `app.pages.service.create_page` in transactions of 1,000,
   the service code path: revisions, typed annotations, links, categories, change log and each
   page's first maturity. Each page has 60-150 words of Markdown from /work/shared/corpus
   (generated sentences if it is missing), 3-5 inline annotations (Sector, Region, Valid until,
   and Source and/or Median pay), a category and 1-3 links to earlier pages of its space. Loading
   stops early at --load-timeout (it says so, and scales the ratings down in proportion).
2. Inserts the ratings (default 1,000,000; quick 40,000) in bulk with SQLAlchemy Core
   `insert(Rating)` executemany: a random page each, a rater who has no current rating of that page
   yet (the partial unique index allows one), 2-6 criteria scored 1-5 around the page's own
   quality, the page's current revision, created over the last two years in insertion order, none
   superseded. Page creation and the rating load are data generation: timed and printed, but
   not the measured path.
3. Times a FULL recompute exactly as operators run it: `mature recompute` as a subprocess on the
   same database (500 pages per transaction), with its wall time, pages/s, ratings/s and peak
   RSS (from wait4), under a hard --recompute-timeout.
4. In-process, on a random sample of --sample pages (default 1,000): `scoring.refresh` per page
   in 500-page transactions, once plain with a SQLAlchemy `before_cursor_execute` counter (SQL
   statements per page, by kind) and once under cProfile (top costs, and how much of the time is
   the pure model `maturity.assess`, the SQL and the text diff), with the database's plan of the
   two costliest kinds of statement.
5. Issues --tokens personal access tokens (default 50, for raters who wrote no page) with the
   server's MATURE_SECRET_KEY, starts `mature serve --host 127.0.0.1 --port <free port>` on the
   same database (always stopped) and measures PUT /api/pages/{id}/ratings/mine (each a new or
   replacing rating, which recomputes that page in the request) and GET /api/pages/{id}/maturity
   with --concurrency clients: requests/s, p50/p95/p99, errors and the first error body.
6. Runs ANALYZE and the in-process sample once more (the app never gathers planner statistics:
   this shows what they would change; with --analyze they were gathered before the recompute
   instead, and this step is skipped).
7. Prints the figures (or JSON with --json) and a few checks (every page has a stored maturity
   from this recompute; the HTTP ratings are there).

With --database-url the script uses that PostgreSQL database (it does not start PostgreSQL, and
leaves its rows behind: point it at a throwaway, empty database; the recompute covers every page
in it). The HTTP clients run on the same machine as the server, so both compete for the same CPU
cores; the recompute runs alone.
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
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from corpus import load_corpus
from lmi_pages import make_content
from serving import (
    HOST,
    mature_command,
    percentile_ms,
    running_server,
    tail,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import event, func, insert, inspect, select

from app import __version__, schema_migrations
from app.auth import service as account_service
from app.auth import space_service
from app.auth.models import MemberRole, Role, TokenKind, User, Visibility
from app.auth.schemas import SpaceCreate
from app.config import Settings
from app.db import Database, make_engine
from app.pages import service as page_service
from app.pages.models import Page
from app.quality import scoring
from app.quality.models import CRITERIA, PageMaturity, Rating
from app.observers import register_all

register_all()  # page writes here rescore as in the server (app.pages.events)

PAGE_BATCH = 1000  # pages per transaction while loading
RATING_CHUNK = 20_000  # rows per executemany
RECOMPUTE_BATCH = 500  # pages per transaction, as `mature recompute` does
REQUEST_TIMEOUT = 30.0  # seconds; one stuck request cannot hold a phase much past its cap
HISTORY_TABLES = ("maturity_snapshot", "change_log")  # counted before and after the recompute

SPACES = ["national", "regional", "sectors", "occupations"]


# ---------------------------------------------------------------- options


@dataclass(frozen=True)
class Options:
    pages: int
    ratings: int
    users: int
    editors: int
    tokens: int
    sample: int
    requests: int
    concurrency: int
    workers: int
    phase_timeout: float
    load_timeout: float
    recompute_timeout: float
    database_url: str | None
    log_level: str
    seed: int
    as_json: bool
    profile_lines: int
    analyze: bool


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small smoke-test run (2,000 pages, 40,000 ratings, 500-page sample, 300 requests)")
    parser.add_argument("--pages", type=int, help="pages to create (default 50000; quick 2000)")
    parser.add_argument("--ratings", type=int, help="ratings to insert (default 1000000; quick 40000)")
    parser.add_argument("--users", type=int, default=2000, help="people (raters) to create (default 2000)")
    parser.add_argument("--editors", type=int, default=40, help="of the users, how many write pages (default 40)")
    parser.add_argument("--tokens", type=int, default=50, help="personal access tokens for the HTTP raters")
    parser.add_argument("--sample", type=int, help="pages in the in-process count and profile (default 1000; "
                                                   "quick 500)")
    parser.add_argument("--requests", type=int, help="HTTP requests per phase (default 1000; quick 300)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent HTTP clients (default 8)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument("--phase-timeout", type=float, default=120.0, help="hard cap per HTTP phase in seconds")
    parser.add_argument("--load-timeout", type=float, default=600.0,
                        help="stop creating pages after this many seconds (the figures then say how many)")
    parser.add_argument("--recompute-timeout", type=float, default=1200.0,
                        help="kill `mature recompute` after this many seconds (the figures then say how far it got)")
    parser.add_argument("--database-url", help="benchmark this PostgreSQL database instead of SQLite")
    parser.add_argument("--log-level", default="WARNING", help="server log level (WARNING hides access logs)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile-lines", type=int, default=15, help="functions listed from the profile")
    parser.add_argument("--analyze", action="store_true",
                        help="run ANALYZE after loading, before the recompute (the app never does; for comparison)")
    parser.add_argument("--json", dest="as_json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.workers < 1:
        parser.error("--concurrency and --workers must be at least 1")
    size = (2000, 40_000, 500, 300) if args.quick else (50_000, 1_000_000, 1000, 1000)
    pick = lambda given, default: default if given is None else given
    users = max(10, args.users)
    editors = min(max(1, args.editors), users // 2)
    options = Options(
        pages=max(20, pick(args.pages, size[0])), ratings=max(0, pick(args.ratings, size[1])), users=users,
        editors=editors, tokens=min(max(1, args.tokens), users - editors), sample=max(1, pick(args.sample, size[2])),
        requests=max(1, pick(args.requests, size[3])), concurrency=args.concurrency, workers=args.workers,
        phase_timeout=args.phase_timeout, load_timeout=args.load_timeout, recompute_timeout=args.recompute_timeout,
        database_url=args.database_url, log_level=args.log_level, seed=args.seed, as_json=args.as_json,
        profile_lines=max(1, args.profile_lines), analyze=args.analyze,
    )
    if options.ratings > options.pages * options.users // 2:
        parser.error("--ratings must stay below half of pages x users (one current rating per person and page)")
    return options


# ---------------------------------------------------------------- page content


def page_title(index: int) -> str:
    return f"Maturity bench page {index:06d}"


# ---------------------------------------------------------------- environment




def server_environment(settings: Settings, options: Options, secret_key: str) -> dict[str, str]:
    """Our environment without inherited MATURE_* settings, plus the benchmark's own."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MATURE_")}
    env.update(MATURE_DATA_DIR=str(settings.data_dir), MATURE_ENV="development", MATURE_LOG_LEVEL=options.log_level,
               MATURE_DATABASE_URL=settings.sqlalchemy_url, MATURE_SECRET_KEY=secret_key,
               MATURE_BASE_IRI=settings.base_iri,
               # This measures maturity: keep the server from building a search index of every page meanwhile
               # (bench/search_index.py measures that), and from writing page views mid-phase.
               MATURE_SEARCH_INDEXING="false", MATURE_WEBHOOK_DELIVERY="false", MATURE_USAGE_FLUSH_SECONDS="0")
    return env




def database_size_mb(settings: Settings) -> float | None:
    """The SQLite files' size (database and WAL), None for PostgreSQL."""
    if not settings.is_sqlite:
        return None
    files = list(settings.data_dir.glob("mature.db*"))
    return round(sum(f.stat().st_size for f in files if f.is_file()) / 1e6, 1)


# ---------------------------------------------------------------- the server










# ---------------------------------------------------------------- measuring




@dataclass
class Recorder:
    """Latencies and outcomes of one HTTP phase, shared by its threads."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, client: httpx.Client, method: str, url: str, token: str,
             body: dict[str, Any] | None = None) -> bool:
        """Send one timed request as the token's owner; True if it was 2xx (else counted as an error)."""
        start = time.perf_counter()
        try:
            response = client.request(method, url, json=body, headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            self._record(time.perf_counter() - start, f"{method} {url}: {type(exc).__name__}: {exc}")
            return False
        elapsed = time.perf_counter() - start
        if response.is_success:
            self._record(elapsed, None)
            return True
        self._record(elapsed, f"{method} {url} -> {response.status_code}: {response.text[:500]}")
        return False

    def _record(self, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if error is not None:
                self.errors += 1
                self.first_error = self.first_error or error


@dataclass
class PhaseResult:
    name: str
    requests: int
    errors: int
    seconds: float
    capped: bool
    p50_ms: float
    p95_ms: float
    p99_ms: float
    first_error: str | None

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"phase": self.name, "requests": self.requests, "errors": self.errors,
                "requests_per_s": round(self.per_second, 1), "p50_ms": self.p50_ms, "p95_ms": self.p95_ms,
                "p99_ms": self.p99_ms, "seconds": round(self.seconds, 2), "hit_time_cap": self.capped,
                "first_error": self.first_error}


Operation = Callable[[httpx.Client, Recorder, int], None]


def run_phase(name: str, operation: Operation, client_factory: Callable[[], httpx.Client],
              options: Options) -> PhaseResult:
    """`operation(client, recorder, i)` for i < options.requests on `concurrency` threads, within the time cap."""
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
                operation(client, recorder, index)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=options.concurrency, thread_name_prefix=name) as pool:
        futures = [pool.submit(worker) for _ in range(min(options.concurrency, options.requests))]
        try:
            for future in futures:
                future.result()
        finally:
            stop.set()  # on Ctrl-C or an error, the other clients stop after their current request
    seconds = time.perf_counter() - start
    samples = recorder.latencies
    return PhaseResult(name, len(samples), recorder.errors, seconds, capped.is_set(), percentile_ms(samples, 0.50),
                       percentile_ms(samples, 0.95), percentile_ms(samples, 0.99), recorder.first_error)


# ---------------------------------------------------------------- set-up and loading


@dataclass
class World:
    """The accounts, spaces and pages the benchmark made."""

    user_ids: list[int]
    editor_ids: list[int]
    spaces: list[int]
    page_ids: list[int] = field(default_factory=list)
    revision_of: dict[int, int] = field(default_factory=dict)  # page id -> current revision id
    pages_before: int = 0
    users_seconds: float = 0.0
    load_seconds: float = 0.0
    load_capped: bool = False
    ratings: int = 0
    ratings_seconds: float = 0.0


def prepare_world(database: Database, options: Options, suffix: str) -> World:
    """--users people without passwords (the first --editors of them editors of every bench space), a
    manager who owns the spaces, and the organisational spaces, readable by every signed-in user."""
    start = time.perf_counter()
    with database.transaction() as session:
        pages_before = session.scalar(select(func.count()).select_from(Page)) or 0
        manager = account_service.create_user(session, f"matmgr{suffix}", "Maturity Bench Manager", Role.manager, None)
        users = [account_service.create_user(session, f"rater{index:05d}{suffix}", f"Rater {index}", Role.adviser,
                                             None) for index in range(options.users)]
        editors = users[:options.editors]
        spaces = []
        for label in SPACES:
            space = space_service.create_space(session, manager, SpaceCreate(
                key=f"mat-{label}{suffix}", name=f"Maturity bench {label} LMI", visibility=Visibility.organisation))
            for editor in editors:
                space_service.put_member(session, space, editor, MemberRole.editor)
            spaces.append(space.id)
        world = World([u.id for u in users], [e.id for e in editors], spaces, pages_before=pages_before)
    world.users_seconds = time.perf_counter() - start
    return world


def load_pages(database: Database, world: World, options: Options, corpus: list[list[str]],
               progress: Callable[[str], None]) -> None:
    """Create the pages through `create_page`, PAGE_BATCH per transaction, until --load-timeout."""
    rng = random.Random(options.seed)
    deadline = time.monotonic() + options.load_timeout
    start = time.perf_counter()
    for first in range(0, options.pages, PAGE_BATCH):
        if time.monotonic() >= deadline:
            world.load_capped = True
            break
        with database.transaction() as session:
            editors = [session.get(User, user_id) for user_id in world.editor_ids]
            created = []
            for index in range(first, min(first + PAGE_BATCH, options.pages)):
                space = index % len(world.spaces)
                earlier = range(space, index, len(world.spaces))  # links stay within the page's space
                links = [page_title(earlier[rng.randrange(len(earlier))]) for _ in range(rng.randint(1, 3))] \
                    if len(earlier) else []
                content = make_content(rng, corpus, list(dict.fromkeys(links)))
                page = page_service.create_page(session, rng.choice(editors), world.spaces[space], page_title(index),
                                                content, [], "bench: created")
                created.append((page.id, page.current_revision_id))
        for page_id, revision_id in created:
            world.page_ids.append(page_id)
            world.revision_of[page_id] = revision_id
        elapsed = time.perf_counter() - start
        if len(world.page_ids) % 5000 == 0 or len(world.page_ids) == options.pages:
            progress(f"created {len(world.page_ids)}/{options.pages} pages in {elapsed:.0f} s "
                     f"({len(world.page_ids) / elapsed:.0f} pages/s)")
    world.load_seconds = time.perf_counter() - start


def planned_ratings(world: World, options: Options) -> int:
    """The ratings to insert: all of them, or in proportion when page loading was cut short."""
    if not world.load_capped:
        return options.ratings
    return round(options.ratings * len(world.page_ids) / options.pages)


def load_ratings(database: Database, world: World, options: Options, progress: Callable[[str], None]) -> None:
    """Insert the ratings with Core `insert(Rating)` executemany, RATING_CHUNK rows a statement."""
    rng = random.Random(options.seed + 1)
    total = planned_ratings(world, options)
    pages, raters = world.page_ids, world.user_ids
    # A random page for each rating; each page then draws that many distinct raters, so no
    # (page, rater) pair has two current ratings. Rows go in a random order with created_at
    # rising, as if they had arrived over two years.
    per_page = Counter(rng.randrange(len(pages)) for _ in range(total))
    page_of, rater_of = array("q"), array("q")
    for slot, count in per_page.items():
        page_of.extend(itertools.repeat(pages[slot], count))
        rater_of.extend(rng.sample(raters, count))
    order = list(range(len(page_of)))
    rng.shuffle(order)
    quality = {page_id: rng.uniform(1.8, 4.6) for page_id in pages}  # each page's typical score
    now = datetime.now(UTC)
    span = timedelta(days=730).total_seconds()
    offsets = sorted((rng.random() for _ in range(len(order))), reverse=True)
    start = time.perf_counter()
    for first in range(0, len(order), RATING_CHUNK):
        rows = []
        for position in range(first, min(first + RATING_CHUNK, len(order))):
            index = order[position]
            page_id = page_of[index]
            row = dict.fromkeys(CRITERIA)
            for name in rng.sample(CRITERIA, rng.randint(2, 6)):
                row[name] = min(5, max(1, round(rng.gauss(quality[page_id], 0.9))))
            row.update(page_id=page_id, revision_id=world.revision_of[page_id], rater_id=rater_of[index],
                       comment="", anonymous=False, superseded_at=None,
                       created_at=now - timedelta(seconds=offsets[position] * span))
            rows.append(row)
        with database.engine.begin() as connection:
            connection.execute(insert(Rating), rows)
        world.ratings += len(rows)
        if (first // RATING_CHUNK) % 10 == 9 or world.ratings == len(order):
            elapsed = time.perf_counter() - start
            progress(f"inserted {world.ratings:,}/{len(order):,} ratings in {elapsed:.0f} s "
                     f"({world.ratings / elapsed:,.0f} rows/s)")
    world.ratings_seconds = time.perf_counter() - start


# ---------------------------------------------------------------- the full recompute


@dataclass
class RecomputeFigures:
    pages: int = 0            # pages in the database
    pages_done: int = 0       # as far as the progress lines say
    ratings: int = 0          # current ratings in the database
    seconds: float = 0.0
    capped: bool = False
    exit_code: int | None = None
    peak_rss_mb: float = 0.0
    user_cpu_seconds: float = 0.0
    system_cpu_seconds: float = 0.0
    rows_written: dict[str, int] = field(default_factory=dict)
    stderr_tail: str = ""

    def as_dict(self) -> dict[str, Any]:
        done_share = self.pages_done / self.pages if self.pages else 0.0
        return {"pages": self.pages, "pages_done": self.pages_done, "current_ratings": self.ratings,
                "seconds": round(self.seconds, 1), "hit_time_cap": self.capped, "exit_code": self.exit_code,
                "pages_per_s": round(self.pages_done / self.seconds, 1) if self.seconds else 0.0,
                "ratings_per_s": round(self.ratings * done_share / self.seconds) if self.seconds else 0,
                "peak_rss_mb": round(self.peak_rss_mb, 1), "user_cpu_seconds": round(self.user_cpu_seconds, 1),
                "system_cpu_seconds": round(self.system_cpu_seconds, 1), "rows_written": self.rows_written}


_PROGRESS = re.compile(r"maturity: (\d+)/(\d+)")


def full_recompute(env: dict[str, str], database: Database, options: Options, log_path: Path,
                   progress: Callable[[str], None]) -> RecomputeFigures:
    """`mature recompute` as a subprocess: wall time, peak RSS and CPU time from wait4, hard time cap."""
    figures = RecomputeFigures()
    with database.session(write=False) as session:
        figures.pages = session.scalar(select(func.count()).select_from(Page)) or 0
        figures.ratings = session.scalar(select(func.count()).select_from(Rating)
                                         .where(Rating.superseded_at.is_(None))) or 0
    before = history_rows(database)
    database.dispose()  # no idle connection of ours next to the recompute
    with open(log_path, "wb") as log:
        start = time.perf_counter()
        process = subprocess.Popen([*mature_command(), "recompute"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    deadline = time.monotonic() + options.recompute_timeout
    status, usage, next_note = None, None, time.monotonic() + 60
    try:
        while status is None:
            pid, raw_status, raw_usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                status, usage = raw_status, raw_usage
                break
            if time.monotonic() >= deadline:
                figures.capped = True
                os.killpg(process.pid, signal.SIGKILL)
                _, status, usage = os.wait4(process.pid, 0)
                break
            if time.monotonic() >= next_note:
                next_note += 60
                done = _pages_done(log_path)
                progress(f"recompute: {done}/{figures.pages} pages after {time.perf_counter() - start:.0f} s")
            time.sleep(0.05)
    finally:
        if status is None:  # interrupted: do not leave the recompute running
            try:
                os.killpg(process.pid, signal.SIGKILL)
                os.wait4(process.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        # reaped by wait4 already; keep Popen from waiting for it again
        process.returncode = os.waitstatus_to_exitcode(status) if status is not None else -9
    figures.seconds = time.perf_counter() - start
    figures.exit_code = os.waitstatus_to_exitcode(status) if status is not None else None
    if usage is not None:
        figures.peak_rss_mb = usage.ru_maxrss / 1024  # KiB on Linux
        figures.user_cpu_seconds, figures.system_cpu_seconds = usage.ru_utime, usage.ru_stime
    figures.pages_done = figures.pages if figures.exit_code == 0 else _pages_done(log_path)
    figures.stderr_tail = tail(log_path, 5)
    figures.rows_written = {table: count - before.get(table, 0) for table, count in history_rows(database).items()}
    return figures


def history_rows(database: Database) -> dict[str, int]:
    """Rows of the tables a recompute may append to besides page_maturity (those that exist in this schema)."""
    with database.engine.connect() as connection:
        names = set(inspect(connection).get_table_names())
        return {table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
                for table in HISTORY_TABLES if table in names}


def _pages_done(log_path: Path) -> int:
    found = _PROGRESS.findall(tail(log_path, 3))
    return int(found[-1][0]) if found else 0


# ---------------------------------------------------------------- the in-process sample


@dataclass
class SampleFigures:
    pages: int = 0
    ratings: int = 0
    seconds: float = 0.0
    statements: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    seconds_by_kind: dict[str, float] = field(default_factory=dict)
    plans: dict[str, list[str]] = field(default_factory=dict)
    profiled_seconds: float = 0.0
    shares: dict[str, float] = field(default_factory=dict)
    top_own: list[dict[str, Any]] = field(default_factory=list)
    top_cumulative: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"pages": self.pages, "current_ratings": self.ratings, "seconds": round(self.seconds, 2),
                "pages_per_s": round(self.pages / self.seconds, 1) if self.seconds else 0.0,
                "statements": self.statements,
                "statements_per_page": round(self.statements / self.pages, 2) if self.pages else 0.0,
                "statements_by_kind_per_page": {k: round(v / self.pages, 2) for k, v in self.by_kind.items()},
                "sql_ms_per_page_by_kind": {k: round(1000 * v / self.pages, 3)
                                            for k, v in self.seconds_by_kind.items()},
                "sql_ms_per_page": round(1000 * sum(self.seconds_by_kind.values()) / self.pages, 3)
                if self.pages else 0.0,
                "query_plans": self.plans,
                "profiled_seconds": round(self.profiled_seconds, 2), "profile_shares": self.shares,
                "top_by_own_time": self.top_own, "top_by_cumulative_time": self.top_cumulative}


_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)\"?", re.IGNORECASE)


def statement_kind(statement: str) -> str:
    """'SELECT rating', 'UPDATE page_maturity', 'BEGIN' ..."""
    verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
    table = _TABLE.search(statement)
    return f"{verb} {table.group(1)}" if table and verb in ("SELECT", "INSERT", "UPDATE", "DELETE") else verb


@dataclass
class StatementLog:
    """The SQL statements the engine sent, by kind: how many, seconds in cursor.execute, one example."""

    counts: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)
    examples: dict[str, tuple[str, Any]] = field(default_factory=dict)


@contextmanager
def counting_statements(database: Database) -> Iterator[StatementLog]:
    """Count and time the SQL statements the engine sends (an executemany counts once), by kind."""
    log, started = StatementLog(), []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        kind = statement_kind(statement)
        log.counts[kind] += 1
        log.examples.setdefault(kind, (statement, parameters))
        started.append((kind, time.perf_counter()))

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if started:
            kind, start = started.pop()
            log.seconds[kind] += time.perf_counter() - start

    event.listen(database.engine, "before_cursor_execute", before)
    event.listen(database.engine, "after_cursor_execute", after)
    try:
        yield log
    finally:
        event.remove(database.engine, "before_cursor_execute", before)
        event.remove(database.engine, "after_cursor_execute", after)


def query_plan(database: Database, statement: str, parameters: Any) -> list[str]:
    """The database's plan for one statement the sample sent (SQLite: EXPLAIN QUERY PLAN)."""
    prefix = "EXPLAIN QUERY PLAN " if database.engine.dialect.name == "sqlite" else "EXPLAIN "
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
        connection.rollback()
    return [str(row[-1]) for row in rows]


def refresh_pages(database: Database, page_ids: list[int]) -> None:
    """What `mature recompute` does, for these pages: refresh per page, RECOMPUTE_BATCH per transaction."""
    for first in range(0, len(page_ids), RECOMPUTE_BATCH):
        with database.transaction() as session:
            for page_id in page_ids[first:first + RECOMPUTE_BATCH]:
                scoring.refresh(session, page_id)


# (label, file name ending, function name) of what the profile shares are made of
SHARE_OF = [("refresh (all)", "scoring.py", "refresh"),
            ("  assess_page: gather + model", "scoring.py", "assess_page"),
            ("    maturity.assess (pure model)", "maturity.py", "assess"),
            ("    _signals (gather signals)", "scoring.py", "_signals"),
            ("      _changed_share (difflib)", "scoring.py", "_changed_share"),
            ("      _backlink_count", "scoring.py", "_backlink_count"),
            ("  Session.flush (write the row)", "session.py", "flush"),
            ("ORM queries (Session.execute, all)", "session.py", "_execute_internal"),
            ("Session.get (page, maturity, space)", "session.py", "get"),
            ("SQL in the driver (cursor.execute)", "default.py", "do_execute"),
            ("building RatingInput objects", "maturity.py", "__post_init__"),
            ("Fraction arithmetic", "fractions.py", "*")]


def measure_sample(database: Database, options: Options, profile: bool = True) -> SampleFigures:
    """The sample once with a statement counter, then (with `profile`) once under cProfile."""
    rng = random.Random(options.seed + 2)  # the same pages on every call
    with database.session(write=False) as session:
        all_ids = list(session.scalars(select(Page.id).order_by(Page.id)))
    ids = sorted(rng.sample(all_ids, min(options.sample, len(all_ids))))
    figures = SampleFigures(pages=len(ids))
    with database.session(write=False) as session:
        figures.ratings = sum(session.scalar(select(func.count()).select_from(Rating).where(
            Rating.page_id.in_(ids[i:i + 500]), Rating.superseded_at.is_(None))) or 0 for i in range(0, len(ids), 500))
    with counting_statements(database) as log:
        start = time.perf_counter()
        refresh_pages(database, ids)
        figures.seconds = time.perf_counter() - start
    figures.statements = sum(log.counts.values())
    figures.by_kind = dict(log.counts.most_common())
    figures.seconds_by_kind = dict(log.seconds.most_common())
    for kind, _ in log.seconds.most_common(2):  # the costliest two kinds of statement, as the database runs them
        if kind.startswith("SELECT"):
            statement, parameters = log.examples[kind]
            figures.plans[kind] = query_plan(database, statement, parameters)
    if not profile:
        return figures
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    refresh_pages(database, ids)
    profiler.disable()
    figures.profiled_seconds = time.perf_counter() - start
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = sum(tt for _, _, tt, _, _ in stats.stats.values()) or 1.0
    for label, filename, name in SHARE_OF:
        if name == "*":
            own = sum(tt for (f, _, _), (_, _, tt, _, _) in stats.stats.items() if f.endswith(filename))
            figures.shares[label] = round(100 * own / total, 1)
            continue
        cumulative = sum(ct for (f, _, n), (_, _, _, ct, _) in stats.stats.items()
                         if f.endswith(filename) and n == name)
        figures.shares[label] = round(100 * cumulative / total, 1)
    figures.top_own = _top(stats, 2, total, options.profile_lines)
    figures.top_cumulative = _top(stats, 3, total, options.profile_lines)
    return figures


def _top(stats: pstats.Stats, column: int, total: float, limit: int) -> list[dict[str, Any]]:
    """The functions with the largest own (column 2) or cumulative (column 3) time."""
    rows = sorted(stats.stats.items(), key=lambda item: item[1][column], reverse=True)[:limit]
    return [{"function": f"{Path(f).name}:{line}({name})", "calls": nc, "own_s": round(tt, 3),
             "cumulative_s": round(ct, 3), "share_pct": round(100 * (tt if column == 2 else ct) / total, 1)}
            for (f, line, name), (_, nc, tt, ct, _) in rows]


# ---------------------------------------------------------------- over HTTP


def api_client(base_url: str) -> httpx.Client:
    """A client for our own server; each request names its token (one client serves many raters)."""
    if httpx.URL(base_url).host != HOST:
        raise ValueError(f"refusing to benchmark {base_url}: only {HOST} is allowed")
    return httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT, trust_env=False)


def issue_tokens(database: Database, world: World, options: Options, secret_key: str) -> list[tuple[int, str]]:
    """(user id, token) for --tokens raters who wrote no page, so their ratings count."""
    rng = random.Random(options.seed + 3)
    raters = rng.sample(world.user_ids[options.editors:], options.tokens)
    with database.transaction() as session:
        return [(user_id, account_service.issue_token(session, secret_key, session.get(User, user_id),
                                                      TokenKind.personal, "maturity benchmark",
                                                      timedelta(days=1)).token) for user_id in raters]


def measure_http(env: dict[str, str], world: World, options: Options, tokens: list[tuple[int, str]],
                 log_path: Path, progress: Callable[[str], None]) -> tuple[list[PhaseResult], dict[str, Any], int]:
    """PUT ratings, then GET maturity, each by --concurrency clients with a token picked per request."""
    rng_lock, rng = threading.Lock(), random.Random(options.seed + 4)
    put_ok = Counter()

    def pick() -> tuple[str, int]:
        with rng_lock:
            return rng.choice(tokens)[1], rng.choice(world.page_ids)

    def put(client: httpx.Client, recorder: Recorder, index: int) -> None:
        token, page_id = pick()
        with rng_lock:
            scores = {name: rng.randint(1, 5) for name in rng.sample(CRITERIA, rng.randint(2, 6))}
        body = {"scores": scores, "comment": f"bench rating {index}", "anonymous": index % 10 == 0}
        if recorder.call(client, "PUT", f"/api/pages/{page_id}/ratings/mine", token, body):
            with rng_lock:
                put_ok["ok"] += 1

    def get(client: httpx.Client, recorder: Recorder, index: int) -> None:
        token, page_id = pick()
        recorder.call(client, "GET", f"/api/pages/{page_id}/maturity", token)

    with running_server(env, options.workers, log_path) as base_url:
        with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT, trust_env=False) as plain:
            health = plain.get("/health").json()
        clients = lambda: api_client(base_url)
        results = [run_phase("PUT rating", put, clients, options)]
        progress(f"PUT phase: {results[0].per_second:.1f} requests/s")
        results.append(run_phase("GET maturity", get, clients, options))
    return results, health, put_ok["ok"]


# ---------------------------------------------------------------- checks


@dataclass
class Check:
    what: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.what, "ok": self.ok, "detail": self.detail}


def check_recompute(database: Database, recompute: RecomputeFigures, started: datetime) -> Check:
    with database.session(write=False) as session:
        live = session.scalar(select(func.count()).select_from(Page).where(Page.deleted_at.is_(None))) or 0
        fresh = session.scalar(select(func.count()).select_from(PageMaturity)
                               .where(PageMaturity.computed_at >= started)) or 0
    ok = recompute.exit_code == 0 and fresh >= live
    return Check("recompute stored", ok, f"{fresh} of {live} live pages have a maturity computed by this run"
                                         f" (exit code {recompute.exit_code})")


def check_http_ratings(database: Database, tokens: list[tuple[int, str]], started: datetime, ok_puts: int) -> Check:
    raters = [user_id for user_id, _ in tokens]
    with database.session(write=False) as session:
        made = session.scalar(select(func.count()).select_from(Rating).where(
            Rating.rater_id.in_(raters), Rating.created_at >= started)) or 0
    return Check("HTTP ratings stored", made == ok_puts, f"{made} ratings stored by the token users, "
                                                         f"{ok_puts} successful PUTs")


# ---------------------------------------------------------------- reporting


def machine_facts(options: Options, database: Database, load_average: list[float]) -> dict[str, Any]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpus": os.cpu_count(), "usable_cpus": usable, "python": platform.python_version(),
            "platform": platform.platform(terse=True), "database": database.engine.dialect.name,
            "app_version": __version__, "workers": options.workers, "concurrency": options.concurrency,
            "server_log_level": options.log_level, "load_average_at_start": load_average,
            "analyzed": options.analyze}


def scale_facts(world: World, options: Options, db_size: float | None) -> dict[str, Any]:
    pages = len(world.page_ids)
    return {"pages_requested": options.pages, "pages": pages, "hit_load_timeout": world.load_capped,
            "ratings_requested": options.ratings, "ratings": world.ratings, "users": options.users,
            "editors": options.editors, "spaces": len(world.spaces), "pages_before": world.pages_before,
            "users_seconds": round(world.users_seconds, 1), "pages_seconds": round(world.load_seconds, 1),
            "pages_per_s": round(pages / world.load_seconds, 1) if world.load_seconds else 0.0,
            "ratings_seconds": round(world.ratings_seconds, 1),
            "ratings_rows_per_s": round(world.ratings / world.ratings_seconds) if world.ratings_seconds else 0,
            "database_mb": db_size}


def print_text(report: dict[str, Any]) -> None:
    facts, scale, full, sample = report["machine"], report["scale"], report["recompute"], report["sample"]
    print(f"MATURE-LMI {facts['app_version']} maturity recompute and rating: {facts['cpus']} CPUs "
          f"({facts['usable_cpus']} usable), Python {facts['python']}, database {facts['database']}, "
          f"{facts['workers']} uvicorn worker(s), {facts['concurrency']} concurrent HTTP clients, server log level "
          f"{facts['server_log_level']}, load average at start "
          f"{' '.join(str(x) for x in facts['load_average_at_start'])}")
    if facts["analyzed"]:
        print("Note: --analyze ran ANALYZE after loading, so the planner had statistics; the app never runs it.")
    print(f"Caveat: the HTTP clients run on the same machine and share its {facts['usable_cpus']} cores with the "
          "server, so the HTTP figures understate what the server alone could serve (the recompute ran alone).")
    capped = (f" (stopped at --load-timeout; {scale['pages_requested']} pages and {scale['ratings_requested']:,} "
              "ratings asked for, ratings scaled down in proportion)" if scale["hit_load_timeout"] else "")
    size = f"; database {scale['database_mb']} MB" if scale["database_mb"] is not None else ""
    print(f"Scale: {scale['pages']:,} pages, {scale['ratings']:,} ratings, {scale['users']:,} users "
          f"({scale['editors']} editors), {scale['spaces']} organisational spaces{capped}{size}")
    print(f"Data generation (not the measured path): users {scale['users_seconds']:.1f} s; pages through "
          f"create_page {scale['pages_seconds']:.1f} s ({scale['pages_per_s']:.1f} pages/s); ratings by Core "
          f"executemany {scale['ratings_seconds']:.1f} s ({scale['ratings_rows_per_s']:,} rows/s)")
    cap = "  (HIT THE TIME CAP: killed)" if full["hit_time_cap"] else ""
    print(f"Full recompute (`mature recompute`, {RECOMPUTE_BATCH} pages per transaction):{cap}")
    rows = [("pages done / in database", f"{full['pages_done']:,} / {full['pages']:,}"),
            ("current ratings", f"{full['current_ratings']:,}"),
            ("wall time", f"{full['seconds']:.1f} s"),
            ("pages/s", f"{full['pages_per_s']:.1f}"),
            ("ratings/s", f"{full['ratings_per_s']:,}"),
            ("CPU user + system", f"{full['user_cpu_seconds']:.1f} + {full['system_cpu_seconds']:.1f} s"),
            ("peak RSS", f"{full['peak_rss_mb']:.0f} MB"),
            *((f"rows added to {table}", f"{count:,}") for table, count in full["rows_written"].items())]
    for label, value in rows:
        print(f"  {label:<32}{value:>18}")
    print(f"In-process sample ({sample['pages']} random pages, {sample['current_ratings']:,} current ratings, "
          f"scoring.refresh in {RECOMPUTE_BATCH}-page transactions, right after the full recompute, so only "
          "computed_at changes):")
    print(f"  {'plain':<32}{sample['seconds']:>8.2f} s {sample['pages_per_s']:>8.1f} pages/s")
    print(f"  {'under cProfile':<32}{sample['profiled_seconds']:>8.2f} s")
    print(f"  SQL statements per page: {sample['statements_per_page']}, {sample['sql_ms_per_page']:.2f} ms per page "
          "in cursor.execute; by kind (per page: statements, ms):")
    for kind, ms in sample["sql_ms_per_page_by_kind"].items():
        print(f"    {kind:<32}{sample['statements_by_kind_per_page'][kind]:>6.2f}{ms:>9.3f} ms")
    for kind, plan in sample["query_plans"].items():
        print(f"  Plan of {kind}: " + " | ".join(plan))
    print("  Share of profiled time (cumulative, overlapping):")
    for label, share in sample["profile_shares"].items():
        print(f"    {label:<40}{share:>6.1f} %")
    for title, key, column in (("own", "top_by_own_time", "own_s"), ("cumulative", "top_by_cumulative_time",
                                                                      "cumulative_s")):
        print(f"  Top by {title} time:")
        for row in sample[key]:
            print(f"    {row['share_pct']:>5.1f} % {row[column]:>8.3f} s {row['calls']:>9} calls  {row['function']}")
    after = report.get("sample_after_analyze")
    if after:
        costly = list(after["sql_ms_per_page_by_kind"].items())[:3]
        print(f"The same sample after ANALYZE ({after['analyze_seconds']:.1f} s; planner statistics, which the app "
              f"never gathers): {after['seconds']:.2f} s, {after['pages_per_s']:.1f} pages/s, "
              f"{after['sql_ms_per_page']:.2f} ms SQL per page (" + ", ".join(f"{k} {v:.3f} ms" for k, v in costly)
              + ")")
        for kind, plan in after["query_plans"].items():
            print(f"  Plan of {kind}: " + " | ".join(plan))
    print(f"{'HTTP phase':<14}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'secs':>8}")
    for r in report["http"]:
        cap = "  (hit the time cap)" if r["hit_time_cap"] else ""
        print(f"{r['phase']:<14}{r['requests']:>9}{r['errors']:>8}{r['requests_per_s']:>9.1f}{r['p50_ms']:>9.1f}"
              f"{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['seconds']:>8.1f}{cap}")
    for r in report["http"]:
        if r["first_error"]:
            print(f"{r['phase']}: first error: {r['first_error']}")
    if full["hit_time_cap"] or full["exit_code"]:
        print(f"recompute output (last lines):\n{report['recompute_tail']}")
    for check in report["checks"]:
        print(f"check {check['check']}: {'ok' if check['ok'] else 'FAILED'} ({check['detail']})")


# ---------------------------------------------------------------- main


def run(options: Options) -> dict[str, Any]:
    progress = lambda message: print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
    load_average = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []
    data_dir = Path(tempfile.mkdtemp(prefix="mature-maturity-bench-"))
    database = None
    try:
        secret_key = secrets.token_urlsafe(48)
        settings = Settings(env="development", data_dir=data_dir, database_url=options.database_url,
                            secret_key=secret_key, log_level=options.log_level)
        env = server_environment(settings, options, secret_key)
        database = Database(make_engine(settings))
        schema_migrations.upgrade(database.engine)
        suffix = f"-{secrets.token_hex(3)}" if options.database_url else ""
        world = prepare_world(database, options, suffix)
        progress(f"{options.users} users and {len(world.spaces)} spaces in {world.users_seconds:.1f} s")
        load_pages(database, world, options, load_corpus(), progress)
        if not world.page_ids:
            raise RuntimeError("no page was created within --load-timeout")
        if world.load_capped:
            progress(f"--load-timeout reached after {len(world.page_ids)} pages; ratings scaled to "
                     f"{planned_ratings(world, options):,}")
        load_ratings(database, world, options, progress)
        if options.analyze:
            start = time.perf_counter()
            with database.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
            progress(f"ANALYZE (--analyze) in {time.perf_counter() - start:.1f} s")
        if settings.is_sqlite:
            with database.engine.connect() as connection:  # start the recompute from an empty WAL
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db_size = database_size_mb(settings)
        started = datetime.now(UTC)
        progress("full recompute (`mature recompute`) ...")
        recompute = full_recompute(env, database, options, data_dir / "recompute.log", progress)
        progress(f"full recompute: {recompute.pages_done}/{recompute.pages} pages in {recompute.seconds:.1f} s")
        checks = [check_recompute(database, recompute, started)]
        sample = measure_sample(database, options)
        progress(f"sample: {sample.pages} pages in {sample.seconds:.2f} s, "
                 f"{sample.statements / max(1, sample.pages):.1f} statements per page")
        tokens = issue_tokens(database, world, options, secret_key)
        database.dispose()
        http_started = datetime.now(UTC)
        http, health, ok_puts = measure_http(env, world, options, tokens, data_dir / "server.log", progress)
        checks.append(check_http_ratings(database, tokens, http_started, ok_puts))
        analyzed = None
        if not options.analyze:  # the same sample once more, with planner statistics (the app never gathers them)
            start = time.perf_counter()
            with database.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
            analyze_seconds = time.perf_counter() - start
            analyzed = measure_sample(database, options, profile=False).as_dict()
            analyzed["analyze_seconds"] = round(analyze_seconds, 1)
            progress(f"after ANALYZE: sample at {analyzed['pages_per_s']} pages/s")
        facts = machine_facts(options, database, load_average)
        facts["server_version"] = health.get("version")
        return {"machine": facts, "caveat": "HTTP clients and server share the same CPU cores",
                "scale": scale_facts(world, options, db_size), "recompute": recompute.as_dict(),
                "recompute_tail": recompute.stderr_tail, "sample": sample.as_dict(), "sample_after_analyze": analyzed,
                "http": [r.as_dict() for r in http], "checks": [c.as_dict() for c in checks]}
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
    failed = (any(r["errors"] for r in report["http"]) or report["recompute"]["hit_time_cap"]
              or not all(c["ok"] for c in report["checks"]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
