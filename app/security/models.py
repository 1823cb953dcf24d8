"""Failed sign-ins, kept in the database so every server process and machine sees the same counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class FailureCount(Base):
    """How many sign-ins have failed, and when the last did, for one username from one client address.

    An empty `client` is the username's count from every client together; an empty `account` is the
    address's count for every username together (usernames are never empty). Usernames are counted whether
    or not such an account exists, so the answers do not tell who has an account.
    """

    __tablename__ = "sign_in_failure_count"

    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    client: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int]
    last_failure_at: Mapped[datetime] = mapped_column(index=True)
