"""`mature reports snapshot --as MANAGER`: the nightly snapshot of every profile, on a fresh data folder."""

from __future__ import annotations

from sqlalchemy import func, select

from app.config import Settings
from app.db import Database, make_engine, utcnow
from app.reports.models import ReportSnapshot, SkillsProfile
from tests.conftest import run_cli as run


def test_nightly_snapshot_of_every_profile(env):
    assert run("db", "upgrade").exit_code == 0
    assert run("user", "add", "boss", "--role", "manager", stdin="a long password\n").exit_code == 0
    assert run("user", "add", "ann", stdin="a long password\n").exit_code == 0
    database = Database(make_engine(Settings()))
    try:
        with database.transaction() as session:
            now = utcnow()
            session.add_all(SkillsProfile(name=name, description="", created_at=now, updated_at=now)
                            for name in ("Organisation", "Spring"))
        refused = run("reports", "snapshot", "--as", "ann")
        assert refused.exit_code != 0 and "not an active manager or admin" in refused.output
        taken = run("reports", "snapshot", "--as", "boss")
        assert taken.exit_code == 0, taken.output
        assert "took 2 snapshots" in taken.output
        with database.transaction(write=False) as session:
            rows = session.execute(select(ReportSnapshot.taken_by_id, func.count()).group_by(
                ReportSnapshot.taken_by_id)).all()
        assert rows == [(None, 2)]
    finally:
        database.dispose()
