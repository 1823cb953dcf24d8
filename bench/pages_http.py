"""HTTP benchmark for MATURE-LMI pages: create, read, edit and merged (stale-base) edits.

Run from the project root with the project's virtualenv:

    .venv/bin/python bench/pages_http.py [--quick] [--database-url URL] [--workers N] [--json]

What it does:

1. Makes a throwaway data directory (MATURE_DATA_DIR, MATURE_ENV=development), runs
   `mature db upgrade`, adds an adviser (`benchuser`) and a manager (`benchmgr`) and mints a
   personal access token for each with `mature token create`.
2. Starts `mature serve --host 127.0.0.1 --port <free port> --workers N` and waits for
   GET /health; the server is always stopped and the directory removed at the end.
3. The manager creates an organisational space and makes the adviser an editor; the adviser
   then runs the phases, each with bounded concurrency and a hard time cap:
   create (POST /api/pages), read (GET /api/pages/{id}), edit (PATCH with the current
   base_revision) and merge (PATCH with a stale base_revision that changes another paragraph,
   which the server must merge three-way).
4. Prints requests, errors, requests/s and p50/p95/p99 latency per phase (or JSON with --json).

With --database-url the server and the CLI use that PostgreSQL database (the script does not
start PostgreSQL, and leaves its rows behind: point it at a throwaway database). The client
runs on the same machine as the server, so both compete for the same CPU cores.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from corpus import load_corpus
from serving import (
    HOST,
    mature_command,
    percentile_ms,
    running_server,
)

ADVISER, MANAGER = "benchuser", "benchmgr"
CATEGORY = "Bench LMI"
REQUEST_TIMEOUT = 30.0  # seconds; one stuck request cannot hold a phase much past its cap


# ---------------------------------------------------------------- options


@dataclass(frozen=True)
class Options:
    pages: int
    reads: int
    edits: int
    merges: int
    concurrency: int
    workers: int
    phase_timeout: float
    database_url: str | None
    log_level: str
    seed: int
    as_json: bool


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke-test run (50 creates, 200 reads, 100 edits)")
    parser.add_argument("--pages", type=int, help="pages to create (default 300; quick 50)")
    parser.add_argument("--reads", type=int, help="GET requests (default 2000; quick 200)")
    parser.add_argument("--edits", type=int, help="PATCH requests (default 600; quick 100)")
    parser.add_argument("--merges", type=int, help="stale-base edit pairs (default 50; quick 10)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument("--phase-timeout", type=float, default=120.0, help="hard cap per phase in seconds")
    parser.add_argument("--database-url", help="benchmark this PostgreSQL database instead of SQLite")
    parser.add_argument("--log-level", default="WARNING", help="server log level (WARNING hides access logs)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", dest="as_json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.workers < 1:
        parser.error("--concurrency and --workers must be at least 1")
    size = (50, 200, 100, 10) if args.quick else (300, 2000, 600, 50)
    pick = lambda given, default: default if given is None else given  # noqa: E731
    return Options(
        pages=max(2, pick(args.pages, size[0])), reads=pick(args.reads, size[1]), edits=pick(args.edits, size[2]),
        merges=pick(args.merges, size[3]), concurrency=args.concurrency, workers=args.workers,
        phase_timeout=args.phase_timeout, database_url=args.database_url, log_level=args.log_level,
        seed=args.seed, as_json=args.as_json,
    )


# ---------------------------------------------------------------- page content


def page_title(index: int) -> str:
    return f"Bench page {index:04d}"


def make_content(rng: random.Random, corpus: list[list[str]], link_titles: list[str]) -> str:
    """~300-500 words of Markdown from a slice of one document, with wiki links and a category."""
    document = rng.choices(corpus, weights=[len(d) for d in corpus])[0]
    target = rng.randint(300, 500)
    start = rng.randrange(max(1, len(document) - 60))
    sentences = itertools.cycle(document[start:] + document[:start])
    paragraphs, words = [], 0
    while words < target:
        paragraph = " ".join(next(sentences) for _ in range(rng.randint(2, 4)))
        paragraphs.append(paragraph)
        words += len(paragraph.split())
    middle = len(paragraphs) // 2
    links = " and ".join(f"[[{title}]]" for title in link_titles)
    blocks = ["## Overview", *paragraphs[:middle], "## Details", *paragraphs[middle:],
              "## See also", f"Related pages: {links}.", f"[[Category:{CATEGORY}]]"]
    return "\n\n".join(blocks) + "\n"


_EDIT_MARK = re.compile(r" \(Checked in bench edit \d+\.\)$")


def body_blocks(content: str) -> list[int]:
    """Indices of the prose paragraphs (not headings, links or categories) in `content`."""
    blocks = content.split("\n\n")
    return [i for i, block in enumerate(blocks) if block.strip() and not block.startswith("#") and "[[" not in block]


def edit_block(content: str, index: int, edit_number: int) -> str:
    """The content with paragraph `index` marked by this edit (replacing an earlier mark)."""
    blocks = content.rstrip("\n").split("\n\n")
    blocks[index] = _EDIT_MARK.sub("", blocks[index]) + f" (Checked in bench edit {edit_number}.)"
    return "\n\n".join(blocks) + "\n"


# ---------------------------------------------------------------- environment and CLI




def server_environment(data_dir: Path, options: Options) -> dict[str, str]:
    """Our environment without inherited MATURE_* settings, plus the benchmark's own."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MATURE_")}
    env.update(MATURE_DATA_DIR=str(data_dir), MATURE_ENV="development", MATURE_LOG_LEVEL=options.log_level)
    if options.database_url:
        env["MATURE_DATABASE_URL"] = options.database_url
    return env


