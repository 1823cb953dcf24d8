"""Mixed-load benchmark for MATURE-LMI: an organisation's day of reads, searches, edits, ratings,
"who knows" and SPARQL, against a real server on loopback, next to the stack's own ceiling.

Run from the project root with the project's virtualenv, on an organisation made by
bench/organisation.py:

    .venv/bin/python bench/mixed_load.py --data-dir DIR [--database-url URL] [--workers 2]
        [--concurrency 16] [--client-processes 2] [--duration 60] [--ceiling-duration 20] [--json]

What it does, all in one run so the figures share the machine's state:

1. Mints personal access tokens (editors for the edits, other staff for the rest) with a fresh
   MATURE_SECRET_KEY, and draws the requests' inputs from the database: organisation pages, topic
   labels and synonyms, words of the corpus, sectors and regions.
2. The ceiling: serves bench/ceiling_app.py (a bare FastAPI `def` route returning a small dict) the
   way `mature serve` serves the service -- uvicorn[standard], the same --workers and log level -- and
   loads GET /ping with the same client and concurrency for --ceiling-duration seconds.
3. Starts `mature serve --workers N` on the same data, waits until every worker's SPARQL store
   answers quickly (they build it from the database at start), then runs the mix for --duration
   seconds with --concurrency clients, each picking its next operation by weight:
   read GET /api/pages/{id} 35, search GET /api/search?q= 20, rating PUT .../ratings/mine 15,
   edit (GET then PATCH with that base_revision; the PATCH is what "edit" times) 10,
   "who knows" GET /api/experts?q= 10, SPARQL GET /sparql (sector and region, ORDER BY, LIMIT 20) 10.
4. Samples the resident memory (VmRSS from /proc, summed over the server's process group: the
   uvicorn supervisor and its workers) every second, and prints requests, errors, requests/s and
   p50/p99 per operation, the total against the ceiling (their ratio), and the memory.

The clients are asyncio (httpx) in --client-processes processes (default 2; one process tops out
at a few hundred requests/s on a busy core, which would cap the ceiling rather than the server), on
the same cores as the server: they cost CPU the server then lacks, for the ceiling as much as for the
service, which is why both are measured in the same run with the same clients, and the ratio is the
figure to compare across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import platform
import random
import re
import secrets
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from corpus import load_corpus
from lmi_pages import REGIONS, SECTORS
from serving import HOST, free_port, mature_command, percentile_ms, stop_server, wait_until_healthy
from sqlalchemy import select

from app.auth import service as account_service
from app.auth.models import TokenKind, User
from app.config import Settings
from app.db import Database, make_engine
from app.pages.models import Page
from app.topics.models import TopicConcept, TopicLabel, TopicStatus
from app.linkeddata import query_api
from app.annotations.ontology import get_ontology
from app.annotations.vocabulary import LMI

BENCH_DIR = Path(__file__).resolve().parent
WEIGHTS = {"read": 35, "search": 20, "rating": 15, "edit": 10, "who knows": 10, "sparql": 10}
REQUEST_TIMEOUT = 60.0


# ---------------------------------------------------------------- what the clients send


@dataclass
class Plan:
    """The tokens and request inputs of one run, drawn from the organisation's database."""

    editor_tokens: list[str]
    reader_tokens: list[str]
    page_ids: list[int]
    search_terms: list[str]
    expert_questions: list[str]
    sparql_queries: list[str]


def _corpus_words(rng: random.Random, count: int) -> list[str]:
    """Frequent longer words of the corpus: what an adviser might type into search."""
    words = Counter(word.lower() for document in load_corpus() for sentence in document
                    for word in re.findall(r"[A-Za-z]{6,}", sentence))
    common = [word for word, n in words.most_common(400) if n >= 3]
    return rng.sample(common, min(count, len(common)))


def _sparql(sector: str, region: str) -> str:
    ontology = get_ontology()
    sector_iri = ontology.concept(LMI._NS["SectorScheme"], sector).iri
    region_iri = ontology.concept(LMI._NS["RegionScheme"], region).iri
    return (f"{query_api.PREFIXES}SELECT ?page ?title ?modified WHERE {{\n"
            f"  ?page a lmi:Page ; dcterms:title ?title ; dcterms:modified ?modified ;\n"
            f"        lmi:sector <{sector_iri}> ; lmi:region <{region_iri}> .\n"
            f"}} ORDER BY DESC(?modified) LIMIT 20")


