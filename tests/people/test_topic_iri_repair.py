"""Migration 0015 repairs topics stored before the import refused bad IRIs (they broke the export for everyone),
and its downgrade puts them back."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app import schema_migrations
from app.db import make_engine
from tests.conftest import fresh_database_url, settings_for

INSERT = text("INSERT INTO topic_concept (iri, label, label_key, definition, status, created_at, updated_at) "
              "VALUES (:iri, :label, :key, '', 'concept', '2026-11-30 10:00:00', '2026-11-30 10:00:00')")
GOOD = "https://w3id.org/mature-lmi/topics/apprenticeships"


def test_bad_stored_iris_get_new_ones_and_the_downgrade_restores_them(backend, tmp_path,
                                                                      request: pytest.FixtureRequest) -> None:
    engine = make_engine(settings_for(fresh_database_url(backend, tmp_path, request), tmp_path))
    try:
        schema_migrations.upgrade(engine, "0013")
        with engine.begin() as connection:
            for iri, label in (("conceptA", "Careers advice"), ("file:///srv/mature/conceptB", "Careers advice B"),
                               (GOOD, "Apprenticeships")):
                connection.execute(INSERT, {"iri": iri, "label": label, "key": label.lower()})
        schema_migrations.upgrade(engine)
        with engine.connect() as connection:
            iris = dict(connection.execute(text("SELECT label, iri FROM topic_concept")).all())
            log = connection.execute(text("SELECT summary FROM topic_change WHERE action = 'iri.repaired'")).scalars()
            assert len(list(log)) == 2
        assert iris == {"Careers advice": "https://w3id.org/mature-lmi/topics/careers-advice",
                        "Careers advice B": "https://w3id.org/mature-lmi/topics/careers-advice-b",
                        "Apprenticeships": GOOD}  # the control: a good IRI is left alone
        schema_migrations.downgrade(engine, "0013")
        with engine.connect() as connection:
            assert dict(connection.execute(text("SELECT label, iri FROM topic_concept")).all()) == {
                "Careers advice": "conceptA", "Careers advice B": "file:///srv/mature/conceptB",
                "Apprenticeships": GOOD}
    finally:
        engine.dispose()
