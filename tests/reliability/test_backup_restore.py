"""`mature backup` / `mature restore` round-trip the whole service state between SQLite and PostgreSQL:
every table equal, old passwords and tokens still sign in, search finds the pages, new ids do not clash."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, select

from app import schema_migrations
from app.cli import main
from app.config import Settings
from app.db import Database, make_engine
from app.demo.loader import load_demo
from app.main import create_app
from app.operations import archive
from app.operations.backup import tables

DEMO_PASSWORD = "mature-demo"


@dataclass
class Service:
    """One deployment: a database and a data folder, configured as the CLI sees them."""

    url: str
    data_dir: Path

    def env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("MATURE_DATABASE_URL", self.url)
        monkeypatch.setenv("MATURE_DATA_DIR", str(self.data_dir))
        monkeypatch.setenv("MATURE_ENV", "development")  # the secret key lives in the data folder
        monkeypatch.delenv("MATURE_SECRET_KEY", raising=False)

    def settings(self) -> Settings:
        return Settings(env="development", database_url=self.url, data_dir=self.data_dir, search_indexing=False,
                        webhook_delivery=False)

    def engine(self) -> Engine:
        return make_engine(self.settings())


def new_service(backend: str, tmp_path: Path, request: pytest.FixtureRequest, name: str) -> Service:
    from tests.conftest import fresh_database_url

    data_dir = tmp_path / name
    data_dir.mkdir()
    return Service(fresh_database_url(backend, data_dir, request), data_dir)


def run(monkeypatch: pytest.MonkeyPatch, service: Service, *args: str):
    service.env(monkeypatch)
    return CliRunner().invoke(main, list(args))


def used_service(service: Service) -> dict[str, str]:
    """The demo organisation, then a day's use through the API; returns tokens issued along the way."""
    database = Database(service.engine())
    schema_migrations.upgrade(database.engine)
    with database.transaction() as session:
        load_demo(session, lambda *_: None)
    database.dispose()
    with TestClient(create_app(service.settings())) as client:
        login = client.post("/api/auth/token", json={"username": "alice", "password": DEMO_PASSWORD})
        assert login.status_code == 200, login.text
        session_token = login.json()["access_token"]
        auth = {"Authorization": f"Bearer {session_token}"}
        personal = client.post("/api/tokens", headers=auth, json={"name": "intranet widget", "expires_in_days": 90})
        assert personal.status_code == 201, personal.text
        first = client.get("/api/pages", params={"limit": 1}, headers=auth).json()["items"][0]["id"]
        rated = client.put(f"/api/pages/{first}/ratings/mine", headers=auth, json={"scores": {"reliability": 4}})
        assert rated.status_code == 200, rated.text
        followed = client.post("/api/follows", headers=auth, json={"kind": "page", "id": first})
        assert followed.status_code == 201, followed.text
    return {"session": session_token, "personal": personal.json()["access_token"]}


def snapshot(engine: Engine) -> dict[str, list[list[object]]]:
    """Every row of every table, in the archive's neutral encoding (so both databases compare)."""
    found = {}
    with engine.connect() as connection:
        for table in tables():
            columns = list(table.columns)
            rows = connection.execute(select(*columns).order_by(*table.primary_key.columns))
            found[table.name] = [[archive.encode(c, v) for c, v in zip(columns, row, strict=True)] for row in rows]
    return found