def run_cli(env: dict[str, str], *args: str, stdin: str = "", tolerate: str | None = None) -> str:
    """Run `mature ARGS`, returning stdout; fails loudly unless stderr contains `tolerate`."""
    done = subprocess.run([*mature_command(), *args], env=env, input=stdin, capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        if tolerate and tolerate in done.stderr:
            print(f"note: `mature {' '.join(args)}`: {done.stderr.strip()}", file=sys.stderr)
            return done.stdout
        raise RuntimeError(f"`mature {' '.join(args)}` failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def prepare_accounts(env: dict[str, str]) -> dict[str, str]:
    """Migrate, add the adviser and the manager, and return a token for each."""
    run_cli(env, "db", "upgrade")
    tokens = {}
    for name, role in ((ADVISER, "adviser"), (MANAGER, "manager")):
        password = secrets.token_urlsafe(18)
        run_cli(env, "user", "add", name, "--role", role, stdin=password + "\n", tolerate="already in use")
        tokens[name] = run_cli(env, "token", "create", name, "--label", "benchmark", "--days", "1").strip()
    return tokens




# ---------------------------------------------------------------- the server










# ---------------------------------------------------------------- measuring


@dataclass
class Recorder:
    """Latencies and outcomes of one phase's requests, shared by its threads."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None
    counters: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, client: httpx.Client, method: str, url: str, body: dict[str, Any] | None = None
             ) -> httpx.Response | None:
        """Send one timed request; the response if it was 2xx, else None (counted as an error)."""
        start = time.perf_counter()
        try:
            response = client.request(method, url, json=body)
        except httpx.HTTPError as exc:
            self._record(time.perf_counter() - start, f"{method} {url}: {type(exc).__name__}: {exc}")
            return None
        elapsed = time.perf_counter() - start
        if response.is_success:
            self._record(elapsed, None)
            return response
        self._record(elapsed, f"{method} {url} -> {response.status_code}: {response.text[:500]}")
        return None

    def count(self, key: str) -> None:
        with self.lock:
            self.counters[key] = self.counters.get(key, 0) + 1

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
    counters: dict[str, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"phase": self.name, "requests": self.requests, "errors": self.errors,
                "requests_per_s": round(self.per_second, 1), "p50_ms": self.p50_ms, "p95_ms": self.p95_ms,
                "p99_ms": self.p99_ms, "seconds": round(self.seconds, 2), "hit_time_cap": self.capped,
                "first_error": self.first_error, **self.counters}




Operation = Callable[[httpx.Client, Recorder, int], None]


def run_phase(name: str, total: int, operation: Operation, client_factory: Callable[[], httpx.Client],
              options: Options) -> PhaseResult:
    """Run `operation(client, recorder, i)` for i < total on `concurrency` threads, within the time cap."""
    recorder = Recorder(name)
    tickets, ticket_lock = iter(range(total)), threading.Lock()
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
        futures = [pool.submit(worker) for _ in range(min(options.concurrency, max(total, 1)))]
        try:
            for future in futures:
                future.result()
        finally:
            stop.set()  # on Ctrl-C or an error, the other clients stop after their current request
    seconds = time.perf_counter() - start
    samples = recorder.latencies
    return PhaseResult(name, len(samples), recorder.errors, seconds, capped.is_set(),
                       percentile_ms(samples, 0.50), percentile_ms(samples, 0.95), percentile_ms(samples, 0.99),
                       recorder.first_error, dict(recorder.counters))


# ---------------------------------------------------------------- pages under test


@dataclass
class PageState:
    id: int
    revision_id: int
    content: str

    def update(self, answer: dict[str, Any]) -> None:
        self.revision_id, self.content = answer["revision"]["id"], answer["content"]


class PagePool:
    """The pages created so far; edits check a page out so no two clients edit it at once."""

    def __init__(self, seed: int) -> None:
        self.pages: dict[int, PageState] = {}
        self._free: list[int] = []
        self._rng = random.Random(seed)
        self._ready = threading.Condition()

    def add(self, page: PageState) -> None:
        with self._ready:
            self.pages[page.id] = page
            self._free.append(page.id)
            self._ready.notify()

    def random_id(self) -> int:
        with self._ready:
            return self._rng.choice(list(self.pages))

    @contextmanager
    def checked_out(self) -> Iterator[PageState]:
        with self._ready:
            while not self._free:
                self._ready.wait()
            page_id = self._free.pop(self._rng.randrange(len(self._free)))
        try:
            yield self.pages[page_id]
        finally:
            with self._ready:
                self._free.append(page_id)
                self._ready.notify()


@dataclass
class Bench:
    """Everything the phase operations share."""

    options: Options
    space_id: int
    pool: PagePool
    corpus: list[list[str]]
    edit_numbers: Iterator[int] = field(default_factory=itertools.count)

    def create(self, client: httpx.Client, recorder: Recorder, index: int) -> None:
        rng = random.Random(self.options.seed * 1_000_003 + index)
        others = [page_title(i) for i in rng.sample(range(self.options.pages), 3) if i != index][:2]
        body = {"space_id": self.space_id, "title": page_title(index),
                "content": make_content(rng, self.corpus, others), "categories": ["Benchmark"]}
        response = recorder.call(client, "POST", "/api/pages", body)
        if response is not None:
            answer = response.json()
            self.pool.add(PageState(answer["id"], answer["revision"]["id"], answer["content"]))

    def read(self, client: httpx.Client, recorder: Recorder, index: int) -> None:
        recorder.call(client, "GET", f"/api/pages/{self.pool.random_id()}")

    def edit(self, client: httpx.Client, recorder: Recorder, index: int) -> None:
        with self.pool.checked_out() as page:
            blocks = body_blocks(page.content)
            target = blocks[index % len(blocks)]
            content = edit_block(page.content, target, next(self.edit_numbers))
            response = self._patch(client, recorder, page, content, page.revision_id)
            if response is not None:
                page.update(response.json())

    def merge(self, client: httpx.Client, recorder: Recorder, index: int) -> None:
        """Two saves from one base: the first paragraph, then (stale) the last; the server must merge."""
        with self.pool.checked_out() as page:
            base_id, base_content = page.revision_id, page.content
            blocks = body_blocks(base_content)
            first = self._patch(client, recorder, page,
                                edit_block(base_content, blocks[0], next(self.edit_numbers)), base_id)
            if first is not None:
                page.update(first.json())
            stale = self._patch(client, recorder, page,
                                edit_block(base_content, blocks[-1], next(self.edit_numbers)), base_id)
            if stale is None:
                return
            answer = stale.json()
            page.update(answer)
            recorder.count("merged" if answer.get("merged") else "not_merged")

    @staticmethod
    def _patch(client: httpx.Client, recorder: Recorder, page: PageState, content: str,
               base: int) -> httpx.Response | None:
        body = {"content": content, "base_revision": base, "summary": "bench edit"}
        return recorder.call(client, "PATCH", f"/api/pages/{page.id}", body)


# ---------------------------------------------------------------- set-up through the API


def api_client(base_url: str, token: str) -> httpx.Client:
    if httpx.URL(base_url).host != HOST:
        raise ValueError(f"refusing to benchmark {base_url}: only {HOST} is allowed")
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"},
                        timeout=REQUEST_TIMEOUT, trust_env=False)


def checked(response: httpx.Response) -> dict[str, Any]:
    if not response.is_success:
        raise RuntimeError(f"{response.request.method} {response.request.url} -> "
                           f"{response.status_code}: {response.text[:500]}")
    return response.json()


def prepare_space(base_url: str, tokens: dict[str, str]) -> int:
    """The manager's organisational space, with the adviser as an editor; returns its id."""
    with api_client(base_url, tokens[MANAGER]) as manager, api_client(base_url, tokens[ADVISER]) as adviser:
        adviser_id = checked(adviser.get("/api/users/me"))["id"]
        body = {"key": "bench", "name": "Bench", "visibility": "organisation"}
        response = manager.post("/api/spaces", json=body)
        if response.status_code == 409:  # a reused PostgreSQL database already has one
            body["key"] = f"bench-{secrets.token_hex(3)}"
            response = manager.post("/api/spaces", json=body)
        space_id = checked(response)["id"]
        checked(manager.put(f"/api/spaces/{space_id}/members/{adviser_id}", json={"role": "editor"}))
    return space_id


def server_facts(base_url: str) -> dict[str, Any]:
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT, trust_env=False) as client:
        return checked(client.get("/health"))


# ---------------------------------------------------------------- reporting


def machine_facts(options: Options, health: dict[str, Any]) -> dict[str, Any]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpus": os.cpu_count(), "usable_cpus": usable, "python": platform.python_version(),
            "platform": platform.platform(terse=True), "database": health.get("database"),
            "server_version": health.get("version"), "workers": options.workers,
            "concurrency": options.concurrency, "server_log_level": options.log_level}


