"""How long a real SKOS vocabulary takes to import and export: STW's economics part (3,302 concepts, 42,841
triples, tests/people/data/stw-economics.ttl.gz).

Run from the project root with the project's virtualenv (also against an older checkout, for a before figure:
PYTHONPATH=<that checkout> .venv/bin/python bench/skos_import.py):

    .venv/bin/python bench/skos_import.py [--repeat 3]

Into a fresh, migrated SQLite database and a throwaway PostgreSQL (tests/postgres.py, when installed):
parse, import (after seeding ontology/topics.ttl), a second import of the same file (all matched by IRI),
and the Turtle export. Prints the best of --repeat runs per step, in seconds.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import schema_migrations  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.topics import skos  # noqa: E402

STW = ROOT / "tests" / "people" / "data" / "stw-economics.ttl.gz"
SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"


def export_turtle(session: Session) -> bytes:
    if hasattr(skos, "serialize_scheme"):
        return skos.serialize_scheme(session, "turtle")
    return skos.export_graph(session).serialize(format="turtle", encoding="utf-8")  # before Oxigraph export


def one_run(url: str, data_dir: Path, body: bytes) -> dict[str, float]:
    settings = Settings(env="development", database_url=url, data_dir=data_dir, secret_key=SECRET)
    engine = make_engine(settings)
    schema_migrations.upgrade(engine)
    times: dict[str, float] = {}

    def timed(step: str, work: Any) -> Any:
        started = time.perf_counter()
        result = work()
        times[step] = time.perf_counter() - started
        return result

    try:
        with Session(engine) as session:
            skos.seed(session)
            parsed = timed("parse", lambda: skos.parse(body, "text/turtle"))
            report = timed("import", lambda: (skos.import_scheme(session, None, parsed), session.flush())[0])
            times["created"] = report.created
            timed("import again", lambda: (skos.import_scheme(session, None, parsed), session.flush()))
            times["bytes"] = len(timed("export turtle", lambda: export_turtle(session)))
            session.rollback()
    finally:
        engine.dispose()
    return times


def report(label: str, runs: list[dict[str, float]]) -> None:
    steps = ("parse", "import", "import again", "export turtle")
    best = {step: min(run[step] for run in runs) for step in steps}
    print(f"{label}: " + ", ".join(f"{step} {best[step]:.2f} s" for step in steps)
          + f" ({int(runs[0]['created']):,} topics created, export {runs[0]['bytes'] / 1e6:.1f} MB)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    body = gzip.decompress(STW.read_bytes())
    root = Path(tempfile.mkdtemp(prefix="mature-bench-skos-"))
    report("SQLite", [one_run(f"sqlite:///{root / f'run{i}.db'}", root, body) for i in range(args.repeat)])
    from tests import postgres

    try:
        server = postgres.start_server()
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"PostgreSQL: skipped ({exc})")
        return
    try:
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for i in range(args.repeat):
                connection.execute(text(f'CREATE DATABASE "skos{i}"'))
        admin.dispose()
        report("PostgreSQL", [one_run(server.url(f"skos{i}"), root, body) for i in range(args.repeat)])
    finally:
        server.stop()


if __name__ == "__main__":
    main()
