"""The demo organisation: users, spaces and LMI pages with histories, loaded through the service code.

Idempotent: what already exists (by username, space key or page title) is left alone.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import service as account_service
from app.auth import space_service
from app.auth.models import MemberRole, Role, Space, User, Visibility
from app.auth.schemas import SpaceCreate
from app.db import utcnow
from app.pages import service as page_service
from app.pages.models import Page, Revision
from app.people import demo as people_demo
from app.quality import demo as quality_demo
from app.quality import scoring
from app.reports import demo as reports_demo
from app.tagging import demo as tagging_demo
from app.titles import title_key

DEMO_DIR = Path(__file__).parent


@dataclass
class DemoReport:
    users: int = 0
    spaces: int = 0
    pages: int = 0
    revisions: int = 0
    password: str = ""


def load_demo(session: Session, progress: Callable[[int, int, str], None] = lambda done, total, label: None) -> DemoReport:
    """Create whatever part of the demo organisation is missing."""
    organisation = tomllib.loads((DEMO_DIR / "organisation.toml").read_text())
    report = DemoReport(password=organisation["demo_password"])
    users = _users(session, organisation, report)
    spaces = _spaces(session, organisation, users, report)
    files = sorted((DEMO_DIR / "pages").glob("*.toml"))
    for number, path in enumerate(files):
        _page(session, tomllib.loads(path.read_text()), users, spaces, age_days=len(files) * 7 - number * 7, report=report)
        progress(number + 1, len(files), path.stem)
    for page_id in session.scalars(select(Page.id)):  # the history was backdated after scoring
        scoring.refresh(session, page_id)
    people_demo.load_people(session, DEMO_DIR / "people.toml")
    tagging_demo.load(session, DEMO_DIR / "bookmarks.toml")
    quality_demo.load(session, DEMO_DIR / "ratings.toml")
    quality_demo.load_practice(session, DEMO_DIR / "practice.toml")
    reports_demo.load(session, DEMO_DIR / "reports.toml")
    return report


def _users(session: Session, organisation: dict[str, Any], report: DemoReport) -> dict[str, User]:
    users: dict[str, User] = {}
    for entry in organisation["users"]:
        user = session.scalar(select(User).where(User.username == entry["username"]))
        if user is None:
            user = account_service.create_user(session, entry["username"], entry["display_name"],
                                               Role(entry["role"]), organisation["demo_password"])
            report.users += 1
        users[user.username] = user
    return users


def _spaces(session: Session, organisation: dict[str, Any], users: dict[str, User],
            report: DemoReport) -> dict[str, Space]:
    spaces = {f"~{name}": session.scalar(select(Space).where(Space.owner_id == user.id))
              for name, user in users.items()}
    for entry in organisation["spaces"]:
        space = session.scalar(select(Space).where(Space.key == entry["key"]))
        if space is None:
            owner = next(users[name] for name, role in entry["members"].items() if role == "owner")
            space = space_service.create_space(session, owner, SpaceCreate(
                key=entry["key"], name=entry["name"], description=entry["description"],
                visibility=Visibility(entry["visibility"]),
            ))
            for name, role in entry["members"].items():
                space_service.put_member(session, space, users[name], MemberRole(role))
            report.spaces += 1
        spaces[space.key] = space
    return spaces


def _page(session: Session, data: dict[str, Any], users: dict[str, User], spaces: dict[str, Space],
          age_days: int, report: DemoReport) -> None:
    space = spaces[data["space"]]
    if session.scalar(select(Page.id).where(Page.space_id == space.id, Page.title_key == title_key(data["title"]))):
        return
    revisions = data["revisions"]
    first = revisions[0]
    page = page_service.create_page(session, users[first["author"]], space.id, data["title"], first["content"],
                                    data.get("categories", []), first.get("summary", ""))
    when = utcnow() - timedelta(days=age_days)
    _backdate(session, page, when)
    for step, revision in enumerate(revisions[1:], start=1):
        access = page_service.get_access(session, users[revision["author"]], page.id)
        outcome = page_service.edit_page(session, users[revision["author"]], access, page_service.PageEdit(
            page.current_revision_id, revision["content"], summary=revision.get("summary", ""),
            minor=revision.get("minor", False), on_conflict="fail"))
        _backdate(session, outcome.page, when + timedelta(days=step * max(1, age_days // (len(revisions) + 1))))
    report.pages += 1
    report.revisions += len(revisions)


def _backdate(session: Session, page: Page, when) -> None:
    """Spread the demo history over past weeks, so it reads like real use."""
    revision = session.get(Revision, page.current_revision_id)
    revision.created_at = when
    page.updated_at = when
    if revision.number == 1:
        page.created_at = when
    session.flush()
