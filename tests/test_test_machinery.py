"""The test machinery itself: the concurrency helper reports what its threads raise; each pytest-xdist worker
hands out ports of its own; a test's app does not outlive the test."""

from __future__ import annotations

import gc
import weakref

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests import postgres
from tests.conftest import settings_for
from tests.live_server import all_at_once


def test_all_at_once_answers_every_call_in_order() -> None:
    answers = all_at_once([lambda client, n=n: httpx.Response(200 + n) for n in range(4)])
    assert [a.status_code for a in answers] == [200, 201, 202, 203]


def test_all_at_once_raises_what_a_thread_raised_instead_of_a_shorter_list() -> None:
    finished: list[int] = []

    def fine(n: int):
        def call(client: httpx.Client) -> httpx.Response:
            finished.append(n)
            return httpx.Response(200)
        return call

    def broken(client: httpx.Client) -> httpx.Response:
        raise ConnectionResetError("the server closed the connection")

    with pytest.raises(BaseExceptionGroup) as raised:
        all_at_once([fine(0), broken, fine(2)])
    assert [type(e) for e in raised.value.exceptions] == [ConnectionResetError]
    assert "1 of 3 concurrent calls raised (calls [1])" in str(raised.value)
    assert sorted(finished) == [0, 2]  # the others still ran: the race happened


def test_all_at_once_does_not_hang_when_a_thread_fails_before_the_barrier(monkeypatch: pytest.MonkeyPatch) -> None:
    """The others are let go at once (not after the barrier's 60 s) and only the real failure is reported."""
    made = iter(range(3))

    class FailingSecondClient(httpx.Client):
        def __init__(self, **kwargs: object) -> None:
            if next(made) == 1:
                raise OSError("no more file descriptors")
            super().__init__(**kwargs)

    monkeypatch.setattr(httpx, "Client", FailingSecondClient)
    with pytest.raises(BaseExceptionGroup) as raised:
        all_at_once([lambda client: httpx.Response(200)] * 3)
    assert [type(e) for e in raised.value.exceptions] == [OSError]  # not the others' BrokenBarrierError


def test_each_xdist_worker_hands_out_ports_of_its_own_below_the_ephemeral_range(
        monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = []
    for worker in ("", "gw0", "gw1", "gw2"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        blocks.append(set(postgres._port_block()))
    assert all(max(block) < 32768 for block in blocks)
    assert all(not a & b for n, a in enumerate(blocks) for b in blocks[n + 1:])
    first, second = postgres.free_port(), postgres.free_port()
    assert first != second


def test_an_app_that_served_a_request_and_was_dropped_is_freed(tmp_path) -> None:
    """Every test builds its own app: one kept alive by a process-wide cache (FastAPI's endpoint cache held a
    closure over the app) made the run's memory and garbage collections grow with every test."""
    app = create_app(settings_for("sqlite://", tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        client.get("/health")
    freed = weakref.ref(app)
    del app, client
    gc.collect()
    assert freed() is None
