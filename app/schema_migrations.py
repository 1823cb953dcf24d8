"""Running the Alembic migrations from code (CLI start-up, tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from app.config import PROJECT_ROOT


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["configure_logger"] = False
    return config


class BrokenReferences(RuntimeError):
    """A migration left rows pointing at rows that are gone (rolled back: nothing was changed)."""


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to `revision` on the given engine."""
    config = alembic_config()
    with migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@contextmanager
def migrating(engine: Engine) -> Iterator[Connection]:
    """One transaction for the migrations. On SQLite with foreign keys off while they run: SQLite alters a
    table by copying it and dropping the old one, and with foreign keys on that DROP deletes (or nulls)
    every row that references the table (0018 lost every topic synonym and tag that way); the
    references are checked before the commit instead."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.driver_connection  # not through SQLAlchemy: that would BEGIN first
        if sqlite:
            raw.execute("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    _check_references(connection)
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")


def _check_references(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise BrokenReferences(f"The migration would leave {len(broken)} rows of {', '.join(tables)} pointing at "
                               "rows that do not exist; nothing was changed.")


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads
