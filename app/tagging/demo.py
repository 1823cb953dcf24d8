"""Demo bookmarks and readers' tags (app/demo/bookmarks.toml), through the service code; idempotent."""

from __future__ import annotations

import tomllib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Space, User
from app.auth.rights import Right
from app.pages import service as page_service
from app.pages.models import Page
from app.topics import service as topics
from app.tagging import bookmarks, page_tags
from app.tagging.exceptions import DuplicateBookmark
from app.tagging.schemas import BookmarkCreate


def load(session: Session, path: Path) -> int:
    """Add the demo's bookmarks and tags that are missing; returns how many bookmarks were added."""
    data = tomllib.loads(path.read_text())
    users = {user.username: user for user in session.scalars(select(User))}
    added = 0
    for entry in data["bookmarks"]:
        space = session.scalar(select(Space).where(Space.key == entry["space"]))
        body = BookmarkCreate(space_id=space.id, url=entry["url"], title=entry["title"], note=entry["note"],
                              publisher=entry["publisher"], topics=entry["topics"])
        try:
            with session.begin_nested():
                bookmarks.create_bookmark(session, users[entry["by"]], body)
            added += 1
        except DuplicateBookmark:
            pass
    for entry in data["tags"]:
        page = session.scalar(select(Page).where(Page.title == entry["page"], Page.deleted_at.is_(None)))
        for username in entry["by"]:
            access = page_service.get_access(session, users[username], page.id, Right.read)
            for label in entry["topics"]:
                page_tags.tag_page(session, users[username], access,
                                   topics.named_or_proposed(session, users[username], None, label))
    return added
