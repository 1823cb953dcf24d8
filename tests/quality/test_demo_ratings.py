"""The demo ratings fill the managers' review queues: one low-rated page, one whose raters disagree."""

from pathlib import Path

from sqlalchemy import select

from app.auth.models import User
from app.demo.loader import load_demo
from app.quality import demo, overview

RATINGS = Path(__file__).resolve().parents[2] / "app" / "demo" / "ratings.toml"


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