def make_plan(database: Database, organisation: dict, secret_key: str, seed: int,
              editors: int = 20, readers: int = 60) -> Plan:
    """Tokens for some editors and other staff; pages, words, topics and queries to ask about."""
    rng = random.Random(seed)
    with database.transaction() as session:
        def tokens_for(usernames: list[str]) -> list[str]:
            users = session.scalars(select(User).where(User.username.in_(usernames))).all()
            return [account_service.issue_token(session, secret_key, user, TokenKind.personal, "mixed load",
                                                None).token for user in users]

        editor_tokens = tokens_for(organisation["editors"][:editors])
        reader_tokens = tokens_for(organisation["raters"][:readers]) or editor_tokens
        page_ids = list(session.scalars(select(Page.id).where(Page.space_id.in_(organisation["spaces"]),
                                                              Page.deleted_at.is_(None))))
        labels = list(session.scalars(select(TopicConcept.label).where(TopicConcept.status == TopicStatus.concept)))
        synonyms = list(session.scalars(select(TopicLabel.label)))
    page_ids = rng.sample(page_ids, min(5000, len(page_ids)))
    questions = rng.sample(labels, min(150, len(labels))) + rng.sample(synonyms, min(50, len(synonyms)))
    terms = _corpus_words(rng, 150) + [s.split()[0].strip(",").lower() for s in SECTORS] + REGIONS
    queries = [_sparql(rng.choice(SECTORS), rng.choice(REGIONS)) for _ in range(100)]
    return Plan(editor_tokens, reader_tokens, page_ids, terms, questions, queries)


# ---------------------------------------------------------------- measuring


@dataclass
class OperationStats:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    first_error: str | None = None

    def record(self, seconds: float, response: httpx.Response | None, error: str | None = None) -> None:
        self.latencies.append(seconds)
        status = response.status_code if response is not None else "transport"
        self.statuses[status] += 1
        if (response is None or not (response.is_success or status == 409)) and self.first_error is None:
            self.first_error = error or f"{status}: {response.text[:300]}"

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if isinstance(status, int) and 200 <= status < 300)

    def summary(self, seconds: float) -> dict:
        # Two clients appending to the same page at once overlap: the service answers 409 by design.
        conflicts = self.statuses.get(409, 0)
        return {"requests": len(self.latencies), "ok": self.ok, "conflicts": conflicts,
                "errors": len(self.latencies) - self.ok - conflicts,
                "per_s": round(len(self.latencies) / seconds, 1) if seconds else 0.0,
                "p50_ms": percentile_ms(self.latencies, 0.5), "p99_ms": percentile_ms(self.latencies, 0.99),
                "statuses": {str(k): v for k, v in sorted(self.statuses.items(), key=str)},
                "first_error": self.first_error}


