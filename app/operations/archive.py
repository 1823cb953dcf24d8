"""The backup archive: a zip of one JSON-lines file per table, the data-dir files that cannot be
rebuilt, and a manifest with the schema revision, row counts and checksums.

Why not pg_dump / sqlite3 .backup: those tie a backup to one database engine, while this service
runs on both and teams move from SQLite to PostgreSQL as they grow. Values are written in a neutral
form (ISO 8601 UTC times, enum names, JSON as JSON), so one archive restores into either.
"""

from __future__ import annotations

import base64
import enum
import hashlib
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.types import JSON, Date, DateTime, Enum, LargeBinary

FORMAT = "mature-lmi-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SECRET_KEY_MEMBER = "data/secret_key"
CHUNK_ROWS = 1000


class ArchiveError(Exception):
    """The archive is not a backup this version can restore, or the target refuses it; says why."""


def table_member(table: Table) -> str:
    return f"tables/{table.name}.jsonl"


def key_fingerprint(secret_key: str) -> str:
    """Identifies a secret key without revealing it, so restore can tell whether tokens will still work."""
    return hashlib.sha256(b"mature-lmi secret key fingerprint\0" + secret_key.encode()).hexdigest()[:16]


def encode(column: Column[Any], value: Any) -> Any:
    """A column value as JSON, the same whichever database it came from."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def decode(column: Column[Any], value: Any) -> Any:
    """Back from `encode`, as the column's type expects it."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return kind.enum_class[value]
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    if isinstance(kind, JSON):
        return value
    return value
