"""Demo ratings (`app/demo/ratings.toml`), made through the service code by `mature demo`, so that the
managers' review queues show a low-rated page and a page whose raters disagree.

Idempotent: a rater who already rates the page is left alone.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import utcnow
from app.pages import service as page_service
from app.pages.models import Page
from app.quality import scoring, service, usage
from app.quality.models import ClientUse, PageView
from app.quality.schemas import RatingPut, Scores


def load(session: Session, path: Path) -> int:
    """Rate the demo pages as the demo users; returns how many ratings were added."""
    users = {u.username: u for u in session.scalars(select(User))}
    added = 0
    for entry in tomllib.loads(path.read_text()).get("ratings", []):
        page_id = session.scalar(select(Page.id).where(Page.title == entry["page"], Page.deleted_at.is_(None)))
        assert page_id is not None, f"ratings.toml names an unknown page: {entry['page']}"
        rater = users[entry["rater"]]
        if service.current_rating(session, page_id, rater.id) is not None:
            continue
        access = page_service.get_access(session, rater, page_id)
        service.put_rating(session, rater, access, RatingPut(
            overall=entry.get("overall"), scores=Scores(**entry.get("scores", {})), comment=entry.get("comment", ""),
            issue=entry.get("issue", False)))
        scoring.refresh(session, page_id)
        added += 1
    return added


def load_practice(session: Session, path: Path) -> int:
    """Ratings, 'used with a client' marks, page views and approvals that take demo pages past distributing
    (`app/demo/practice.toml`); returns how many were added. Idempotent like `load`."""
    data = tomllib.loads(path.read_text())
    users = {u.username: u for u in session.scalars(select(User))}
    added = _rate(session, users, data.get("ratings", []))
    for entry in data.get("uses", []):
        added += _uses(session, _page_id(session, entry["page"]), users[entry["user"]], entry["days_ago"])
    for entry in data.get("views", []):
        added += _views(session, _page_id(session, entry["page"]), entry["views"])
    for entry in data.get("approvals", []):
        page_id = _page_id(session, entry["page"])
        if service.live_approval(session, page_id) is not None:
            continue
        approver = users[entry["by"]]
        service.approve(session, approver, page_service.get_access(session, approver, page_id), None,
                        entry.get("note", ""), entry["kind"])
        scoring.refresh(session, page_id)
        added += 1
    return added


def _page_id(session: Session, title: str) -> int:
    page_id = session.scalar(select(Page.id).where(Page.title == title, Page.deleted_at.is_(None)))
    assert page_id is not None, f"the demo names an unknown page: {title}"
    return page_id


def _rate(session: Session, users: dict[str, User], entries: list[dict]) -> int:
    added = 0
    for entry in entries:
        page_id, rater = _page_id(session, entry["page"]), users[entry["rater"]]
        if service.current_rating(session, page_id, rater.id) is not None:
            continue
        access = page_service.get_access(session, rater, page_id)
        service.put_rating(session, rater, access, RatingPut(scores=Scores(**entry["scores"]),
                                                              comment=entry.get("comment", "")))
        scoring.refresh(session, page_id)
        added += 1
    return added


def _uses(session: Session, page_id: int, user: User, days_ago: list[int]) -> int:
    """Marks made through the service (today), then dated back: the demo's weeks of use."""
    if session.scalar(select(ClientUse.day).where(ClientUse.page_id == page_id, ClientUse.user_id == user.id)
                      .limit(1)) is not None:
        return 0
    access = page_service.get_access(session, user, page_id)
    for days in sorted(days_ago, reverse=True):
        mark, _new = service.mark_client_use(session, user, access)
        mark.day = utcnow().date() - timedelta(days=days)
        session.flush()
    scoring.refresh(session, page_id)
    return len(days_ago)


def _views(session: Session, page_id: int, by_days_ago: dict[str, int]) -> int:
    if session.scalar(select(PageView.day).where(PageView.page_id == page_id).limit(1)) is not None:
        return 0
    today = utcnow().date()
    usage.add_views(session, Counter({(page_id, today - timedelta(days=int(days))): views
                                      for days, views in by_days_ago.items()}))
    scoring.refresh(session, page_id)
    return len(by_days_ago)
