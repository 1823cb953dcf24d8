"""Slow password guessing down with growing delays, and never let anyone lock an account (OWASP Authentication
Cheat Sheet). Three counts of failed sign-ins, each with the time of its last failure (app/security/models.py):

- one username from one client address: after `login_free_failures` (3) that client waits 1 s before its next try
  for that username, then 2, 4, 8 ... up to `login_max_delay_seconds` (300). Only that client waits.
- one username from every client: past `login_account_failures` (20) each client that has itself failed for the
  username waits at least the account delay (1, 2, 4 ... up to `login_account_max_delay_seconds`, 60) between its
  tries for it. A client that has not failed for it is never held back, so a flood from many addresses can slow
  the owner only if she mistypes, and then for a minute at most.
- one client address for every username: past `login_failures_per_address` (100) that address waits (doubling, up
  to the 300 s cap) before any try: one address guessing many usernames.

A count is forgotten `login_window_seconds` (3600) after its last failure. A successful sign-in clears the
username-from-this-client count only: one valid account must not reset an address that guesses other people's.
Checks run before the password hash is computed, so refused guesses cost no Argon2 time. The counts are rows in
the database, and one client's tries for one username take turns (a PostgreSQL advisory lock; on SQLite the write
lock already serialises them), so parallel guesses through several workers cannot slip past a count.
Usernames are counted whether or not the account exists, so no answer tells who has an account.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import upsert, utcnow
from app.errors import ProblemError
from app.security.models import FailureCount

EVERY = ""  # the `client` of a username's count from every client, the `account` of an address's count


class TooManyAttempts(ProblemError):
    status = 429
    title = "Too many sign-in attempts"


@dataclass(frozen=True)
class Attempt:
    """Who tries to sign in as whom: the typed username (normalised) and the client's address."""

    account: str
    client: str

    @classmethod
    def of(cls, username: str, client: str) -> Attempt:
        # never EVERY: a blank username or a missing address must not land on a count of all of them
        return cls(username.strip().lower()[:64] or "(blank)", client[:100] or "unknown")


def delay(failures: int, free: int, cap: int) -> int:
    """Seconds to wait after `failures` failures in a row: none for the first `free`, then 1, 2, 4 ... up to `cap`."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free, 32))


def refuse_if_limited(session: Session, settings: Settings, username: str, client: str,
                      now: datetime | None = None) -> None:
    """Raise 429 with Retry-After when this client must still wait before trying this username again."""
    attempt = Attempt.of(username, client)
    _take_turn(session, attempt)
    now = now or utcnow()  # after the turn: the failure of the try we waited for is in the past
    counts = _counts(session, attempt, now - timedelta(seconds=settings.login_window_seconds))
    pair, account, address = (counts.get(key) for key in (
        (attempt.account, attempt.client), (attempt.account, EVERY), (EVERY, attempt.client)))
    # (until when, why); a zero delay is no wait, even where another host's clock put the last failure ahead
    waits: list[tuple[datetime, tuple[str, str]]] = []
    if pair is not None:
        cap = settings.login_max_delay_seconds
        if seconds := delay(pair.failures, settings.login_free_failures, cap):
            waits.append((_after(pair, seconds), _for_this_client(pair.failures, cap)))
        # the account's delay holds back only clients that have failed for it
        if account is not None and (seconds := delay(account.failures, settings.login_account_failures,
                                                     settings.login_account_max_delay_seconds)):
            waits.append((_after(pair, seconds), _for_this_account()))
    if address is not None and (seconds := delay(address.failures, settings.login_failures_per_address,
                                                 settings.login_max_delay_seconds)):
        waits.append((_after(address, seconds), _for_this_address(address.failures)))
    until, reason = max(waits, default=(now, ("", "")))
    if until > now:
        wait = max(1, math.ceil((until - now).total_seconds()))
        raise TooManyAttempts(
            f"{reason[0]} Wait {_span(wait)} before trying again (until {until:%H:%M:%S} UTC). {reason[1]}",
            headers={"Retry-After": str(wait)},
        )


def record_failure(session: Session, settings: Settings, username: str, client: str,
                   now: datetime | None = None) -> None:
    """Count a failed sign-in (or a wrong current password) in all three counts; drop counts gone quiet."""
    now = now or utcnow()
    attempt = Attempt.of(username, client)
    stale = now - timedelta(seconds=settings.login_window_seconds)
    session.execute(delete(FailureCount).where(FailureCount.last_failure_at <= stale))
    statement = upsert(session, FailureCount).values([
        {"account": account, "client": client, "failures": 1, "last_failure_at": now}
        for account, client in ((attempt.account, attempt.client), (attempt.account, EVERY), (EVERY, attempt.client))
    ])
    session.execute(statement.on_conflict_do_update(
        index_elements=[FailureCount.account, FailureCount.client],
        set_={"failures": FailureCount.failures + 1, "last_failure_at": statement.excluded.last_failure_at},
    ))


def forget_client(session: Session, username: str, client: str) -> None:
    """After a successful sign-in this client starts afresh for this username (the other counts stay)."""
    attempt = Attempt.of(username, client)
    session.execute(delete(FailureCount).where(FailureCount.account == attempt.account,
                                               FailureCount.client == attempt.client))


def forget_account(session: Session, username: str) -> None:
    """After an admin set a new password, nobody waits for the failures against the old one."""
    session.execute(delete(FailureCount).where(FailureCount.account == Attempt.of(username, "-").account))


def _take_turn(session: Session, attempt: Attempt) -> None:
    """Until this transaction ends, other tries of this client for this username wait (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.blake2b(f"sign-in\n{attempt.account}\n{attempt.client}".encode(), digest_size=8).digest()
        session.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True))))


def _counts(session: Session, attempt: Attempt, since: datetime) -> dict[tuple[str, str], FailureCount]:
    rows = session.scalars(select(FailureCount).where(FailureCount.last_failure_at > since, or_(
        and_(FailureCount.account == attempt.account, FailureCount.client.in_([attempt.client, EVERY])),
        and_(FailureCount.account == EVERY, FailureCount.client == attempt.client),
    )))
    return {(row.account, row.client): row for row in rows}


def _after(count: FailureCount, seconds: int) -> datetime:
    return count.last_failure_at + timedelta(seconds=seconds)


def _for_this_client(failures: int, cap: int) -> tuple[str, str]:
    return (f"{failures} failed sign-ins in a row for this username from your address.",
            f"Each further failure doubles the wait, up to {_span(cap)}. Signing in from another address is not "
            "held back, personal access tokens keep working, and if the password is forgotten an admin can set a "
            "new one.")


def _for_this_account() -> tuple[str, str]:
    return ("This username has had many failed sign-ins from several addresses, so an address that has failed "
            "for it waits between tries.",
            "Addresses that have not failed for it are not held back, and personal access tokens keep working.")


def _for_this_address(failures: int) -> tuple[str, str]:
    return (f"{failures} failed sign-ins from your address, for several usernames.",
            "Other addresses are not held back.")


def _span(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    parts = [f"{minutes} minute{'s' if minutes != 1 else ''}"] if minutes else []
    if seconds or not minutes:
        parts.append(f"{seconds} second{'s' if seconds != 1 else ''}")
    return " ".join(parts)
