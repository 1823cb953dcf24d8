"""Where the mixed load's operations spend their time: each one profiled in-process.

Run from the project root on an organisation made by bench/organisation.py (use a copy if you
mind the edits and ratings it adds):

    .venv/bin/python bench/profile_paths.py --data-dir DIR [--database-url URL] [--requests 200]
        [--only rating,edit] [--lines 25] [--sql 8]

For each operation of bench/mixed_load.py it sends --requests requests through the real app
(`create_app`, FastAPI's TestClient, the same inputs as the mix) one at a time, first plain --
mean wall and CPU time (this process's, so the
database server's share is missing on PostgreSQL) and SQL statements per request, from an engine event counter -- and then under
cProfile, whose top functions (cumulative and own time) it prints. CPU profiles and statement
counts are far steadier than latencies on a shared machine, which is why fixes are judged by them.
With --sql N it also prints, per operation, the N SQL statements that took the most time in all.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import random
import secrets
import time
from pathlib import Path
from typing import ClassVar

import anyio.to_thread
import httpx
from mixed_load import WEIGHTS, Mix, make_plan
from sqlalchemy import event

from app.config import Settings
from app.db import Database, make_engine
from app.main import create_app


def run_sync_inline() -> None:
    """Run the app's `def` routes and dependencies in the calling thread instead of the thread pool,
    so one cProfile (per thread) sees the whole request."""
    async def inline(func, *args, abandon_on_cancel=False, cancellable=None, limiter=None):
        return func(*args)

    anyio.to_thread.run_sync = inline


class SqlTimes:
    """Time per SQL statement text (summed over its executions), from engine events."""

    totals: ClassVar[dict[str, list[float]]] = {}  # statement -> [seconds, executions]

    @classmethod
    def listen(cls, engine) -> None:  # noqa: ANN001
        def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202
            conn.info.setdefault("started", []).append(time.perf_counter())

        def after(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202
            entry = cls.totals.setdefault(" ".join(statement.split())[:700], [0.0, 0])
            entry[0] += time.perf_counter() - conn.info["started"].pop()
            entry[1] += 1

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)

    @classmethod
    def report(cls, top: int) -> None:
        ranked = sorted(cls.totals.items(), key=lambda item: -item[1][0])[:top]
        for statement, (seconds, count) in ranked:
            print(f"   sql {seconds * 1000:8.1f} ms in {count:5d} runs: {statement}")


def profile(options: argparse.Namespace) -> None:
    data_dir = options.data_dir.resolve()
    organisation = json.loads((data_dir / "organisation.json").read_text())
    secret_key = secrets.token_urlsafe(32)
    settings = Settings(env="development", data_dir=data_dir, database_url=options.database_url,
                        secret_key=secret_key, search_indexing=False, webhook_delivery=False, log_level="WARNING")
    database = Database(make_engine(settings))
    plan = make_plan(database, organisation, secret_key, options.seed)
    statements = [0]
    event.listen(database.engine, "before_cursor_execute", lambda *args: statements.__setitem__(0, statements[0] + 1))
    SqlTimes.listen(database.engine)
    names = options.only.split(",") if options.only else list(WEIGHTS)
    asyncio.run(_profile(create_app(settings, database=database), plan, names, options, statements))
    database.dispose()


async def _profile(app, plan, names: list[str], options: argparse.Namespace, statements: list[int]) -> None:
    run_sync_inline()
    mix = Mix(plan, random.Random(options.seed))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        for name in names:
            operation = mix.operations[name]
            for _ in range(5):
                await operation(client)  # warm: caches, the SPARQL store, query plans
            SqlTimes.totals.clear()
            before, started, cpu = statements[0], time.perf_counter(), time.process_time()
            for _ in range(options.requests):
                await operation(client)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            stats = mix.stats[name]
            print(f"== {name}: {seconds / options.requests * 1000:.1f} ms wall, "
                  f"{cpu / options.requests * 1000:.1f} ms CPU and "
                  f"{(statements[0] - before) / options.requests:.1f} SQL statements per request "
                  f"(statuses {dict(stats.statuses)}; first error {stats.first_error})", flush=True)
            if options.sql:
                SqlTimes.report(options.sql)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(options.requests):
                await operation(client)
            profiler.disable()
            out = io.StringIO()
            report = pstats.Stats(profiler, stream=out).strip_dirs()
            report.sort_stats("cumulative").print_stats(options.lines)
            report.sort_stats("tottime").print_stats(options.lines)
            print(out.getvalue(), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--only", help="comma-separated operations (default: all of the mix)")
    parser.add_argument("--lines", type=int, default=25)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--sql", type=int, default=0, help="print the N statements with the most time in all")
    profile(parser.parse_args())


if __name__ == "__main__":
    main()