class Mix:
    """The operations of the mix; each sends its request(s) and records the timed one."""

    def __init__(self, plan: Plan, rng: random.Random) -> None:
        self.plan, self.rng = plan, rng
        self.stats: dict[str, OperationStats] = {name: OperationStats() for name in WEIGHTS}
        self.operations: dict[str, Callable[[httpx.AsyncClient], Awaitable[None]]] = {
            "read": self.read, "search": self.search, "rating": self.rating, "edit": self.edit,
            "who knows": self.who_knows, "sparql": self.sparql}
        self.edits = itertools.count()
        self._first_round = iter(WEIGHTS)  # every operation at least once, however short the run

    def pick(self) -> Callable[[httpx.AsyncClient], Awaitable[None]]:
        name = next(self._first_round, None) or self.rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        return self.operations[name]

    def _auth(self, editor: bool = False) -> dict[str, str]:
        tokens = self.plan.editor_tokens if editor else self.plan.reader_tokens
        return {"Authorization": f"Bearer {self.rng.choice(tokens)}"}

    async def _timed(self, name: str, client: httpx.AsyncClient, method: str, url: str,
                     **kwargs) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.stats[name].record(time.perf_counter() - started, None, f"{type(exc).__name__}: {exc}")
            return None
        self.stats[name].record(time.perf_counter() - started, response)
        return response

    async def read(self, client: httpx.AsyncClient) -> None:
        await self._timed("read", client, "GET", f"/api/pages/{self.rng.choice(self.plan.page_ids)}",
                          headers=self._auth())

    async def search(self, client: httpx.AsyncClient) -> None:
        terms = " ".join(self.rng.sample(self.plan.search_terms, self.rng.choice((1, 1, 2))))
        await self._timed("search", client, "GET", "/api/search", params={"q": terms}, headers=self._auth())

    async def rating(self, client: httpx.AsyncClient) -> None:
        from app.quality.models import CRITERIA
        scores = {name: self.rng.randint(1, 5) for name in self.rng.sample(CRITERIA, self.rng.randint(2, 6))}
        await self._timed("rating", client, "PUT", f"/api/pages/{self.rng.choice(self.plan.page_ids)}/ratings/mine",
                          json={"scores": scores, "comment": "", "anonymous": False}, headers=self._auth())

    async def edit(self, client: httpx.AsyncClient) -> None:
        """Read the page (counted as a read), then save an edit based on the revision read."""
        headers, page_id = self._auth(editor=True), self.rng.choice(self.plan.page_ids)
        page = await self._timed("read", client, "GET", f"/api/pages/{page_id}", headers=headers)
        if page is None or not page.is_success:
            return
        body = page.json()
        content = body["content"].rstrip("\n") + f"\n\nChecked during load run, edit {next(self.edits)}.\n"
        await self._timed("edit", client, "PATCH", f"/api/pages/{page_id}", headers=headers, json={
            "content": content, "base_revision": body["revision"]["id"], "summary": "load run"})

    async def who_knows(self, client: httpx.AsyncClient) -> None:
        await self._timed("who knows", client, "GET", "/api/experts",
                          params={"q": self.rng.choice(self.plan.expert_questions)}, headers=self._auth())

    async def sparql(self, client: httpx.AsyncClient) -> None:
        await self._timed("sparql", client, "GET", "/sparql", params={"query": self.rng.choice(self.plan.sparql_queries)},
                          headers={**self._auth(), "Accept": "application/sparql-results+json"})


