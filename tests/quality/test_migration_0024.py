"""Migration 0024 keeps what was there: existing approvals stay reference approvals, stored maturities say
whether a colleague's rating counts (an author's own rating is no assessment), and the downgrade keeps the rest."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app import schema_migrations
from app.db import make_engine
from tests.conftest import fresh_database_url, settings_for

AT = "'2026-11-30 10:00:00'"


def _seed(connection) -> None:
    """Two users, one space, two pages with a revision each by user 1: page 1 rated by user 2 (a colleague),
    page 2 rated only by its author; page 1 approved."""
    run = lambda sql: connection.execute(text(sql))  # noqa: E731
    run(f"""INSERT INTO "user" (id, username, display_name, role, is_active, created_at) VALUES
            (1, 'ann', 'Ann', 'adviser', true, {AT}), (2, 'bo', 'Bo', 'manager', true, {AT})""")
    run(f"""INSERT INTO space (id, key, name, description, kind, visibility, created_at)
            VALUES (1, 'lmi', 'LMI', '', 'organisation', 'organisation', {AT})""")
    for page in (1, 2):
        run(f"""INSERT INTO page (id, space_id, title, title_key, created_by_id, created_at, updated_at)
                VALUES ({page}, 1, 'P{page}', 'p{page}', 1, {AT}, {AT})""")
        run(f"""INSERT INTO revision (id, page_id, number, title, content, categories, summary, minor, kind,
                                      author_id, created_at, size)
                VALUES ({page}, {page}, 1, 'P{page}', 'text', '[]', '', false, 'create', 1, {AT}, 4)""")
        run(f"""INSERT INTO page_maturity (page_id, score, confidence, phase, contributions, approved_differs,
                                           computed_at) VALUES ({page}, 30, 0, 'distributing', '[]', false, {AT})""")
    run(f"""INSERT INTO rating (id, page_id, revision_id, rater_id, reliability, comment, anonymous, created_at)
            VALUES (1, 1, 1, 2, 4, '', false, {AT}), (2, 2, 2, 1, 5, '', false, {AT})""")
    run(f"""INSERT INTO approval (id, page_id, revision_id, approved_by_id, approved_at, note)
            VALUES (1, 1, 1, 2, {AT}, 'Checked')""")


def test_existing_rows_survive_0024_and_its_downgrade(backend: str, tmp_path, request: pytest.FixtureRequest) -> None:
    engine = make_engine(settings_for(fresh_database_url(backend, tmp_path, request), tmp_path))
    try:
        schema_migrations.upgrade(engine, "0018")
        with engine.begin() as connection:
            _seed(connection)
        schema_migrations.upgrade(engine, "0024")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT id, kind, note FROM approval")).all() == [(1, "reference", "Checked")]
            rows = connection.execute(text(
                "SELECT page_id, assessed, score, phase_reason FROM page_maturity ORDER BY page_id")).all()
            assert [(r[0], bool(r[1]), r[2], r[3]) for r in rows] == [(1, True, 30, ""), (2, False, 30, "")]
            assert connection.execute(text("SELECT count(*) FROM client_use")).scalar() == 0
        with engine.begin() as connection:
            connection.execute(text(f"INSERT INTO client_use (page_id, user_id, day, created_at) "
                                    f"VALUES (1, 2, '2026-11-30', {AT})"))
            connection.execute(text(f"""INSERT INTO approval (id, page_id, revision_id, approved_by_id, approved_at,
                                        note, kind, withdrawn_at) VALUES (2, 2, 2, 2, {AT}, '', 'trial', {AT})"""))
        with pytest.raises(IntegrityError), engine.begin() as connection:   # only the two kinds
            connection.execute(text(f"""INSERT INTO approval (id, page_id, revision_id, approved_by_id, approved_at,
                                        note, kind, withdrawn_at) VALUES (3, 2, 2, 2, {AT}, '', 'pilot', {AT})"""))
        schema_migrations.downgrade(engine, "0018")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT id, note FROM approval")).all() == [(1, "Checked")]
            assert connection.execute(text("SELECT count(*) FROM rating")).scalar() == 2
            assert connection.execute(text("SELECT count(*) FROM page_maturity")).scalar() == 2
    finally:
        engine.dispose()
