"""The demo organisation ships teams and skills profiles, so the manager dashboard opens on a real gap report."""

from pathlib import Path

from sqlalchemy import select

from app.auth import service as accounts
from app.auth.models import Role, User
from app.people import demo as people_demo
from app.reports import demo, history, profiles
from app.reports.models import SkillsProfile

DEMO = Path(__file__).resolve().parents[2] / "app" / "demo"


def test_demo_profiles_show_gaps_and_load_once(session):
    for name, role in [("carol", Role.manager), ("alice", Role.adviser), ("ben", Role.adviser),
                       ("dev", Role.adviser), ("erin", Role.adviser), ("admin", Role.admin)]:
        if session.scalar(select(User).where(User.username == name)) is None:
            accounts.create_user(session, name, name.title(), role, "mature-demo-pass")
    people_demo.load_people(session, DEMO / "people.toml")
    assert demo.load(session, DEMO / "reports.toml") == (2, 2)
    assert demo.load(session, DEMO / "reports.toml") == (0, 0)

    carol = session.scalar(select(User).where(User.username == "carol"))
    season = session.scalar(select(SkillsProfile).where(SkillsProfile.name == "Apprenticeship season 2027"))
    report = history.report_at(session, carol, profiles.get_profile(session, season.id), None)
    by_topic = {t.topic.label: t for t in report.topics}
    assert report.summary.people_in_scope == 3 and report.summary.total_gap > 0
    assert [p.name for p in by_topic["Apprenticeships"].people] == ["Alice"]  # tagged 4 and 3 (narrower)
    assert by_topic["Apprenticeships"].single_point_of_failure and by_topic["Apprenticeships"].gap == 1
    assert [c.name for c in by_topic["Employer engagement"].external_contacts] == ["Priya Shah"]
    assert by_topic["Vacancies and recruitment"].available == 0 and by_topic["Vacancies and recruitment"].gap == 2
