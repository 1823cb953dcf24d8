"""`mature backup FILE`: the whole service state in one archive, safe to take while servers run.

Every table is read in one snapshot (REPEATABLE READ on PostgreSQL, one read transaction on
SQLite's WAL), so the archive is consistent even while advisers keep saving. The search index and
the RDF store are not in it: they are derived from the database and rebuilt on restore.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, Table, select

from app import __version__
from app.config import Settings
from app.metadata import load_models
from app.operations import archive
from app.schema_migrations import is_current

Progress = Callable[[int, int, str], None]  # (tables done, tables, table name)


@dataclass(frozen=True)
class BackupReport:
    tables: int
    rows: int
    revision: str
    secret_key_included: bool


def tables() -> list[Table]:
    """Every table of the schema, parents before children."""
    return list(load_models().metadata.sorted_tables)


def write_backup(engine: Engine, settings: Settings, target: Path, progress: Progress | None = None) -> BackupReport:
    """Write the archive to `target` (via a temporary file, so a failed backup never leaves half a file)."""
    if not is_current(engine):
        raise archive.ArchiveError("The database is not at the newest migration; run `mature db upgrade` first.")
    partial = target.with_name(target.name + ".partial")
    all_tables = tables()
    manifest_tables = []
    # Owner-only from the first byte: the archive holds password hashes, token hashes and the secret key.
    partial.unlink(missing_ok=True)  # a leftover from a failed run may have looser permissions
    private = os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
    with private, _snapshot(engine) as connection, zipfile.ZipFile(private, "w", zipfile.ZIP_DEFLATED) as zipped:
        revision = MigrationContext.configure(connection).get_current_revision() or ""
        for done, table in enumerate(all_tables):
            manifest_tables.append(_write_table(connection, table, zipped))
            if progress:
                progress(done + 1, len(all_tables), table.name)
        key_file = _secret_key_file(settings)
        files = []
        if key_file is not None:
            content = key_file.read_bytes()
            zipped.writestr(archive.SECRET_KEY_MEMBER, content)
            files.append({"name": archive.SECRET_KEY_MEMBER, "sha256": hashlib.sha256(content).hexdigest()})
        manifest = {
            "format": archive.FORMAT, "version": archive.FORMAT_VERSION, "app_version": __version__,
            "created_at": datetime.now(UTC).isoformat(), "schema_revision": revision,
            "source_dialect": engine.dialect.name, "tables": manifest_tables, "files": files,
            "secret_key_fingerprint": archive.key_fingerprint(settings.resolved_secret_key()),
        }
        zipped.writestr(archive.MANIFEST, json.dumps(manifest, indent=2))
    partial.replace(target)
    return BackupReport(len(all_tables), sum(t["rows"] for t in manifest_tables), revision, key_file is not None)


class _snapshot:
    """One read-only transaction that sees a single moment of the database."""

    def __init__(self, engine: Engine) -> None:
        options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
        self.connection = engine.connect().execution_options(**options)

    def __enter__(self) -> Connection:
        self.transaction = self.connection.begin()
        if self.connection.dialect.name == "postgresql":
            self.connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.transaction.rollback()
        self.connection.close()


def _write_table(connection: Connection, table: Table, zipped: zipfile.ZipFile) -> dict:
    """One JSON array per row, columns in the manifest's order, rows in primary-key order."""
    columns = list(table.columns)
    digest = hashlib.sha256()
    rows = 0
    query = select(*columns).order_by(*table.primary_key.columns)
    result = connection.execution_options(stream_results=True, yield_per=archive.CHUNK_ROWS).execute(query)
    with zipped.open(archive.table_member(table), "w", force_zip64=True) as member:
        for row in result:
            line = (json.dumps([archive.encode(c, v) for c, v in zip(columns, row, strict=True)],
                               ensure_ascii=False, separators=(",", ":")) + "\n").encode()
            member.write(line)
            digest.update(line)
            rows += 1
    return {"name": table.name, "file": archive.table_member(table), "columns": [c.name for c in columns],
            "rows": rows, "sha256": digest.hexdigest()}


def _secret_key_file(settings: Settings) -> Path | None:
    """The development key kept in DATA_DIR; with MATURE_SECRET_KEY set, the operator keeps the key."""
    if settings.secret_key is not None:
        return None
    settings.resolved_secret_key()  # creates it if this database never had a server
    path = settings.data_dir / "secret_key"
    return path if path.exists() else None