async def _run_clients(base_url: str, concurrency: int, duration: float,
                       step: Callable[[httpx.AsyncClient], Awaitable[None]]) -> float:
    """`concurrency` clients calling `step` back to back until `duration` has passed; returns the seconds."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT, limits=limits,
                                 trust_env=False) as client:
        started = time.perf_counter()
        deadline = started + duration

        async def worker() -> None:
            while time.perf_counter() < deadline:
                await step(client)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started


def _merge(parts: list[dict[str, OperationStats]]) -> dict[str, OperationStats]:
    merged: dict[str, OperationStats] = {}
    for part in parts:
        for name, stats in part.items():
            into = merged.setdefault(name, OperationStats())
            into.latencies += stats.latencies
            into.statuses.update(stats.statuses)
            into.first_error = into.first_error or stats.first_error
    return merged


def _client(job: tuple[str, str, Plan | None, int, float, int]) -> tuple[float, dict[str, OperationStats]]:
    """One client process: `concurrency` asyncio clients of the mix (or of the ceiling's /ping)."""
    kind, base_url, plan, concurrency, duration, seed = job
    if kind == "ceiling":
        stats = OperationStats()

        async def ping(client: httpx.AsyncClient) -> None:
            started = time.perf_counter()
            try:
                response = await client.get("/ping")
            except httpx.HTTPError as exc:
                stats.record(time.perf_counter() - started, None, f"{type(exc).__name__}: {exc}")
                return
            stats.record(time.perf_counter() - started, response)

        return asyncio.run(_run_clients(base_url, concurrency, duration, ping)), {"ceiling": stats}
    mix = Mix(plan, random.Random(seed))
    seconds = asyncio.run(_run_clients(base_url, concurrency, duration, lambda client: mix.pick()(client)))
    return seconds, mix.stats


def _clients(kind: str, base_url: str, plan: Plan | None, concurrency: int, duration: float, seed: int,
             processes: int) -> tuple[float, dict[str, OperationStats]]:
    """The clients, split over `processes` processes (one asyncio process tops out at a few hundred
    requests/s on a busy core, which would cap the ceiling rather than the server)."""
    processes = max(1, min(processes, concurrency))
    jobs = [(kind, base_url, plan, concurrency // processes + (n < concurrency % processes), duration, seed + n)
            for n in range(processes)]
    if processes == 1:
        results = [_client(jobs[0])]
    else:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            results = pool.map(_client, jobs)
    return max(seconds for seconds, _ in results), _merge([stats for _, stats in results])


def drive(base_url: str, plan: Plan, concurrency: int, duration: float, seed: int = 1, processes: int = 1) -> dict:
    """The mix against a running service: per-operation summaries and the total."""
    seconds, stats = _clients("mix", base_url, plan, concurrency, duration, seed, processes)
    rows = {name: stats[name].summary(seconds) for name in WEIGHTS}
    total = sum(row["requests"] for row in rows.values())
    return {"seconds": round(seconds, 1), "operations": rows,
            "total": {"requests": total, "per_s": round(total / seconds, 1),
                      "errors": sum(row["errors"] for row in rows.values())}}


def drive_ceiling(base_url: str, concurrency: int, duration: float, processes: int = 1) -> dict:
    seconds, stats = _clients("ceiling", base_url, None, concurrency, duration, 0, processes)
    return stats["ceiling"].summary(seconds)


def warm_sparql(base_url: str, plan: Plan, workers: int, timeout: float) -> float:
    """Until `workers` SPARQL queries at once all answer within a second (each worker has built its store)."""
    started = time.perf_counter()

    async def probe() -> bool:
        async with httpx.AsyncClient(base_url=base_url, timeout=timeout, trust_env=False) as client:
            async def one() -> float:
                t = time.perf_counter()
                await client.get("/sparql", params={"query": plan.sparql_queries[0]},
                                 headers={"Authorization": f"Bearer {plan.reader_tokens[0]}",
                                          "Accept": "application/sparql-results+json"})
                return time.perf_counter() - t
            return all(s < 1.0 for s in await asyncio.gather(*(one() for _ in range(workers * 2))))

    while time.perf_counter() - started < timeout and not asyncio.run(probe()):
        pass
    return time.perf_counter() - started


# ---------------------------------------------------------------- servers and memory


def group_rss_mb(leader: int) -> float:
    """VmRSS summed over the processes of `leader`'s process group (uvicorn's supervisor and workers)."""
    total_kib = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            if int(stat[stat.rindex(")") + 2:].split()[2]) != leader:
                continue
            for line in Path(f"/proc/{entry}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return round(total_kib / 1024, 1)


class MemoryWatch:
    """The server's summed RSS, sampled every second in a thread while a phase runs."""

    def __init__(self, leader: int) -> None:
        import threading
        self.leader, self.peak_mb, self.last_mb = leader, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.last_mb = group_rss_mb(self.leader)
            self.peak_mb = max(self.peak_mb, self.last_mb)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.last_mb = group_rss_mb(self.leader)
        self.peak_mb = max(self.peak_mb, self.last_mb)
        self._stop.set()
        self._thread.join()


@contextmanager
def serving(command: list[str], env: dict[str, str], log_path: Path) -> Iterator[tuple[str, int]]:
    """Start `command` (which takes --host/--port) in its own process group; yield (base URL, leader pid)."""
    port = free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen([*command, "--host", HOST, "--port", str(port)], env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://{HOST}:{port}"
    try:
        wait_until_healthy(process, base_url, log_path, timeout=300)
        yield base_url, process.pid
    finally:
        stop_server(process)


def ceiling_command(workers: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "ceiling_app:app", "--app-dir", str(BENCH_DIR), "--workers", str(workers),
            "--log-level", "warning", "--proxy-headers"]


# ---------------------------------------------------------------- the run


def run(options: argparse.Namespace) -> dict:
    data_dir: Path = options.data_dir.resolve()
    organisation = json.loads((data_dir / "organisation.json").read_text())
    secret_key = secrets.token_urlsafe(32)
    settings = Settings(env="development", data_dir=data_dir, database_url=options.database_url)
    database = Database(make_engine(settings))
    try:
        plan = make_plan(database, organisation, secret_key, options.seed)
    finally:
        database.dispose()
    env = {key: value for key, value in os.environ.items() if not key.startswith("MATURE_")}
    env.update(MATURE_DATA_DIR=str(data_dir), MATURE_ENV="development", MATURE_LOG_LEVEL="WARNING",
               MATURE_SECRET_KEY=secret_key)
    if options.database_url:
        env["MATURE_DATABASE_URL"] = options.database_url
    result = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "database": "postgresql" if options.database_url else "sqlite",
              "scale": organisation["scale"], "counts": organisation["counts"], "workers": options.workers,
              "concurrency": options.concurrency, "client_processes": options.client_processes,
              "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
                         f"load average {os.getloadavg()[0]:.1f} at start"}
    with serving(ceiling_command(options.workers), env, data_dir / "ceiling.log") as (url, leader), \
            MemoryWatch(leader) as memory:
        result["ceiling"] = drive_ceiling(url, options.concurrency, options.ceiling_duration, options.client_processes)
    result["ceiling"]["rss_mb"] = memory.last_mb
    with serving([*mature_command(), "serve", "--workers", str(options.workers)], env,
                 data_dir / "server.log") as (url, leader):
        result["sparql_warm_seconds"] = round(warm_sparql(url, plan, options.workers, 300), 1)
        with MemoryWatch(leader) as memory:
            result["mix"] = drive(url, plan, options.concurrency, options.duration, options.seed,
                                  options.client_processes)
        result["mix"]["rss_mb_end"], result["mix"]["rss_mb_peak"] = memory.last_mb, memory.peak_mb
    ceiling = result["ceiling"]["per_s"]
    result["ratio_to_ceiling"] = round(result["mix"]["total"]["per_s"] / ceiling, 3) if ceiling else None
    return result


def render(result: dict) -> str:
    counts = result["counts"]
    lines = [f"mixed load on {result['database']}, {result['workers']} worker(s), {result['concurrency']} concurrent "
             f"clients in {result.get('client_processes', 1)} processes, {result['mix']['seconds']} s; "
             f"organisation at scale {result['scale']}: {counts['pages']:,} pages, {counts['revisions']:,} revisions, {counts['people']:,} people, {counts['current_tags']:,} tags, "
             f"{counts['current_ratings']:,} ratings",
             f"{result['machine']} (2 shared cores, other work running: noisy; read the ratio)", "",
             f"{'operation':<12}{'requests':>9}{'errors':>8}{'409s':>6}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"]
    for name, row in result["mix"]["operations"].items():
        lines.append(f"{name:<12}{row['requests']:>9}{row['errors']:>8}{row.get('conflicts', 0):>6}{row['per_s']:>9}"
                     f"{row['p50_ms']:>9}{row['p99_ms']:>9}")
    total, ceiling = result["mix"]["total"], result["ceiling"]
    lines += [f"{'all':<12}{total['requests']:>9}{total['errors']:>8}{'':>6}{total['per_s']:>9}",
              f"{'ceiling':<12}{ceiling['requests']:>9}{ceiling['errors']:>8}{'':>6}{ceiling['per_s']:>9}"
              f"{ceiling['p50_ms']:>9}{ceiling['p99_ms']:>9}", "",
              f"service / ceiling requests/s: {result['ratio_to_ceiling']}",
              f"server RSS (all processes): {result['mix']['rss_mb_end']} MB at the end, peak "
              f"{result['mix']['rss_mb_peak']} MB; ceiling app {ceiling['rss_mb']} MB",
              f"SPARQL stores warm after {result['sparql_warm_seconds']} s"]
    for name, row in result["mix"]["operations"].items():
        if row["first_error"] or row.get("conflicts"):
            lines.append(f"{name}: statuses {row['statuses']}; first error {row['first_error']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="the directory bench/organisation.py filled")
    parser.add_argument("--database-url", help="the PostgreSQL database bench/organisation.py filled")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers, for the service and the ceiling")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of mixed load (default 60)")
    parser.add_argument("--ceiling-duration", type=float, default=20.0, help="seconds of ceiling load (default 20)")
    parser.add_argument("--client-processes", type=int, default=2,
                        help="client processes sharing --concurrency (default 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", dest="as_json")
    options = parser.parse_args(argv)
    result = run(options)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (options.data_dir / f"mixed-load-{stamp}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2) if options.as_json else render(result))


if __name__ == "__main__":
    main()
