"""SQLite writers of every process take turns on one lock file (app/write_queue.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.config import Settings
from app.db import Database, make_engine
from app.write_queue import WriteQueue, WriterBusy
from tests.factories import make_person, make_space


def test_a_second_writer_waits_for_the_first_and_then_goes(tmp_path: Path):
    lock = tmp_path / "mature.db-writers.lock"
    first, second = WriteQueue(lock, timeout=5), WriteQueue(lock, timeout=0.2)
    with first, pytest.raises(WriterBusy, match="another server process"):
        second.__enter__()
    with second:  # the first let go
        pass


def test_a_killed_writer_does_not_leave_the_turn_taken(tmp_path: Path):
    lock = tmp_path / "mature.db-writers.lock"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from app.write_queue import WriteQueue\n"
        f"q = WriteQueue(Path({str(lock)!r}), 5); q.__enter__(); print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WriterBusy):
            WriteQueue(lock, timeout=0.2).__enter__()
    finally:
        holder.kill()
        holder.wait()
    with WriteQueue(lock, timeout=5):  # the kernel freed the dead process's lock
        pass


def test_every_database_on_one_sqlite_file_shares_the_turn(tmp_path: Path):
    settings = Settings(env="development", data_dir=tmp_path, sqlite_busy_timeout_ms=200)
    one, other = Database(make_engine(settings)), Database(make_engine(settings))
    try:
        with one.write_lock, pytest.raises(WriterBusy), other.transaction():
            pass
        with other.transaction():
            pass
    finally:
        one.dispose()
        other.dispose()


def test_a_write_that_cannot_get_its_turn_answers_503_and_changes_nothing(client, session, tmp_path: Path):
    author = make_person(session)
    space = make_space(session, author.user)
    lock = tmp_path / "held.lock"
    client.app.state.database.write_lock = WriteQueue(lock, timeout=0.1)
    started = time.monotonic()
    with WriteQueue(lock, timeout=5):  # another server process is writing
        answer = client.post("/api/pages", headers=author.headers,
                             json={"space_id": space.id, "title": "Held up", "content": "Text.\n"})
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5", answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert "try again" in answer.json()["detail"]
    assert time.monotonic() - started < 5
    assert client.get("/api/pages", params={"space_id": space.id}, headers=author.headers).json()["items"] == []
