"""`mature backup` / `mature restore` round-trip the whole service state between SQLite and PostgreSQL:
every table equal, old passwords and tokens still sign in, search finds the pages, new ids do not clash."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
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
from app.search.indexer import POSITION_FILE
from tests.conftest import fresh_database_url

DEMO_PASSWORD = "mature-demo"


@dataclass
class Service:
    """One deployment: a database and a data folder, configured as the CLI sees them."""

    url: str
    data_dir: Path

    def env(self) -> dict[str, str | None]:
        return {"MATURE_DATABASE_URL": self.url, "MATURE_DATA_DIR": str(self.data_dir),
                "MATURE_ENV": "development",  # the secret key lives in the data folder
                "MATURE_SECRET_KEY": None}

    def settings(self) -> Settings:
        return Settings(env="development", database_url=self.url, data_dir=self.data_dir, search_indexing=False,
                        webhook_delivery=False)

    def engine(self) -> Engine:
        return make_engine(self.settings())


@dataclass
class Backup:
    source: Service
    tokens: dict[str, str]  # issued before the backup
    file: Path
    rows: dict[str, list[list[object]]]  # the source's tables when it was taken


def new_service(backend: str, folder: Path, request: pytest.FixtureRequest) -> Service:
    folder.mkdir(parents=True)
    return Service(fresh_database_url(backend, folder, request), folder)


def run(service: Service, *args: str, **env: str | None):
    return CliRunner().invoke(main, list(args), env={**service.env(), **env})


@pytest.fixture(scope="module")
def backups(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Callable[[str], Backup]:
    """The backup of a used service on each database, made once per module (`mature backup` while idle)."""
    made: dict[str, Backup] = {}

    def backup_of(backend: str) -> Backup:
        if backend not in made:
            root = tmp_path_factory.mktemp(f"backup-{backend}")
            source = new_service(backend, root / "source", request)
            tokens = used_service(source)
            result = run(source, "backup", str(root / "mature.backup"))
            assert result.exit_code == 0, result.output
            engine = source.engine()
            made[backend] = Backup(source, tokens, root / "mature.backup", snapshot(engine))
            engine.dispose()
        return made[backend]

    return backup_of


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


def rows_of(service: Service) -> dict[str, list[list[object]]]:
    engine = service.engine()
    try:
        return snapshot(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("source_backend,target_backend", [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_backup_restores_the_whole_state_into_the_other_database(source_backend, target_backend, backups,
                                                                  tmp_path, request):
    backup = backups(source_backend)
    target = new_service(target_backend, tmp_path / "target", request)

    restored = run(target, "restore", str(backup.file))
    assert restored.exit_code == 0, restored.output
    assert "warning" not in restored.output

    before, after = backup.rows, rows_of(target)
    assert {name for name, rows in before.items() if rows} >= {"access_token", "annotation", "change_log", "follow",
                                                               "page", "person_tag", "rating", "revision",
                                                               "space", "user"}
    for name in before:
        assert after[name] == before[name], f"table {name} differs after the restore"
    # the restore rebuilt the index from every page and noted the log position it reflects
    assert (target.data_dir / "search" / POSITION_FILE).is_file()
    assert (target.data_dir / "secret_key").read_text() == (backup.source.data_dir / "secret_key").read_text()

    with TestClient(create_app(target.settings())) as client:
        for token in backup.tokens.values():
            me = client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200 and me.json()["username"] == "alice", me.text
        login = client.post("/api/auth/token", json={"username": "ben", "password": DEMO_PASSWORD})
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {backup.tokens['personal']}"}
        found = client.get("/api/search", params={"q": "apprenticeships"}, headers=auth)
        assert found.status_code == 200 and found.json()["total"] > 0, found.text
        space_id = client.get("/api/spaces", headers=auth).json()["items"][0]["id"]
        created = client.post("/api/pages", headers=auth, json={"space_id": space_id, "title": "After the restore",
                                                                 "content": "Written on the restored service."})
        assert created.status_code == 201, created.text  # the id sequences moved past the restored ids
        assert created.json()["id"] > max(row[0] for row in before["page"])


def test_restore_refuses_a_database_with_data_unless_forced(backups, tmp_path, request):
    backup = backups("sqlite")
    target = new_service("sqlite", tmp_path / "target", request)
    assert run(target, "restore", str(backup.file)).exit_code == 0
    added = CliRunner().invoke(main, ["user", "add", "latecomer"], input="a long password\n", env=target.env())
    assert added.exit_code == 0, added.output

    refused = run(target, "restore", str(backup.file))
    assert refused.exit_code != 0 and "already holds data" in refused.output and "--force" in refused.output
    assert "latecomer" in str(rows_of(target)["user"])
    forced = run(target, "restore", "--force", str(backup.file))
    assert forced.exit_code == 0, forced.output
    after = rows_of(target)
    assert after == backup.rows  # the latecomer is gone


def rewritten(original: Path, copy: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """A copy of the archive with some members changed."""
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(copy, "w") as target:
        for item in source.namelist():
            target.writestr(item, change(item, source.read(item)))
    return copy


def test_a_damaged_or_foreign_archive_is_refused_before_anything_is_written(backups, tmp_path, request):
    file = backups("sqlite").file

    def damage(item: str, data: bytes) -> bytes:
        if item == "tables/revision.jsonl":
            assert b"apprenticeship" in data
            return data.replace(b"apprenticeship", b"apprenticeshop", 1)
        return data

    def older(item: str, data: bytes) -> bytes:
        return json.dumps({**json.loads(data), "schema_revision": "0003"}).encode() if item == "manifest.json" else data

    target = new_service("sqlite", tmp_path / "target", request)
    bad = run(target, "restore", str(rewritten(file, tmp_path / "damaged.backup", damage)))
    assert bad.exit_code != 0 and "tables/revision.jsonl is damaged" in bad.output
    stale = run(target, "restore", str(rewritten(file, tmp_path / "older.backup", older)))
    assert stale.exit_code != 0 and "revision '0003'" in stale.output
    not_ours = run(target, "restore", str(backups("sqlite").source.data_dir / "secret_key"))
    assert not_ours.exit_code != 0 and "not a `mature backup` archive" in not_ours.output
    engine = target.engine()
    assert inspect(engine).get_table_names() == []  # not even migrated
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_restore_that_fails_half_way_leaves_the_database_empty(backend, backups, tmp_path, request):
    """One transaction: a row the database rejects (here, a rating of a page that does not exist, in one of
    the last tables loaded) undoes every row before it."""
    file = backups("sqlite").file
    with zipfile.ZipFile(file) as original:
        manifest = json.loads(original.read("manifest.json"))
        entry = next(entry for entry in manifest["tables"] if entry["name"] == "rating")
        assert manifest["tables"].index(entry) > len(manifest["tables"]) // 2  # many tables are in by then
        rows = original.read(entry["file"])
    row = json.loads(rows.splitlines()[0])
    row[entry["columns"].index("id")] = row[entry["columns"].index("page_id")] = 999_999
    rows = (json.dumps(row) + "\n").encode() + rows
    entry.update(rows=entry["rows"] + 1, sha256=hashlib.sha256(rows).hexdigest())
    broken = rewritten(file, tmp_path / "broken.backup", lambda item, data: rows if item == entry["file"] else
                       json.dumps(manifest).encode() if item == "manifest.json" else data)
    target = new_service(backend, tmp_path / "target", request)

    failed = run(target, "restore", str(broken))
    assert failed.exit_code != 0, failed.output
    assert "do not fit this database" in failed.output and "nothing was restored" in failed.output, failed.output
    assert not any(rows_of(target).values())


def test_restoring_under_another_secret_key_warns_that_old_tokens_stop_working(backups, tmp_path, request):
    backup = backups("sqlite")
    target = new_service("sqlite", tmp_path / "target", request)
    other_key = "a-different-production-key-0123456789-abcdef"

    restored = run(target, "restore", str(backup.file), MATURE_SECRET_KEY=other_key)
    assert restored.exit_code == 0, restored.output
    assert "warning: The secret key differs" in restored.output and "MATURE_SECRET_KEY" in restored.output
    assert not (target.data_dir / "secret_key").exists()  # the operator's key is left in charge
    settings = Settings(env="development", database_url=target.url, data_dir=target.data_dir,
                        secret_key=other_key, search_indexing=False, webhook_delivery=False)
    with TestClient(create_app(settings)) as client:
        old = client.get("/api/users/me", headers={"Authorization": f"Bearer {backup.tokens['personal']}"})
        assert old.status_code == 401
        login = client.post("/api/auth/token", json={"username": "alice", "password": DEMO_PASSWORD})
        assert login.status_code == 200, login.text


def test_the_archive_and_the_restored_key_are_readable_by_their_owner_only(backups, tmp_path, request):
    backup = backups("sqlite")  # it holds password and token hashes and the development secret key
    assert backup.file.stat().st_mode & 0o777 == 0o600
    target = new_service("sqlite", tmp_path / "target", request)
    restored = run(target, "restore", str(backup.file))
    assert restored.exit_code == 0, restored.output
    assert (target.data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
