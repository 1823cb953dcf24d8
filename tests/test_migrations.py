"""The schema comes only from Alembic: models and migrations must agree, and downgrades work."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

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


def test_rows_referencing_a_copied_table_survive_the_migrations(backend: str, tmp_path,
                                                               request: pytest.FixtureRequest) -> None:
    """SQLite alters a table by copying it: with foreign keys on, dropping the old copy deleted every row
    pointing at it (0018 copies topic_concept: every synonym went). The control: foreign keys are on after."""
    engine = make_engine(settings_for(fresh_database_url(backend, tmp_path, request), tmp_path))
    try:
        schema_migrations.upgrade(engine, "0017")
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO topic_concept (iri, label, label_key, definition, status, created_at, updated_at) "
                "VALUES ('https://w3id.org/mature-lmi/topics/t', 'T Levels', 't levels', '', 'concept', "
                "'2026-11-30 10:00:00', '2026-11-30 10:00:00')"))
            connection.execute(text("INSERT INTO topic_label (concept_id, label, label_key) "
                                    "SELECT id, 'Technical levels', 'technical levels' FROM topic_concept"))
        schema_migrations.upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT label FROM topic_label")).scalars().all() == ["Technical levels"]
            if backend == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_a_migration_that_would_break_references_on_sqlite_changes_nothing(tmp_path) -> None:
    """With foreign keys off while migrating, the references are checked before the commit instead."""
    engine = make_engine(settings_for(f"sqlite:///{tmp_path / 'broken.db'}", tmp_path))
    try:
        schema_migrations.upgrade(engine)
        with pytest.raises(schema_migrations.BrokenReferences, match="topic_label"), \
                schema_migrations.migrating(engine) as connection:
            connection.exec_driver_sql("INSERT INTO topic_label (concept_id, label, label_key) VALUES (999, 'x', 'x')")
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM topic_label").scalar() == 0
    finally:
        engine.dispose()
