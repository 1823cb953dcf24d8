"""Checking bookmarked sources are still there: run by an operator (`mature bookmarks check`), never
by the server on its own, and never against private or loopback addresses unless told to."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select

from app.auth.models import Space
from app.db import Database, utcnow
from app.pages.models import Page
from app.tagging.models import Bookmark

GONE = {404, 410}
USER_AGENT = "MATURE-LMI bookmark check (+https://w3id.org/mature-lmi)"


@dataclass(frozen=True)
class CheckResult:
    page_id: int
    url: str
    status: int | None
    error: str
    dead: bool
    skipped: bool = False


def _private(url: str) -> bool:
    """Whether the host resolves to a private, loopback or link-local address (or does not resolve)."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False  # unresolvable: the request will fail and say so
    addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    return any(a.is_private or a.is_loopback or a.is_link_local or a.is_reserved for a in addresses)


def check_one(client: httpx.Client, page_id: int, url: str, allow_private: bool) -> CheckResult:
    if not allow_private and _private(url):
        return CheckResult(page_id, url, None, "not checked: the address is on a private network", False, True)
    try:
        response = client.head(url)
        if response.status_code >= 400:  # some servers refuse HEAD: ask properly before calling it gone
            with client.stream("GET", url) as streamed:
                response = streamed
        status = response.status_code
        dead = status in GONE or status >= 500
        return CheckResult(page_id, url, status, "" if status < 400 else f"HTTP {status}", dead)
    except httpx.HTTPError as exc:
        return CheckResult(page_id, url, None, f"{type(exc).__name__}: {exc}"[:300], True)


def check_bookmarks(database: Database, *, space_key: str | None = None, timeout: float = 10.0,
                    allow_private: bool = False, progress: Callable[[int, int, str], None] | None = None,
                    ) -> list[CheckResult]:
    """Check every live bookmark (of one space, or all) and store the outcome on each."""
    with database.transaction(write=False) as session:
        query = (select(Bookmark.page_id, Bookmark.url).join(Page, Page.id == Bookmark.page_id)
                 .where(Page.deleted_at.is_(None)).order_by(Bookmark.page_id))
        if space_key is not None:
            query = query.join(Space, Space.id == Page.space_id).where(Space.key == space_key)
        targets = list(session.execute(query))
    results = []
    with httpx.Client(follow_redirects=True, timeout=timeout, headers={"User-Agent": USER_AGENT}) as client:
        for done, (page_id, url) in enumerate(targets, start=1):
            result = check_one(client, page_id, url, allow_private)
            results.append(result)
            if not result.skipped:
                _store(database, result)
            if progress:
                progress(done, len(targets), url)
    return results


def _store(database: Database, result: CheckResult) -> None:
    with database.transaction() as session:
        bookmark = session.get(Bookmark, result.page_id)
        if bookmark is None:
            return
        bookmark.last_checked_at, bookmark.last_status = utcnow(), result.status
        bookmark.check_error, bookmark.dead = result.error, result.dead
