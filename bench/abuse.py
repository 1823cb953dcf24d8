"""Can one user degrade the service for the others? Abuse scenarios against a real server, with figures.

Run from the project root with the project's virtualenv, on an organisation made by bench/organisation.py:

    .venv/bin/python bench/abuse.py sparql --data-dir DIR [--workers 2] [--timeout 5] [--json]

`sparql`: starts `mature serve --workers N` on DIR (SQLite unless MATURE_DATABASE_URL is set) with a
SPARQL time limit of --timeout seconds, builds the SPARQL store (one query, then waits for /health to say
ready), and then:
1. fires three heavy queries, `SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }` (an
   aggregate writes nothing until it ends), from three users, and abandons them (each client hangs up
   after 0.5 s);
2. times a trivial `ASK { ?s ?p ?o }` from a fourth user at once (while the three run) and again after
   their time limit;
3. samples the server's processes (its process group) every 0.1 s from the first heavy query until
   `timeout + 10` s later: evaluation processes (children of a worker) and how long and how much CPU
   each one ran, and the CPU the workers themselves used after the time limit (a query that cannot be
   stopped keeps a worker's thread at 100 %);
4. prints the server's memory once the store is built and at the end: VmRSS summed over the
   supervisor and workers, and PSS summed over every process of the group (a forked child's pages
   shared with its parent count once in PSS but fully in each VmRSS).

`big-save`: a colleague's ratings during a 40,000-fact page save (and the largest page the limits allow),
on SQLite and PostgreSQL (bench/big_save.py, which this runs; its --lines and --database are passed on):

    .venv/bin/python bench/abuse.py big-save [--database sqlite,postgresql] [--lines 40000] [--json]

Run it against main as it was by putting that checkout first on PYTHONPATH (the `mature` command
imports `app` from there), and against this one, on the same data, to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from serving import HOST, free_port, mature_command, stop_server, tail, wait_until_healthy
from sqlalchemy import select

from app.auth import service as account_service
from app.auth.models import TokenKind, User
from app.config import Settings
from app.db import Database, make_engine

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ASK = "ASK { ?s ?p ?o }"
TICKS = os.sysconf("SC_CLK_TCK")
WINDOW = 10.0  # seconds watched past the time limit


# ---------------------------------------------------------------- the server's processes


@dataclass
class ProcessSample:
    pid: int
    parent: int
    cpu_seconds: float
    rss_mb: float
    pss_mb: float  # the process's share of its pages: a forked child's pages shared with its parent count once


def group_processes(leader: int) -> list[ProcessSample]:
    """The processes of `leader`'s process group (the server we started in its own session)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) != leader:
                continue
            rss = next(int(line.split()[1]) for line in Path(f"/proc/{entry}/status").read_text().splitlines()
                       if line.startswith("VmRSS:"))
            pss = next(int(line.split()[1]) for line in Path(f"/proc/{entry}/smaps_rollup").read_text().splitlines()
                       if line.startswith("Pss:"))
        except (OSError, ValueError, StopIteration):
            continue
        found.append(ProcessSample(int(entry), int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS,
                                   rss / 1024, pss / 1024))
    return found


def server_memory_mb(leader: int) -> tuple[float, float]:
    """(VmRSS summed over the supervisor and its workers, PSS summed over every process incl. forked children)."""
    processes = group_processes(leader)
    main = [p for p in processes if p.pid == leader or p.parent == leader]
    return round(sum(p.rss_mb for p in main), 1), round(sum(p.pss_mb for p in processes), 1)


@dataclass
class Watch:
    """Evaluation processes seen (first/last seen, CPU) and the workers' CPU, sampled in a thread."""

    leader: int
    started: float = field(default_factory=time.monotonic)
    children: dict[int, list[float]] = field(default_factory=dict)  # pid -> [first seen, last seen, cpu s]
    cpu_at: dict[int, list[tuple[float, float]]] = field(default_factory=dict)  # pid -> [(at, cpu s)]
    worker_cpu: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, summed CPU s)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            now = time.monotonic() - self.started
            processes = group_processes(self.leader)
            workers = {p.pid for p in processes if p.parent == self.leader}
            self.worker_cpu.append((now, sum(p.cpu_seconds for p in processes if p.pid in workers)))
            for p in processes:
                if p.parent in workers:  # a child of a worker: an evaluation process
                    seen = self.children.setdefault(p.pid, [now, now, 0.0])
                    seen[1], seen[2] = now, p.cpu_seconds
                    self.cpu_at.setdefault(p.pid, []).append((now, p.cpu_seconds))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def child_cpu_after(self, start: float) -> float:
        """CPU the evaluation children used after `start` (seconds since the first heavy query)."""
        used = 0.0
        for samples in self.cpu_at.values():
            before = [cpu for at, cpu in samples if at < start]
            after = [cpu for at, cpu in samples if at >= start]
            if after:
                used += after[-1] - (before[-1] if before else after[0])
        return round(used, 2)

    def worker_cpu_between(self, start: float, end: float) -> float:
        inside = [cpu for at, cpu in self.worker_cpu if start <= at <= end]
        return round(inside[-1] - inside[0], 2) if len(inside) > 1 else 0.0