def print_text(facts: dict[str, Any], results: list[PhaseResult]) -> None:
    print(f"MATURE-LMI {facts['server_version']} pages over HTTP: {facts['cpus']} CPUs "
          f"({facts['usable_cpus']} usable), Python {facts['python']}, database {facts['database']}, "
          f"{facts['workers']} uvicorn worker(s), {facts['concurrency']} concurrent clients, "
          f"server log level {facts['server_log_level']}")
    print(f"Caveat: the client runs on the same machine and shares its {facts['usable_cpus']} cores with the "
          "server, so these figures understate what the server alone could serve.")
    print(f"{'phase':<8}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'secs':>8}")
    for r in results:
        cap = "  (hit the time cap)" if r.capped else ""
        print(f"{r.name:<8}{r.requests:>9}{r.errors:>8}{r.per_second:>9.1f}{r.p50_ms:>9.1f}{r.p95_ms:>9.1f}"
              f"{r.p99_ms:>9.1f}{r.seconds:>8.1f}{cap}")
    for r in results:
        if r.counters:
            print(f"{r.name}: " + ", ".join(f"{key} {value}" for key, value in sorted(r.counters.items())))
        if r.first_error:
            print(f"{r.name}: first error: {r.first_error}")


def print_json(facts: dict[str, Any], results: list[PhaseResult]) -> None:
    caveat = f"client and server share the same {facts['usable_cpus']} CPU cores"
    print(json.dumps({"machine": facts, "caveat": caveat, "phases": [r.as_dict() for r in results]}, indent=2))


# ---------------------------------------------------------------- main


def run(options: Options) -> tuple[dict[str, Any], list[PhaseResult]]:
    data_dir = Path(tempfile.mkdtemp(prefix="mature-bench-"))
    try:
        env = server_environment(data_dir, options)
        tokens = prepare_accounts(env)
        with running_server(env, options.workers, data_dir / "server.log") as base_url:
            facts = machine_facts(options, server_facts(base_url))
            bench = Bench(options, prepare_space(base_url, tokens), PagePool(options.seed), load_corpus())
            adviser = lambda: api_client(base_url, tokens[ADVISER])  # noqa: E731
            results = [run_phase("create", options.pages, bench.create, adviser, options)]
            if not bench.pool.pages:
                raise RuntimeError(f"no page could be created: {results[0].first_error}")
            results.append(run_phase("read", options.reads, bench.read, adviser, options))
            results.append(run_phase("edit", options.edits, bench.edit, adviser, options))
            results.append(run_phase("merge", options.merges, bench.merge, adviser, options))
            return facts, results
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally blocks stop the server
    facts, results = run(options)
    (print_json if options.as_json else print_text)(facts, results)
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
