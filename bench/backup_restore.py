"""How long `mature backup` and `mature restore` take, and how big the archive is, for a generated organisation.

Run from the project root with the project's virtualenv:

    .venv/bin/python bench/backup_restore.py [--scale 0.05] [--data-dir DIR]

Generates the organisation of bench/organisation.py at --scale in SQLite (without a search index),
then times: the backup of it; the restore into a fresh SQLite file; the restore into a fresh
PostgreSQL database on a throwaway server (tests/postgres.py, when PostgreSQL is installed). Each
restore includes rebuilding the search index, as the command does. Prints one line per step.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from organisation import generate  # noqa: E402  (bench/ is on sys.path when run as a script)
from sqlalchemy import create_engine, text  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.operations.backup import write_backup  # noqa: E402
from app.operations.restore import restore_backup  # noqa: E402

SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"


def timed(label: str, work):
    started = time.perf_counter()
    result = work()
    print(f"{label}: {time.perf_counter() - started:.1f} s", flush=True)
    return result


def restore_into(url: str, data_dir: Path, archive: Path, label: str) -> None:
    settings = Settings(env="development", database_url=url, data_dir=data_dir, secret_key=SECRET)
    engine = make_engine(settings)
    report = timed(label, lambda: restore_backup(engine, settings, archive))
    print(f"  {report.rows:,} rows loaded in {report.load_seconds:.1f} s, {report.indexed_pages:,} pages indexed "
          f"in {report.index_seconds:.1f} s", flush=True)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05, help="1 = 50,000 pages and 1,000,000 ratings")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    root = args.data_dir or Path(tempfile.mkdtemp(prefix="mature-bench-backup-"))
    try:
        run(root, args.scale)
    finally:
        if args.data_dir is None:
            shutil.rmtree(root, ignore_errors=True)


def run(root: Path, scale: float) -> None:
    source = root / "source"
    generate(source, scale, build_index=False, progress=lambda *_: None)
    settings = Settings(env="development", data_dir=source, secret_key=SECRET)
    engine = make_engine(settings)
    archive = root / "mature.backup"
    report = timed(f"backup (SQLite, scale {scale})", lambda: write_backup(engine, settings, archive))
    engine.dispose()
    print(f"  {report.rows:,} rows in {report.tables} tables, archive {archive.stat().st_size / 1e6:.1f} MB")
    (root / "to_sqlite").mkdir(exist_ok=True)
    restore_into(f"sqlite:///{root / 'to_sqlite' / 'mature.db'}", root / "to_sqlite", archive,
                 "restore into SQLite (with search rebuild)")
    from tests import postgres

    try:
        server = postgres.start_server()
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"restore into PostgreSQL: skipped ({exc})")
        return
    try:
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text('CREATE DATABASE "restored"'))
        admin.dispose()
        (root / "to_postgres").mkdir(exist_ok=True)
        restore_into(server.url("restored"), root / "to_postgres", archive,
                     "restore into PostgreSQL (with search rebuild)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
