"""The demo ratings fill the managers' review queues (one low-rated page, one whose raters disagree), and the demo's
practice evidence puts pages in the later MATURE phases."""

from pathlib import Path

from sqlalchemy import select

from app.auth.models import User
from app.demo.loader import load_demo
from app.pages.models import Page
from app.quality import demo, overview
from app.quality.models import PageMaturity

RATINGS = Path(__file__).resolve().parents[2] / "app" / "demo" / "ratings.toml"
PRACTICE = RATINGS.with_name("practice.toml")


def test_demo_ratings_fill_the_review_queues_once(session):
    load_demo(session)
    carol = session.scalar(select(User).where(User.username == "carol"))

    low = overview.queue(session, carol, "low_rated", None, 0, 50)
    assert [(item.title, item.reason) for item in low] == [
        ("Digital and cyber security careers", "Rated 2.2 out of 5 on average by 2 colleagues")]
    conflicting = overview.queue(session, carol, "conflicting", None, 0, 50)
    assert [item.title for item in conflicting] == ["Teaching and teacher training routes"]
    assert "3 colleagues disagree" in conflicting[0].reason
    assert demo.load(session, RATINGS) == 0  # loading again adds nothing


def test_the_demo_overview_shows_pages_in_at_least_four_phases_for_their_reasons(session):
    load_demo(session)
    carol = session.scalar(select(User).where(User.username == "carol"))
    phases = overview.overview(session, carol).by_phase
    assert len(phases) >= 4, phases
    assert {"formalising", "piloting", "standardising"} <= set(phases), phases

    def stored(title: str) -> PageMaturity:
        page_id = session.scalar(select(Page.id).where(Page.title == title))
        return session.get(PageMaturity, page_id)

    reasons = {title: (stored(title).phase, stored(title).phase_reason) for title in (
        "Adult social care pay and progression", "Construction skills shortages",
        "Offshore wind and green jobs in the North East", "How we write LMI pages")}
    assert reasons["Adult social care pay and progression"][0] == "formalising"
    assert "3 colleagues agreeing" in reasons["Adult social care pay and progression"][1]
    assert reasons["Construction skills shortages"] == (
        "piloting", "Structured and used in practice: 2 colleagues used it with clients")
    assert reasons["Offshore wind and green jobs in the North East"] == (
        "piloting", "A manager approved it for trial with clients")
    assert reasons["How we write LMI pages"][0] == "standardising"
    assert demo.load_practice(session, PRACTICE) == 0  # loading again adds nothing
