"""Slow down password guessing: after too many failed sign-ins for one username, or from one client
address, within a window, further attempts answer 429 until the oldest failure leaves the window.

Failures are rows in the database (not process memory), so several workers or machines share one count.
Checking happens before the password hash is verified, so a flood of guesses also costs no Argon2 time.
A successful sign-in clears that username's failures; the address count is kept, so one valid account
cannot be used to reset the count of an address guessing other people's passwords.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import utcnow
from app.errors import ProblemError
from app.security.models import LoginFailure


class TooManyAttempts(ProblemError):
    status = 429
    title = "Too many sign-in attempts"


def user_key(username: str) -> str:
    return f"user:{username.strip().lower()[:150]}"


def address_key(address: str) -> str:
    return f"address:{address[:150]}"


def refuse_if_limited(session: Session, settings: Settings, username: str, address: str,
                      now: datetime | None = None) -> None:
    """Raise 429 (with Retry-After) when the username or the address has used up its failures."""
    now = now or utcnow()
    window = timedelta(seconds=settings.login_window_seconds)
    for key, limit, what in ((user_key(username), settings.login_failures_per_user, "this username"),
                             (address_key(address), settings.login_failures_per_address, "your address")):
        count, oldest = _failures(session, key, now - window)
        if count >= limit:
            wait = max(1, math.ceil((oldest + window - now).total_seconds()))
            raise TooManyAttempts(
                f"Too many failed sign-ins for {what} ({count} in the last {_minutes(window)}). "
                f"Try again in {_minutes(timedelta(seconds=wait))} (at {(now + timedelta(seconds=wait)):%H:%M:%S} UTC), "
                "or ask an admin to reset your password. Personal access tokens keep working.",
                headers={"Retry-After": str(wait)},
            )


def record_failure(session: Session, settings: Settings, username: str, address: str,
                   now: datetime | None = None) -> None:
    """Count a failed sign-in under both keys, and drop failures that have left the window."""
    now = now or utcnow()
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(seconds=settings.login_window_seconds)))
    session.add_all([LoginFailure(key=user_key(username), at=now), LoginFailure(key=address_key(address), at=now)])
    session.flush()


def forget_user(session: Session, username: str) -> None:
    """After a successful sign-in the username starts afresh."""
    session.execute(delete(LoginFailure).where(LoginFailure.key == user_key(username)))


def _failures(session: Session, key: str, since: datetime) -> tuple[int, datetime]:
    count, oldest = session.execute(
        select(func.count(LoginFailure.id), func.min(LoginFailure.at))
        .where(LoginFailure.key == key, LoginFailure.at >= since)
    ).one()
    return count, oldest


def _minutes(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"
