"""Checking bookmarked sources are still there: run by an operator (`mature bookmarks check`), never
by the server on its own, and never against private or loopback addresses unless told to."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select

from app.auth.models import Space
from app.db import Database, utcnow
from app.pages.models import Page
from app.tagging.models import Bookmark

GONE = {404, 410}
USER_AGENT = "MATURE-LMI bookmark check (+https://w3id.org/mature-lmi)"
# When at least this share of a run (of OUTAGE_MIN_CHECKED or more sources) could not be reached at all, the
# network or DNS of this machine is the likelier cause: nothing is stored, and the run says so.
OUTAGE_SHARE = 0.8
OUTAGE_MIN_CHECKED = 3


class CheckState(StrEnum):
    """What the last check of a source found."""

    alive = "alive"  # it answered with a page (2xx/3xx after redirects)
    dead = "dead"  # the server answered that the page is gone (404, 410)
    could_not_check = "could_not_check"  # no answer (DNS, refused, timeout, TLS) or a temporary one (5xx, 429, 403)


@dataclass(frozen=True)
class CheckResult:
    page_id: int
    url: str
    status: int | None
    error: str
    state: CheckState | None  # None: skipped
    reached: bool = True  # False when no server answered at all (DNS, connection, timeout)

    @property
    def dead(self) -> bool:
        return self.state is CheckState.dead

    @property
    def skipped(self) -> bool:
        return self.state is None


@dataclass(frozen=True)
class CheckRun:
    """A run's results; `outage` when nearly every source went unanswered at once (then nothing was stored)."""

    results: list[CheckResult]
    outage: bool

    def count(self, state: CheckState | None) -> int:
        return sum(result.state is state for result in self.results)


def _private(url: str) -> bool:
    """Whether the host resolves to a private, loopback or link-local address (or does not resolve)."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False  # unresolvable: the request will fail and say so
    addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    return any(a.is_private or a.is_loopback or a.is_link_local or a.is_reserved for a in addresses)


def classify(status: int) -> CheckState:
    """Only an answer that the page is gone makes a source dead; a server error or refusal may pass."""
    if status in GONE:
        return CheckState.dead
    return CheckState.alive if status < 400 else CheckState.could_not_check


def check_one(client: httpx.Client, page_id: int, url: str, allow_private: bool) -> CheckResult:
    if not allow_private and _private(url):
        return CheckResult(page_id, url, None, "not checked: the address is on a private network", None)
    try:
        response = client.head(url)
        if response.status_code >= 400:  # some servers refuse HEAD: ask properly before calling it gone
            with client.stream("GET", url) as streamed:
                response = streamed
        status = response.status_code
        return CheckResult(page_id, url, status, "" if status < 400 else f"HTTP {status}", classify(status))
    except httpx.HTTPError as exc:
        return CheckResult(page_id, url, None, f"could not check: {type(exc).__name__}: {exc}"[:300],
                           CheckState.could_not_check, reached=False)


def is_outage(results: list[CheckResult]) -> bool:
    """Nearly every source unanswered at once: this machine's network, not the sources."""
    checked = [result for result in results if not result.skipped]
    unreached = sum(not result.reached for result in checked)
    return len(checked) >= OUTAGE_MIN_CHECKED and unreached >= OUTAGE_SHARE * len(checked)


def check_bookmarks(database: Database, *, space_key: str | None = None, timeout: float = 10.0,
                    allow_private: bool = False, progress: Callable[[int, int, str], None] | None = None,
                    ) -> CheckRun:
    """Check every live bookmark (of one space, or all) and store the outcome on each, unless the run
    looks like a network outage (then the earlier outcomes stay)."""
    with database.transaction(write=False) as session:
        query = (select(Bookmark.page_id, Bookmark.url).join(Page, Page.id == Bookmark.page_id)
                 .where(Page.deleted_at.is_(None)).order_by(Bookmark.page_id))
        if space_key is not None:
            query = query.join(Space, Space.id == Page.space_id).where(Space.key == space_key)
        targets = list(session.execute(query))
    results = []
    with httpx.Client(follow_redirects=True, timeout=timeout, headers={"User-Agent": USER_AGENT}) as client:
        for done, (page_id, url) in enumerate(targets, start=1):
            results.append(check_one(client, page_id, url, allow_private))
            if progress:
                progress(done, len(targets), url)
    outage = is_outage(results)
    if not outage:
        for result in results:
            if not result.skipped:
                _store(database, result)
    return CheckRun(results, outage)


def _store(database: Database, result: CheckResult) -> None:
    with database.transaction() as session:
        bookmark = session.get(Bookmark, result.page_id)
        if bookmark is None:
            return
        bookmark.last_checked_at, bookmark.last_status = utcnow(), result.status
        bookmark.check_error, bookmark.check_state = result.error, result.state
        if result.state is not CheckState.could_not_check:  # an unanswered check keeps what was last known
            bookmark.dead = result.dead