# ---------------------------------------------------------------- the clients


def tokens(data_dir: Path, secret_key: str, count: int) -> list[str]:
    """Personal tokens for `count` staff of the organisation (readers of its spaces)."""
    organisation = json.loads((data_dir / "organisation.json").read_text())
    settings = Settings(data_dir=data_dir, secret_key=secret_key)
    database = Database(make_engine(settings))
    try:
        with database.transaction() as session:
            names = organisation["raters"][:count]
            users = session.scalars(select(User).where(User.username.in_(names))).all()
            return [account_service.issue_token(session, secret_key, user, TokenKind.personal, "abuse bench",
                                                None).token for user in users]
    finally:
        database.dispose()


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/sparql-results+json"}


async def abandon(base_url: str, token: str, query: str, after: float) -> None:
    """Send a query and hang up after `after` seconds, as a browser tab closed mid-query."""
    async with httpx.AsyncClient(base_url=base_url, timeout=after, trust_env=False) as client:
        try:
            await client.get("/sparql", params={"query": query}, headers=headers(token))
        except httpx.TimeoutException:
            pass


def timed(base_url: str, token: str, query: str, timeout: float) -> tuple[int, float]:
    started = time.perf_counter()
    with httpx.Client(base_url=base_url, timeout=timeout, trust_env=False) as client:
        try:
            status = client.get("/sparql", params={"query": query}, headers=headers(token)).status_code
        except httpx.TimeoutException:
            status = 0
    return status, round(time.perf_counter() - started, 3)


