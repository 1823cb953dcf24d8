"""The schema comes only from Alembic: models and migrations must agree, and downgrades work."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from app import schema_migrations
from app.config import Settings
from app.db import make_engine
from app.metadata import load_models
from tests.conftest import fresh_database_url, settings_for


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, load_models().metadata)
    assert differences == [], f"models and migrations disagree; write a migration for: {differences}"


def test_upgrade_downgrade_upgrade_round_trip(backend: str, tmp_path, request: pytest.FixtureRequest) -> None:
    url = fresh_database_url(backend, tmp_path, request)
    engine = make_engine(settings_for(url, tmp_path))
    try:
        schema_migrations.upgrade(engine)
        assert schema_migrations.is_current(engine)
        assert {"user", "space", "page", "revision", "change_log"} <= set(inspect(engine).get_table_names())
        schema_migrations.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        schema_migrations.upgrade(engine)
        assert schema_migrations.is_current(engine)
    finally:
        engine.dispose()


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path) -> None:
    engine = make_engine(Settings(env="test", data_dir=tmp_path, secret_key="x" * 40))
    try:
        with engine.connect() as connection:
            pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") == 10_000
        assert (tmp_path / "mature.db").exists()
    finally:
        engine.dispose()
