"""`mature restore FILE`: put a backup into an empty database (SQLite or PostgreSQL), in one transaction.

Checked before anything is written: the archive's format, every member's checksum and row count,
and that its schema revision is the one this version of the code runs. Then the database is migrated
to that revision, the rows go in (parents first; references that point forward are filled in at
the end), PostgreSQL's id sequences are moved past the restored ids, and the search index is
rebuilt from the restored pages. Servers build their RDF store from the database when they start.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Table,
    bindparam,
    func,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError

from app.config import Settings
from app.db import WRITE_OPTION
from app.operations import archive
from app.operations.backup import tables
from app.schema_migrations import alembic_config, upgrade

Progress = Callable[[int, int, str], None]


@dataclass
class RestoreReport:
    tables: int
    rows: int
    revision: str
    indexed_pages: int = 0
    load_seconds: float = 0.0
    index_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def read_manifest(source: zipfile.ZipFile) -> dict[str, Any]:
    """The manifest, once the archive's format and every checksum are verified."""
    try:
        manifest = json.loads(source.read(archive.MANIFEST))
    except KeyError:
        raise archive.ArchiveError("This file has no manifest.json: it is not a `mature backup` archive.") from None
    if manifest.get("format") != archive.FORMAT or manifest.get("version") != archive.FORMAT_VERSION:
        raise archive.ArchiveError(f"Unknown archive format {manifest.get('format')!r} version "
                                   f"{manifest.get('version')!r}; this version reads {archive.FORMAT} "
                                   f"version {archive.FORMAT_VERSION}.")
    for entry in manifest["tables"]:
        digest, rows = hashlib.sha256(), 0
        with source.open(entry["file"]) as member:
            for line in member:
                digest.update(line)
                rows += 1
        if digest.hexdigest() != entry["sha256"] or rows != entry["rows"]:
            raise archive.ArchiveError(f"{entry['file']} is damaged (checksum or row count differs from the "
                                       "manifest); nothing was restored. Use another copy of the backup.")
    for entry in manifest["files"]:
        if hashlib.sha256(source.read(entry["name"])).hexdigest() != entry["sha256"]:
            raise archive.ArchiveError(f"{entry['name']} is damaged; nothing was restored.")
    return manifest


def restore_backup(engine: Engine, settings: Settings, source_path: Path, force: bool = False,
                   progress: Progress | None = None) -> RestoreReport:
    """Restore the archive; refuses a database that holds data unless `force` (which replaces it)."""
    if not zipfile.is_zipfile(source_path):
        raise archive.ArchiveError(f"{source_path} is not a `mature backup` archive (not a zip file).")
    with zipfile.ZipFile(source_path) as source:
        manifest = read_manifest(source)
        _check_revision(manifest["schema_revision"])
        _check_secret_key_file(settings, source, manifest, force)
        upgrade(engine, manifest["schema_revision"])
        schema = {table.name: table for table in tables()}
        _check_tables(manifest, schema)
        started = time.perf_counter()
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as connection, connection.begin():
            occupied = _occupied(connection, schema.values())
            if occupied and not force:
                raise archive.ArchiveError(
                    "The database already holds data (" + ", ".join(occupied[:8]) + "); restore only fills an "
                    "empty database. Point MATURE_DATABASE_URL at a new one, or pass --force to replace "
                    "everything in it.")
            if occupied:
                _empty(connection, list(schema.values()))
            try:
                rows = _load(connection, source, manifest, schema, progress)
            except (DBAPIError, KeyError, ValueError) as exc:  # the transaction rolls back: nothing is kept
                raise archive.ArchiveError(f"The archive's rows do not fit this database ({type(exc).__name__}: "
                                           f"{str(exc).splitlines()[0][:300]}); nothing was restored.") from exc
            _reset_sequences(connection, schema.values())
        report = RestoreReport(len(manifest["tables"]), rows, manifest["schema_revision"],
                               load_seconds=time.perf_counter() - started)
        report.warnings += _restore_secret_key(settings, source, manifest)
    started = time.perf_counter()
    _rebuild_search_index(engine, settings, report)
    report.index_seconds = time.perf_counter() - started
    return report


def _check_revision(revision: str) -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if [revision] != list(heads):
        raise archive.ArchiveError(
            f"The backup was taken at schema revision {revision!r}; this version of MATURE-LMI runs "
            f"{', '.join(heads)!r}. Restore it with the version that made it, then upgrade that database.")


def _check_tables(manifest: dict[str, Any], schema: dict[str, Table]) -> None:
    for entry in manifest["tables"]:
        table = schema.get(entry["name"])
        if table is None or set(entry["columns"]) - set(table.columns.keys()):
            raise archive.ArchiveError(f"The archive's table {entry['name']!r} does not match this schema.")


def _occupied(connection: Connection, schema: Any) -> list[str]:
    return [table.name for table in schema
            if connection.scalar(select(func.count()).select_from(table)) and table.name != "alembic_version"]


def _forward_columns(table: Table, order: dict[str, int]) -> list[Column[Any]]:
    """Columns referring to a table restored later, or to their own table (parents and children of one table)."""
    return [column for column in table.columns for fk in column.foreign_keys
            if order[fk.column.table.name] >= order[table.name]]


def _empty(connection: Connection, schema: list[Table]) -> None:
    """--force: clear every table, breaking the reference cycles first."""
    order = {table.name: n for n, table in enumerate(schema)}
    for table in schema:
        forward = _forward_columns(table, order)
        if forward:
            connection.execute(update(table).values({column.name: None for column in forward}))
    for table in reversed(schema):
        connection.execute(table.delete())


def _rows(source: zipfile.ZipFile, entry: dict[str, Any]) -> Iterator[list[Any]]:
    with source.open(entry["file"]) as member:
        for line in member:
            yield json.loads(line)


def _load(connection: Connection, source: zipfile.ZipFile, manifest: dict[str, Any], schema: dict[str, Table],
          progress: Progress | None) -> int:
    """Insert every row; a reference to a row not yet there is set afterwards, once every row exists."""
    order = {name: n for n, name in enumerate(schema)}
    later: list[tuple[Table, Column[Any], list[dict[str, Any]]]] = []
    total = 0
    entries = sorted(manifest["tables"], key=lambda entry: order[entry["name"]])
    for done, entry in enumerate(entries):
        table = schema[entry["name"]]
        columns = [table.columns[name] for name in entry["columns"]]
        forward = _forward_columns(table, order)
        pending: dict[str, list[dict[str, Any]]] = {column.name: [] for column in forward}
        key = list(table.primary_key.columns)
        seen: set[Any] = set()
        batch: list[dict[str, Any]] = []
        for values in _rows(source, entry):
            row = {column.name: archive.decode(column, value) for column, value in zip(columns, values, strict=True)}
            for column in forward:
                target = row[column.name]
                fk = next(iter(column.foreign_keys))
                if target is not None and not (fk.column.table is table and target in seen):
                    pending[column.name].append({"_key_" + k.name: row[k.name] for k in key} | {"_value": target})
                    row[column.name] = None
            if len(key) == 1:
                seen.add(row[key[0].name])
            batch.append(row)
            if len(batch) >= archive.CHUNK_ROWS:
                connection.execute(table.insert(), batch)
                batch = []
            total += 1
        if batch:
            connection.execute(table.insert(), batch)
        later += [(table, column, pending[column.name]) for column in forward if pending[column.name]]
        if progress:
            progress(done + 1, len(entries), table.name)
    for table, column, values in later:
        condition = [k == bindparam("_key_" + k.name) for k in table.primary_key.columns]
        statement = update(table).where(*condition).values({column.name: bindparam("_value")})
        for start in range(0, len(values), archive.CHUNK_ROWS):
            connection.execute(statement, values[start:start + archive.CHUNK_ROWS])
    return total


def _reset_sequences(connection: Connection, schema: Any) -> None:
    """PostgreSQL hands out ids from sequences the inserts did not move; start them after the restored ids."""
    if connection.dialect.name != "postgresql":
        return  # SQLite takes the next rowid from the table itself
    quote = connection.dialect.identifier_preparer.quote
    for table in schema:
        for column in table.primary_key.columns:
            sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                         {"table": quote(table.name), "column": column.name})
            if sequence is None:
                continue
            connection.execute(text(f"SELECT setval(:sequence, COALESCE((SELECT MAX({quote(column.name)}) "
                                    f"FROM {quote(table.name)}), 0) + 1, false)"), {"sequence": sequence})


def _key_path(settings: Settings) -> Path:
    return settings.data_dir / "secret_key"


def _check_secret_key_file(settings: Settings, source: zipfile.ZipFile, manifest: dict[str, Any],
                           force: bool) -> None:
    """Refuse, before touching the database, to replace a different development key without --force."""
    if settings.secret_key is not None or archive.SECRET_KEY_MEMBER not in source.namelist():
        return
    path = _key_path(settings)
    if path.exists() and path.read_bytes().strip() != source.read(archive.SECRET_KEY_MEMBER).strip() and not force:
        raise archive.ArchiveError(f"{path} holds a different secret key than the backup's; pass --force to "
                                   "replace it (tokens issued with the current key then stop working).")


def _restore_secret_key(settings: Settings, source: zipfile.ZipFile, manifest: dict[str, Any]) -> list[str]:
    """Put the development key back; with MATURE_SECRET_KEY set, warn if it is not the backup's key."""
    if settings.secret_key is None and archive.SECRET_KEY_MEMBER in source.namelist():
        path = _key_path(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)  # created anew below, owner-only before the key is written
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as key_file:
            key_file.write(source.read(archive.SECRET_KEY_MEMBER))
    if settings.secret_key is None and settings.env == "production":
        return ["MATURE_SECRET_KEY is not set: servers refuse to start in production without it. Set it to the "
                "key in use when the backup was taken, or access tokens from before will not work."]
    if archive.key_fingerprint(settings.resolved_secret_key()) != manifest["secret_key_fingerprint"]:
        return ["The secret key differs from the one in use when the backup was taken: passwords still work, "
                "but access tokens and webhook signatures from before do not. Set MATURE_SECRET_KEY to the "
                "old key to keep them."]
    return []


def _rebuild_search_index(engine: Engine, settings: Settings, report: RestoreReport) -> None:
    """The index is derived: throw away whatever is on disk and build it from the restored pages."""
    from app.db import Database
    from app.search.index import PageIndex
    from app.search.indexer import Indexer

    shutil.rmtree(settings.data_dir / "search", ignore_errors=True)
    index = PageIndex(settings.data_dir / "search")
    try:
        report.indexed_pages = Indexer(Database(engine), index).rebuild()
    finally:
        index.close()