def wait_for_store(base_url: str, token: str, limit: float = 600.0) -> float:
    """Until a query answers and /health says the store is ready; the seconds it took."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        status, _ = timed(base_url, token, ASK, 60.0)
        with httpx.Client(base_url=base_url, timeout=10, trust_env=False) as client:
            ready = client.get("/health").json().get("sparql_store") == "ready"
        if status == 200 and ready:
            break
        time.sleep(0.5)
    return round(time.perf_counter() - started, 1)


# ---------------------------------------------------------------- the scenario


def sparql_abuse(options: argparse.Namespace) -> dict:
    """Three abandoned heavy queries, then a trivial one; evaluation processes, worker CPU, memory."""
    data_dir: Path = options.data_dir.resolve()
    secret_key = secrets.token_urlsafe(32)
    four = tokens(data_dir, secret_key, 4)
    if len(four) < 4:
        sys.exit("the organisation has fewer than four staff accounts; make it with bench/organisation.py")
    env = {**os.environ, "MATURE_DATA_DIR": str(data_dir), "MATURE_SECRET_KEY": secret_key,
           "MATURE_SPARQL_TIMEOUT_SECONDS": str(options.timeout), "MATURE_ENV": "development",
           "MATURE_LOG_LEVEL": "WARNING"}
    log_path = data_dir / "abuse-server.log"
    port = free_port()
    import subprocess

    with open(log_path, "wb") as log:
        server = subprocess.Popen([*mature_command(), "serve", "--host", HOST, "--port", str(port),
                                   "--workers", str(options.workers)], env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://{HOST}:{port}"
    try:
        wait_until_healthy(server, base_url, log_path, timeout=300)
        build_seconds = wait_for_store(base_url, four[3])
        for _ in range(options.workers * 2):  # every worker answers one (a main-era worker builds its own copy)
            timed(base_url, four[3], ASK, 600.0)
        rss_ready = server_memory_mb(server.pid)
        baseline = sorted(timed(base_url, four[3], ASK, 60.0)[1] for _ in range(5))[2]

        watch = Watch(server.pid)
        heavy = threading.Thread(target=lambda: asyncio.run(_abandon_three(base_url, four[:3])))
        heavy.start()
        time.sleep(1.0)  # the three are evaluating
        during = timed(base_url, four[3], ASK, 60.0)
        heavy.join()
        time.sleep(max(0.0, options.timeout + 1.5 - (time.monotonic() - watch.started)))
        after = timed(base_url, four[3], ASK, 60.0)
        time.sleep(max(0.0, options.timeout + WINDOW - (time.monotonic() - watch.started)))
        watch.stop()
        rss_end = server_memory_mb(server.pid)
    finally:
        stop_server(server)
    children = [{"pid": pid, "seen_s": round(last - first + 0.1, 1), "cpu_s": round(cpu, 2)}
                for pid, (first, last, cpu) in sorted(watch.children.items())]
    limit_end = options.timeout + 1.0
    return {
        "workers": options.workers, "timeout_s": options.timeout, "store_ready_after_s": build_seconds,
        "ask_during_s": during[1], "ask_during_status": during[0],
        "ask_after_limit_s": after[1], "ask_after_limit_status": after[0],
        "evaluation_processes": children,
        "most_cpu_one_evaluation_s": max((c["cpu_s"] for c in children), default=0.0),
        "evaluation_cpu_after_limit_s": watch.child_cpu_after(limit_end),
        "worker_cpu_after_limit_s": watch.worker_cpu_between(limit_end, options.timeout + WINDOW),
        "after_limit_window_s": round(options.timeout + WINDOW - limit_end, 1), "ask_baseline_s": baseline,
        "rss_store_ready_mb": rss_ready[0], "rss_end_mb": rss_end[0],
        "pss_store_ready_mb": rss_ready[1], "pss_end_mb": rss_end[1],
        "server_log_tail": tail(log_path, 5) if options.verbose else "",
    }


async def _abandon_three(base_url: str, three: list[str]) -> None:
    await asyncio.gather(*(abandon(base_url, token, HEAVY, 0.5) for token in three))


def render_sparql(result: dict) -> str:
    lines = [
        f"SPARQL abuse: {result['workers']} workers, time limit {result['timeout_s']:g} s "
        f"(store ready after {result['store_ready_after_s']} s)",
        f"  ASK before (median of 5):                    200 in {result['ask_baseline_s']} s",
        f"  ASK while three abandoned heavy queries run: {result['ask_during_status']} in {result['ask_during_s']} s",
        f"  ASK after their time limit:                  {result['ask_after_limit_status']} in "
        f"{result['ask_after_limit_s']} s",
        f"  evaluation processes seen: {len(result['evaluation_processes'])} (forked ones, spares included); "
        f"most CPU of one: {result['most_cpu_one_evaluation_s']} s; their CPU after the limit: "
        f"{result['evaluation_cpu_after_limit_s']} s",
        *(f"    pid {c['pid']}: seen {c['seen_s']} s, CPU {c['cpu_s']} s" for c in result["evaluation_processes"]),
        f"  worker CPU in the {result['after_limit_window_s']} s after the limit: "
        f"{result['worker_cpu_after_limit_s']} s (a stuck query thread burns ~1 s per second)",
        f"  server memory, store built / at the end: RSS of supervisor + workers {result['rss_store_ready_mb']} / "
        f"{result['rss_end_mb']} MB; PSS of every process incl. forked children {result['pss_store_ready_mb']} / "
        f"{result['pss_end_mb']} MB",
    ]
    if result["server_log_tail"]:
        lines.append(result["server_log_tail"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sparql = commands.add_parser("sparql", help="abandoned heavy SPARQL queries, then a trivial one")
    sparql.add_argument("--data-dir", type=Path, required=True, help="an organisation from bench/organisation.py")
    sparql.add_argument("--workers", type=int, default=2)
    sparql.add_argument("--timeout", type=float, default=5.0, help="the server's SPARQL time limit (s)")
    sparql.add_argument("--json", action="store_true", dest="as_json")
    sparql.add_argument("--verbose", action="store_true", help="also print the end of the server's log")
    saving = commands.add_parser("big-save", help="a colleague's ratings during a 40,000-fact page save")
    saving.add_argument("--database", default="sqlite,postgresql", help="sqlite, postgresql or both")
    saving.add_argument("--lines", type=int, default=40_000, help="facts of the big page")
    saving.add_argument("--json", action="store_true", dest="as_json")
    options = parser.parse_args(argv)
    if options.command == "sparql":
        result = sparql_abuse(options)
        print(json.dumps(result, indent=2) if options.as_json else render_sparql(result))
    elif options.command == "big-save":
        big_save_scenario(options)


def big_save_scenario(options: argparse.Namespace) -> None:
    """The big-save abuse of bench/big_save.py: the big page, one fact over the limit, the largest allowed."""
    import big_save

    sizes = [options.lines]
    if big_save.DEFAULT_ALLOWED and options.lines > big_save.DEFAULT_ALLOWED:
        sizes += [big_save.DEFAULT_ALLOWED + 1, big_save.DEFAULT_ALLOWED]
    for kind in options.database.split(","):
        result = big_save.run(kind.strip(), None, sizes)
        print(json.dumps(result, indent=2) if options.as_json else big_save.render(result), flush=True)


if __name__ == "__main__":
    main()
