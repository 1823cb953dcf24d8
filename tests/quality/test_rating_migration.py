"""Migration 0019 (equality, overall judgement, issues) keeps every existing rating as it was, both ways."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import schema_migrations
from app.db import make_engine
from tests.conftest import fresh_database_url, settings_for
from tests.factories import make_page, make_space, make_user

OLD_COLUMNS = "currency, reliability, relevance, impartiality, accessibility, comprehensiveness, comment, anonymous"


def test_existing_ratings_survive_0019_and_gain_no_scores(backend: str, tmp_path,
                                                          request: pytest.FixtureRequest) -> None:
    engine = make_engine(settings_for(fresh_database_url(backend, tmp_path, request), tmp_path))
    try:
        schema_migrations.upgrade(engine)
        with Session(engine) as session:
            author, rater = make_user(session), make_user(session)
            page = make_page(session, author, make_space(session, author))
            ids = (page.id, page.current_revision_id, rater.id)
        schema_migrations.downgrade(engine, "0018")          # the schema before issue 20's ratings
        with engine.begin() as connection:
            connection.execute(text(
                f"INSERT INTO rating (page_id, revision_id, rater_id, {OLD_COLUMNS}, created_at, superseded_at) VALUES "
                "(:page, :revision, :rater, 4, 5, NULL, 2, NULL, 3, 'Sound figures', false, '2026-11-30 10:00:00', NULL),"
                "(:page, :revision, :rater, 1, NULL, NULL, NULL, NULL, NULL, '', true, '2026-11-29 10:00:00', "
                "'2026-11-30 10:00:00')"),
                {"page": ids[0], "revision": ids[1], "rater": ids[2]})
            before = connection.execute(text(f"SELECT id, {OLD_COLUMNS} FROM rating ORDER BY id")).all()
        schema_migrations.upgrade(engine)
        with engine.connect() as connection:
            after = connection.execute(text(f"SELECT id, {OLD_COLUMNS} FROM rating ORDER BY id")).all()
            added = connection.execute(text("SELECT equality, overall, issue FROM rating ORDER BY id")).all()
        assert after == before
        assert [tuple(row) for row in added] == [(None, None, False), (None, None, False)]
        # the 1-5 rule holds for the new columns
        with pytest.raises(IntegrityError, match=r"(?i)check|constraint"), engine.begin() as connection:
            connection.execute(text("UPDATE rating SET equality = 6"))
    finally:
        engine.dispose()


def test_0023_takes_anonymous_raters_out_of_the_log_and_keeps_named_ones(backend: str, tmp_path,
                                                                         request: pytest.FixtureRequest) -> None:
    engine = make_engine(settings_for(fresh_database_url(backend, tmp_path, request), tmp_path))
    try:
        schema_migrations.upgrade(engine)
        with Session(engine) as session:
            author, hidden, named = make_user(session), make_user(session), make_user(session)
            page = make_page(session, author, make_space(session, author))
            ids = {"page": page.id, "revision": page.current_revision_id, "hidden": hidden.id, "named": named.id}
        schema_migrations.downgrade(engine, "0022")          # the log as it was written before 0023
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO rating (page_id, revision_id, rater_id, overall, comment, anonymous, issue, created_at) "
                "VALUES (:page, :revision, :hidden, 3, '', true, false, '2026-11-30 10:00:00'),"
                "       (:page, :revision, :named, 4, '', false, false, '2026-11-30 10:00:00')"), ids)
            for kind, rater in (("page.rated", "hidden"), ("page.rating_withdrawn", "hidden"), ("page.rated", "named"),
                                ("page.edited", "hidden")):
                connection.execute(text(
                    "INSERT INTO change_log (at, kind, actor_id, page_id, summary, minor, details) "
                    "VALUES ('2026-11-30 10:00:00', :kind, :actor, :page, '', true, '{}')"),
                    {"kind": kind, "actor": ids[rater], "page": ids["page"]})
        schema_migrations.upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT kind, actor_id FROM change_log WHERE page_id = :page "
                                           "AND kind <> 'page.created' ORDER BY id"), ids).all()
        assert [tuple(r) for r in rows] == [("page.rated", None), ("page.rating_withdrawn", None),
                                            ("page.rated", ids["named"]), ("page.edited", ids["hidden"])]
    finally:
        engine.dispose()
