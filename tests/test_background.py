"""The background loop during an outage: one warning when a failure streak starts, quiet while it lasts, one
line when it recovers, no secrets in any of it, and a backed-off pace that wake() still cuts short."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from app.background import Loop, describe

PASSWORD = "s3cret-Pa55word"
URL = f"postgresql+psycopg://mature:{PASSWORD}@db.example.org:5432/mature"


class FailingStep:
    """Raises `error` for the first `failures` calls, then succeeds (and sets `done`)."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0
        self.done = threading.Event()

    def __call__(self) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        self.done.set()


def outage() -> OperationalError:
    """What SQLAlchemy raises when a driver's message names the URL, with the statement and a secret parameter."""
    return OperationalError("SELECT token FROM personal_token WHERE hash = %(hash)s", {"hash": "tok-" + PASSWORD},
                            ConnectionError(f"could not connect to {URL}: connection refused\nIs it running?"))


def records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "app.background" and r.levelno == level]


def test_a_streak_of_50_failed_rounds_logs_one_warning_and_one_recovery(caplog) -> None:
    step = FailingStep(50, outage())
    loop = Loop("search-indexer", step, interval=0.001, max_backoff=0.001)
    with caplog.at_level(logging.DEBUG, logger="app.background"):
        loop.start()
        try:
            assert step.done.wait(10), "the loop gave up instead of retrying"
        finally:
            loop.stop()
    assert step.calls >= 51
    [warning] = records(caplog, logging.WARNING)
    assert "search-indexer: a round failed (ConnectionError: could not connect to" in warning.getMessage()
    [recovered] = records(caplog, logging.INFO)
    assert recovered.getMessage().startswith("search-indexer: recovered after 50 failed rounds / ")
    assert PASSWORD not in caplog.text and "SELECT" not in caplog.text  # not at DEBUG either
    assert all(r.exc_info is None for r in caplog.records)  # no raw exception text rendered anywhere


def test_a_real_driver_connection_failure_is_logged_in_one_line_without_the_password(caplog) -> None:
    engine = create_engine(f"postgresql+psycopg://mature:{PASSWORD}@127.0.0.1:1/mature")  # nothing listens on 1
    loop = Loop("webhook-worker", lambda: engine.connect().execute(text("SELECT 1")), interval=1)
    with caplog.at_level(logging.DEBUG, logger="app.background"):
        loop._attempt(loop.step)
    engine.dispose()
    [warning] = records(caplog, logging.WARNING)
    assert "OperationalError: connection failed" in warning.getMessage() and "\n" not in warning.getMessage()
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize(("message", "shown"), [
    (f"connect to {URL} failed", "postgresql+psycopg://mature:***@db.example.org:5432/mature"),
    (f"bad DSN: host=db user=mature password={PASSWORD} dbname=x", "password=***"),
    (f"bad DSN: password = '{PASSWORD} x' host=db", "password = ***"),
    ("first line only\nsecond line", "ValueError: first line only"),
])
def test_describe_masks_passwords_and_keeps_one_line(message, shown) -> None:
    described = describe(ValueError(message))
    assert shown in described and PASSWORD not in described and "\n" not in described


def test_a_bug_in_a_step_shows_where_it_failed_once_per_streak(caplog) -> None:
    def step() -> None:
        raise KeyError("page 42")

    loop = Loop("page-view-counter", step, interval=1)
    with caplog.at_level(logging.INFO, logger="app.background"):
        for _ in range(5):
            loop._attempt(step)
    [warning] = records(caplog, logging.WARNING)
    assert "(KeyError: 'page 42')" in warning.getMessage() and "in step" in warning.getMessage()


def test_a_long_streak_is_reminded_of_once_a_minute_with_the_count(caplog) -> None:
    now = [1000.0]
    step = FailingStep(10**6, outage())
    loop = Loop("search-indexer", step, interval=0.5, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="app.background"):
        for _ in range(250):  # 250 rounds, 0.5 s apart: 125 s
            loop._attempt(step)
            now[0] += 0.5
        step.failures = 0
        loop._attempt(step)
    first, *reminders = [r.getMessage() for r in records(caplog, logging.WARNING)]
    assert "a round failed" in first
    assert len(reminders) == 2 and "still failing: 121 failed rounds in 60 s" in reminders[0]
    assert PASSWORD not in caplog.text
    assert records(caplog, logging.INFO)[-1].getMessage() == "search-indexer: recovered after 250 failed rounds / 125.0 s"


def test_a_failing_loop_backs_off_up_to_the_cap_and_resets_on_success() -> None:
    step = FailingStep(8, outage())
    loop = Loop("search-indexer", step, interval=0.5)
    delays = [loop.delay()]
    for _ in range(9):
        loop._attempt(step)
        delays.append(loop.delay())
    assert delays == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0, 5.0, 0.5]
    assert Loop("page-view-counter", step, interval=30).max_backoff == 30  # never shorter than the interval


def test_wake_runs_a_backed_off_loop_at_once() -> None:
    step = FailingStep(0, outage())
    loop = Loop("search-indexer", step, interval=0.001, max_backoff=600)
    loop.failures = 30  # as after a long outage: the next round is 600 s away
    loop.start()
    try:
        loop.wake()
        assert step.done.wait(5), "wake() did not cut the back-off short"
    finally:
        loop.stop()
