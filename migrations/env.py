"""Alembic environment: runs migrations on the service's configured database (or a given connection)."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from app.config import Settings
from app.db import make_engine
from app.metadata import load_models
from app.schema_migrations import migrating

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = load_models().metadata


def run_migrations_offline() -> None:
    context.configure(url=Settings().sqlalchemy_url, target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(Settings())
    try:
        with migrating(engine) as connection:  # on SQLite: foreign keys off while tables are copied
            _run(connection)
    finally:
        engine.dispose()


def _run(connection) -> None:
    # render_as_batch: SQLite can only ALTER tables by copying them; batch mode does that for us.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
