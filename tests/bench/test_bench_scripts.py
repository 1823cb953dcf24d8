"""The organisation generator and the mixed-load driver still work (so the benchmarks cannot rot):
a tiny organisation on each database, then two seconds of the mix against the real server."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
import sys
from pathlib import Path

from app.db import Database, make_engine
from tests.conftest import SECRET, fresh_database_url, settings_for
from tests.live_server import LiveServer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))  # the scripts import their siblings

import mixed_load  # noqa: E402
import organisation  # noqa: E402

SCALE = 0.0005  # 25 pages, 36 people, 100 tags, 250 ratings


def test_generator_makes_what_it_promises_and_every_mixed_operation_succeeds(backend, tmp_path, request):
    url = fresh_database_url(backend, tmp_path, request)
    report = organisation.generate(tmp_path, SCALE, url, progress=lambda line: None)

    sizes = organisation.Sizes.at(SCALE)
    counts = report.counts
    assert counts["pages"] == sizes.pages
    assert counts["people"] == sizes.users + 1 + sizes.contacts  # staff, the manager, external contacts
    assert counts["current_tags"] == sizes.tags
    assert counts["current_ratings"] == sizes.ratings
    assert counts["revisions"] > sizes.pages  # some pages were edited
    assert counts["annotations"] >= 3 * sizes.pages
    assert json.loads((tmp_path / "organisation.json").read_text())["counts"] == counts

    database = Database(make_engine(settings_for(url, tmp_path)))
    server = LiveServer(url, tmp_path, SECRET, workers=2)
    try:
        plan = mixed_load.make_plan(database, json.loads((tmp_path / "organisation.json").read_text()), SECRET, 1)
        server.wait_until_up()
        # On a thread of its own: the driver runs asyncio, and the browser tests' session-wide Playwright keeps
        # an event loop running on this worker's main thread when they ran here first.
        with ThreadPoolExecutor(1) as thread:
            result = thread.submit(mixed_load.drive, server.url, plan, concurrency=4, duration=2.0).result()
    finally:
        server.stop()
        database.dispose()

    for name, row in result["operations"].items():
        assert row["ok"] > 0 and row["errors"] == 0, (name, row["first_error"], row)  # an edit may meet a concurrent one: 409
    assert result["total"]["requests"] == sum(row["ok"] + row["conflicts"] for row in result["operations"].values())
