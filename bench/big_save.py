"""A big page save must not hold the writer: a colleague's rating during it, and reading the big page.

Run from the project root with the project's virtualenv (the server imports `app` from the current
folder: to measure another checkout, run from there with that checkout on PYTHONPATH):

    PYTHONPATH=. .venv/bin/python bench/big_save.py [--database sqlite,postgresql] [--database-url URL]
        [--lines 40000] [--allowed N] [--json]

For each database (SQLite in a temporary folder; PostgreSQL a throwaway server started as the tests
start theirs, or --database-url) it makes an editor and a rater, starts `mature serve --workers 2` on
127.0.0.1, and then, for a page of --lines `[[Source::https://example.org/n]]` lines (1.5 MB at 40,000),
for one of a fact over the limit, and for the largest page the limits allow (--allowed, default
MATURE_PAGE_MAX_FACTS), saves it with POST /api/pages while the rater rates another page again and
again (one PUT after another). It
prints the save's answer and time, the ratings' count, statuses and p50/max latency (target: every
rating < 1 s on both databases), and for a saved page the times of reading it as JSON and as Turtle.

`big_save_abuse(...)` runs one such save against a server someone else started (bench/abuse.py).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from serving import HOST, free_port, mature_command, percentile_ms, stop_server, wait_until_healthy

from app import schema_migrations
from app.auth import service as account_service
from app.auth import space_service
from app.auth.models import MemberRole, Role, TokenKind
from app.auth.schemas import SpaceCreate
from app.config import Settings
from app.db import Database, make_engine
from app.pages import service as page_service
from app.observers import register_all

register_all()  # page writes here rescore as in the server (app.pages.events)

try:
    from app.pages.limits import PageLimits
    DEFAULT_ALLOWED: int | None = PageLimits().max_facts
except ImportError:  # a checkout before the limits (the "before" run)
    DEFAULT_ALLOWED = None

RATING_PAUSE = 0.05  # seconds between one rating's answer and the next rating


def big_page(lines: int) -> str:
    return "".join(f"[[Source::https://example.org/{n}]]\n" for n in range(lines))


def big_save_abuse(base_url: str, editor_token: str, rater_token: str, space_id: int, rated_page_id: int,
                   lines: int = 40_000, title: str | None = None, read_back: bool = True) -> dict:
    """Save a page of `lines` facts while the rater rates `rated_page_id` over and over; read it back.

    Returns the save's status and seconds, the ratings' latencies (p50/max ms, statuses), and for a
    saved page the JSON and Turtle read times."""
    title = title or f"Big page {lines} {secrets.token_hex(3)}"
    ratings: list[tuple[int, float]] = []
    saving = threading.Event()
    done = threading.Event()

    def rate() -> None:
        with httpx.Client(base_url=base_url, timeout=120, trust_env=False,
                          headers={"Authorization": f"Bearer {rater_token}"}) as client:
            saving.wait()
            score = 0
            while not done.is_set():
                score = score % 5 + 1
                started = time.perf_counter()
                try:
                    status = client.put(f"/api/pages/{rated_page_id}/ratings/mine",
                                        json={"scores": {"reliability": score}}).status_code
                except httpx.HTTPError:
                    status = 0
                ratings.append((status, time.perf_counter() - started))
                done.wait(RATING_PAUSE)

    rater = threading.Thread(target=rate, name="rater")
    rater.start()
    body = {"space_id": space_id, "title": title, "content": big_page(lines)}
    with httpx.Client(base_url=base_url, timeout=600, trust_env=False,
                      headers={"Authorization": f"Bearer {editor_token}"}) as client:
        saving.set()
        started = time.perf_counter()
        response = client.post("/api/pages", json=body)
        save_seconds = time.perf_counter() - started
        done.set()
        rater.join()
        result: dict = {
            "lines": lines, "bytes": len(body["content"].encode()), "status": response.status_code,
            "save_s": round(save_seconds, 2),
            "detail": response.json().get("detail") if response.status_code >= 400 else None,
            "ratings": len(ratings), "rating_statuses": sorted({status for status, _ in ratings}),
            "rating_p50_ms": percentile_ms([s for _, s in ratings], 0.5),
            "rating_max_ms": percentile_ms([s for _, s in ratings], 1.0),
        }
        if response.status_code == 201 and read_back:
            result.update(read_times(client, response.json()["id"]))
    return result


def read_times(client: httpx.Client, page_id: int) -> dict:
    """Seconds to read the page as JSON (twice: each worker renders it once) and as Turtle."""
    times: dict = {}
    for label, headers in (("json_1", {}), ("json_2", {}), ("turtle", {"Accept": "text/turtle"})):
        started = time.perf_counter()
        answer = client.get(f"/api/pages/{page_id}", headers=headers)
        times[f"read_{label}_s"] = round(time.perf_counter() - started, 2)
        if answer.status_code != 200:
            times[f"read_{label}_status"] = answer.status_code
    return times


def arrange(database: Database, secret_key: str) -> dict:
    """An editor, a rater (reader in the editor's space) and a small page the rater rates."""
    with database.transaction() as session:
        editor = account_service.create_user(session, "bigsaver", "Big Saver", Role.adviser, None)
        rater = account_service.create_user(session, "colleague", "Colleague", Role.adviser, None)
        space = space_service.create_space(session, editor, SpaceCreate(key="big-save", name="Big save",
                                                                          visibility="members"))
        space_service.put_member(session, space, rater, MemberRole.reader)
        rated = page_service.create_page(session, editor, space.id, "Rated page", "[[Sector::Retail]]\n", [], "")
        tokens = [account_service.issue_token(session, secret_key, user, TokenKind.personal, "bench", None).token
                  for user in (editor, rater)]
        return {"editor_token": tokens[0], "rater_token": tokens[1], "space_id": space.id,
                "rated_page_id": rated.id}


@contextmanager
def serving(env: dict[str, str], log_path: Path, workers: int = 2, start_timeout: float = 300) -> Iterator[str]:
    """`mature serve` on a free port (as serving.running_server, with a start-up wait for a busy machine)."""
    port = free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*mature_command(), "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_healthy(process, f"http://{HOST}:{port}", log_path, timeout=start_timeout)
        yield f"http://{HOST}:{port}"
    finally:
        stop_server(process)


@contextmanager
def database_url(kind: str, given: str | None) -> Iterator[str | None]:
    """None for SQLite in the data folder; for PostgreSQL the given URL or a throwaway server's."""
    if kind == "sqlite":
        yield None
        return
    if given:
        yield given
        return
    from tests.postgres import start_server  # the tests' throwaway server (initdb + pg_ctl)

    server = start_server()
    try:
        yield server.url()
    finally:
        server.stop()


def run(kind: str, given_url: str | None, sizes: list[int], limits: dict[str, str] | None = None) -> dict:
    """Set up a fresh database, serve it with two workers (with these MATURE_PAGE_* limits), and save each size
    in turn."""
    with tempfile.TemporaryDirectory(prefix="big-save-") as folder, database_url(kind, given_url) as url:
        data_dir = Path(folder)
        secret_key = secrets.token_urlsafe(32)
        settings = Settings(env="development", data_dir=data_dir, database_url=url, secret_key=secret_key)
        database = Database(make_engine(settings))
        try:
            schema_migrations.upgrade(database.engine)
            people = arrange(database, secret_key)
        finally:
            database.dispose()
        env = {key: value for key, value in os.environ.items() if not key.startswith("MATURE_")}
        env.update(MATURE_DATA_DIR=str(data_dir), MATURE_ENV="development", MATURE_LOG_LEVEL="WARNING",
                   MATURE_SECRET_KEY=secret_key)
        if url:
            env["MATURE_DATABASE_URL"] = url
        env.update(limits or {})
        with serving(env, data_dir / "server.log") as base_url:
            warm(base_url, people)
            saves = [big_save_abuse(base_url, **people, lines=lines) for lines in sizes]
    return {"database": kind, "load_average": round(os.getloadavg()[0], 1), "saves": saves}


def warm(base_url: str, people: dict) -> None:
    """One rating and one read, so neither worker's first request pays for start-up."""
    headers = {"Authorization": f"Bearer {people['rater_token']}"}
    with httpx.Client(base_url=base_url, timeout=60, trust_env=False, headers=headers) as client:
        for _ in range(4):
            client.put(f"/api/pages/{people['rated_page_id']}/ratings/mine", json={"scores": {"reliability": 3}})
            client.get(f"/api/pages/{people['rated_page_id']}")


def render(result: dict) -> str:
    lines = [f"{result['database']} (2 workers; load average {result['load_average']} at the end, 2 shared cores)"]
    for save in result["saves"]:
        lines.append(f"  save of {save['lines']:,} facts ({save['bytes'] / 1e6:.2f} MB): {save['status']} "
                     f"in {save['save_s']:.2f} s")
        if save["detail"]:
            lines.append(f"    refused: {save['detail']}")
        lines.append(f"    meanwhile {save['ratings']} ratings of another page, statuses {save['rating_statuses']}: "
                     f"p50 {save['rating_p50_ms']:.0f} ms, max {save['rating_max_ms']:.0f} ms")
        if "read_json_1_s" in save:
            lines.append(f"    read it: JSON {save['read_json_1_s']:.2f} s, again {save['read_json_2_s']:.2f} s; "
                         f"Turtle {save['read_turtle_s']:.2f} s")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--database-url", help="an existing, empty PostgreSQL database instead of a throwaway one")
    parser.add_argument("--lines", type=int, default=40_000, help="facts of the big page (default 40,000)")
    parser.add_argument("--allowed", type=int, default=DEFAULT_ALLOWED,
                        help="facts of the largest allowed page (default: the fact limit)")
    parser.add_argument("--page-max-facts", help="the server's MATURE_PAGE_MAX_FACTS (e.g. 50000 to let the big "
                        "page in, measuring the write turn rather than the limit)")
    parser.add_argument("--page-max-text-bytes", help="the server's MATURE_PAGE_MAX_TEXT_BYTES")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    options = parser.parse_args()
    limits = {name: value for name, value in (("MATURE_PAGE_MAX_FACTS", options.page_max_facts),
                                              ("MATURE_PAGE_MAX_TEXT_BYTES", options.page_max_text_bytes)) if value}
    sizes = [options.lines]  # then one fact over the limit (422 after parsing) and the largest allowed page
    if options.allowed and options.allowed < options.lines:
        sizes += [options.allowed + 1, options.allowed]
    for kind in options.database.split(","):
        result = run(kind.strip(), options.database_url, sizes, limits)
        print(json.dumps(result) if options.json else render(result), flush=True)


if __name__ == "__main__":
    sys.exit(main())