@pytest.mark.parametrize("source_backend,target_backend", [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_backup_restores_the_whole_state_into_the_other_database(source_backend, target_backend, tmp_path,
                                                                  request, monkeypatch):
    source = new_service(source_backend, tmp_path, request, "source")
    target = new_service(target_backend, tmp_path, request, "target")
    tokens = used_service(source)
    file = tmp_path / "mature.backup"

    made = run(monkeypatch, source, "backup", str(file))
    assert made.exit_code == 0, made.output
    restored = run(monkeypatch, target, "restore", str(file))
    assert restored.exit_code == 0, restored.output
    assert "warning" not in restored.output

    source_engine, target_engine = source.engine(), target.engine()
    before, after = snapshot(source_engine), snapshot(target_engine)
    source_engine.dispose()
    target_engine.dispose()
    assert {name for name, rows in before.items() if rows} >= {"access_token", "annotation", "change_log", "follow",
                                                               "page", "person_tag", "rating", "revision",
                                                               "space", "user"}
    for name in set(before) - {"search_queue"}:
        assert after[name] == before[name], f"table {name} differs after the restore"
    assert after["search_queue"] == []  # the restore rebuilt the index from every page, so nothing is left to do
    assert (target.data_dir / "secret_key").read_text() == (source.data_dir / "secret_key").read_text()

    with TestClient(create_app(target.settings())) as client:
        for token in tokens.values():
            me = client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200 and me.json()["username"] == "alice", me.text
        login = client.post("/api/auth/token", json={"username": "ben", "password": DEMO_PASSWORD})
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {tokens['personal']}"}
        found = client.get("/api/search", params={"q": "apprenticeships"}, headers=auth)
        assert found.status_code == 200 and found.json()["total"] > 0, found.text
        space_id = client.get("/api/spaces", headers=auth).json()[0]["id"]
        created = client.post("/api/pages", headers=auth, json={"space_id": space_id, "title": "After the restore",
                                                                 "content": "Written on the restored service."})
        assert created.status_code == 201, created.text  # the id sequences moved past the restored ids
        assert created.json()["id"] > max(row[0] for row in before["page"])


def test_restore_refuses_a_database_with_data_unless_forced(tmp_path, request, monkeypatch):
    source = new_service("sqlite", tmp_path, request, "source")
    used_service(source)
    file = tmp_path / "mature.backup"
    assert run(monkeypatch, source, "backup", str(file)).exit_code == 0
    engine = source.engine()
    before = snapshot(engine)
    source.env(monkeypatch)
    assert CliRunner().invoke(main, ["user", "add", "latecomer"], input="a long password\n").exit_code == 0

    refused = run(monkeypatch, source, "restore", str(file))
    assert refused.exit_code != 0 and "already holds data" in refused.output and "--force" in refused.output
    assert "latecomer" in str(snapshot(engine)["user"])
    forced = run(monkeypatch, source, "restore", "--force", str(file))
    assert forced.exit_code == 0, forced.output
    after = snapshot(engine)
    assert {**after, "search_queue": []} == {**before, "search_queue": []}  # the latecomer is gone
    engine.dispose()


def test_a_damaged_or_foreign_archive_is_refused_before_anything_is_written(tmp_path, request, monkeypatch):
    source = new_service("sqlite", tmp_path, request, "source")
    used_service(source)
    file = tmp_path / "mature.backup"
    assert run(monkeypatch, source, "backup", str(file)).exit_code == 0
    damaged = tmp_path / "damaged.backup"
    with zipfile.ZipFile(file) as original, zipfile.ZipFile(damaged, "w") as copy:
        for item in original.namelist():
            data = original.read(item)
            if item == "tables/revision.jsonl":
                assert b"apprenticeship" in data
                data = data.replace(b"apprenticeship", b"apprenticeshop", 1)
            copy.writestr(item, data)
    older = tmp_path / "older.backup"
    with zipfile.ZipFile(file) as original, zipfile.ZipFile(older, "w") as copy:
        for item in original.namelist():
            data = original.read(item)
            if item == "manifest.json":
                data = json.dumps({**json.loads(data), "schema_revision": "0003"}).encode()
            copy.writestr(item, data)
    target = new_service("sqlite", tmp_path, request, "target")

    bad = run(monkeypatch, target, "restore", str(damaged))
    assert bad.exit_code != 0 and "tables/revision.jsonl is damaged" in bad.output
    stale = run(monkeypatch, target, "restore", str(older))
    assert stale.exit_code != 0 and "revision '0003'" in stale.output
    not_ours = run(monkeypatch, target, "restore", str(tmp_path / "source" / "secret_key"))
    assert not_ours.exit_code != 0 and "not a `mature backup` archive" in not_ours.output
    engine = target.engine()
    assert inspect(engine).get_table_names() == []  # not even migrated
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_restore_that_fails_half_way_leaves_the_database_empty(backend, tmp_path, request, monkeypatch):
    """One transaction: a row the database rejects (here, a rating of a page that does not exist, in the
    last table loaded) undoes every row before it."""
    source = new_service("sqlite", tmp_path, request, "source")
    used_service(source)
    file = tmp_path / "mature.backup"
    assert run(monkeypatch, source, "backup", str(file)).exit_code == 0
    broken = tmp_path / "broken.backup"
    with zipfile.ZipFile(file) as original, zipfile.ZipFile(broken, "w") as copy:
        manifest = json.loads(original.read("manifest.json"))
        entry = next(entry for entry in manifest["tables"] if entry["name"] == "rating")
        assert manifest["tables"].index(entry) > len(manifest["tables"]) // 2  # many tables are in by then
        row = json.loads(original.read(entry["file"]).splitlines()[0])
        row[entry["columns"].index("id")] = row[entry["columns"].index("page_id")] = 999_999
        data = (json.dumps(row) + "\n").encode() + original.read(entry["file"])
        entry.update(rows=entry["rows"] + 1, sha256=hashlib.sha256(data).hexdigest())
        for item in original.namelist():
            copy.writestr(item, data if item == entry["file"] else
                          json.dumps(manifest).encode() if item == "manifest.json" else original.read(item))
    target = new_service(backend, tmp_path, request, "target")

    failed = run(monkeypatch, target, "restore", str(broken))
    assert failed.exit_code != 0 and "do not fit this database" in failed.output and "nothing was restored" in \
        failed.output, failed.output
    engine = target.engine()
    assert not any(snapshot(engine).values())
    engine.dispose()


def test_restoring_under_another_secret_key_warns_that_old_tokens_stop_working(tmp_path, request, monkeypatch):
    source = new_service("sqlite", tmp_path, request, "source")
    tokens = used_service(source)
    file = tmp_path / "mature.backup"
    assert run(monkeypatch, source, "backup", str(file)).exit_code == 0
    target = new_service("sqlite", tmp_path, request, "target")
    other_key = "a-different-production-key-0123456789-abcdef"
    target.env(monkeypatch)
    monkeypatch.setenv("MATURE_SECRET_KEY", other_key)

    restored = CliRunner().invoke(main, ["restore", str(file)])
    assert restored.exit_code == 0, restored.output
    assert "warning: The secret key differs" in restored.output and "MATURE_SECRET_KEY" in restored.output
    assert not (target.data_dir / "secret_key").exists()  # the operator's key is left in charge
    settings = Settings(env="development", database_url=target.url, data_dir=target.data_dir,
                        secret_key=other_key, search_indexing=False, webhook_delivery=False)
    with TestClient(create_app(settings)) as client:
        old = client.get("/api/users/me", headers={"Authorization": f"Bearer {tokens['personal']}"})
        assert old.status_code == 401
        login = client.post("/api/auth/token", json={"username": "alice", "password": DEMO_PASSWORD})
        assert login.status_code == 200, login.text
