"""Demo ratings (`app/demo/ratings.toml`), made through the service code by `mature demo`, so that the
managers' review queues show a low-rated page and a page whose raters disagree.

Idempotent: a rater who already rates the page is left alone.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.pages import service as page_service
from app.pages.models import Page
from app.quality import scoring, service
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
