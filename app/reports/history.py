"""Snapshots of reports, the report as it stood on an earlier date, and the change between two dates.

A snapshot stores the report's JSON as computed then (hidden people only counted). When a snapshot
is shown, people who have hidden their profile since, or whose contact was deleted, are taken out of
the names and counted instead: an old snapshot never names someone who is hidden now.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import utcnow
from app.people.models import Person
from app.reports import profiles, report
from app.reports.exceptions import InvalidReportRequest, SnapshotNotFound
from app.reports.models import ReportSnapshot, SkillsProfile
from app.reports.schemas import (
    GapCounts, PersonLevel, SkillsGapChanges, SkillsGapReport, SnapshotRead, TopicChangeRead, TopicGapRead,
)


def parse_moment(value: str, name: str) -> datetime:
    """`2026-11-20` (the end of that day, UTC) or an ISO 8601 time (UTC unless it says otherwise)."""
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text) + timedelta(days=1), time(), UTC) - timedelta(
                microseconds=1)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidReportRequest(f"{name}: '{value}' is not a date; give YYYY-MM-DD (e.g. 2026-11-20) or an "
                                   "ISO 8601 time (e.g. 2026-11-20T09:00:00Z).") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def take(session: Session, actor: User | None, profile: SkillsProfile, viewer: User) -> ReportSnapshot:
    """Store the profile's report as it is now; `viewer`'s rights bound the knowledge-base counts."""
    body = report.report(session, viewer, profile)
    snapshot = ReportSnapshot(profile_id=profile.id, taken_at=body.as_of, taken_by_id=actor.id if actor else None,
                              body=body.model_dump(mode="json"))
    session.add(snapshot)
    session.flush()
    return snapshot


def take_all(session: Session, actor: User | None, viewer: User) -> list[ReportSnapshot]:
    return [take(session, actor, profile, viewer)
            for profile in session.scalars(select(SkillsProfile).order_by(SkillsProfile.id))]


def snapshot_at(session: Session, profile: SkillsProfile, moment: datetime, name: str = "at") -> ReportSnapshot:
    """The latest snapshot taken at or before the moment; 404 saying how to get one when there is none."""
    snapshot = session.scalar(select(ReportSnapshot).where(ReportSnapshot.profile_id == profile.id,
                                                           ReportSnapshot.taken_at <= moment)
                              .order_by(ReportSnapshot.taken_at.desc(), ReportSnapshot.id.desc()).limit(1))
    if snapshot is None:
        raise SnapshotNotFound(
            f"{name}: profile {profile.id} has no snapshot taken on or before {moment:%Y-%m-%d %H:%M} UTC. "
            "Snapshots are taken with POST /api/reports/snapshots or nightly by `mature reports snapshot`.")
    return snapshot


def shown(session: Session, snapshot: ReportSnapshot) -> SkillsGapReport:
    """A stored report as it may be shown today."""
    stored = SkillsGapReport.model_validate(snapshot.body)
    stored = stored.model_copy(update={"snapshot_id": snapshot.id, "as_of": snapshot.taken_at})
    _redact(session, stored)
    return stored


def _redact(session: Session, stored: SkillsGapReport) -> None:
    named = {p.person_id for t in stored.topics for p in (*t.people, *t.training_candidates, *t.external_contacts)}
    visible = set(session.scalars(select(Person.id).where(Person.id.in_(named), Person.hidden_at.is_(None))))
    for topic in stored.topics:
        topic.people, gone = _keep(topic.people, visible)
        topic.hidden_people += gone
        topic.training_candidates, gone = _keep(topic.training_candidates, visible)
        topic.hidden_candidates += gone
        topic.external_contacts, gone = _keep(topic.external_contacts, visible)
        topic.hidden_contacts += gone


def _keep(people: list[PersonLevel], visible: set[int]) -> tuple[list[PersonLevel], int]:
    kept = [p for p in people if p.person_id in visible]
    return kept, len(people) - len(kept)


def report_at(session: Session, viewer: User, profile: SkillsProfile, at: str | None) -> SkillsGapReport:
    """The live report, or with `at` the last snapshot on or before that date."""
    if at is None:
        return report.report(session, viewer, profile)
    moment = parse_moment(at, "at")
    if moment > utcnow():
        raise InvalidReportRequest(f"at: {at} is in the future; leave `at` out for the report as it is now.")
    return shown(session, snapshot_at(session, profile, moment))


def changes(session: Session, viewer: User, profile: SkillsProfile, since: str, until: str | None) -> SkillsGapChanges:
    """How the report changed from the snapshot on `since` to the snapshot on `until` (or to now)."""
    start = parse_moment(since, "from")
    end = parse_moment(until, "to") if until is not None else utcnow()
    if start >= end:
        raise InvalidReportRequest(f"from ({since}) must be before to ({until or 'now'}).")
    first = snapshot_at(session, profile, start, "from")
    before = shown(session, first)
    after = shown(session, snapshot_at(session, profile, end, "to")) if until is not None else report.report(
        session, viewer, profile)
    return SkillsGapChanges(profile=profiles.profile_ref(session, profile), from_at=before.as_of, to_at=after.as_of,
                            from_snapshot_id=first.id, to_snapshot_id=after.snapshot_id,
                            before=before.summary, after=after.summary, topics=compare(before, after))


def _counts(row: TopicGapRead | None) -> GapCounts | None:
    if row is None:
        return None
    return GapCounts(required=row.required, level=row.level, available=row.available, gap=row.gap)


def compare(before: SkillsGapReport, after: SkillsGapReport) -> list[TopicChangeRead]:
    """Per topic of either report: the counts then and now, and who reached or lost the level (by name)."""
    old = {t.topic.id: t for t in before.topics}
    new = {t.topic.id: t for t in after.topics}
    found = []
    for topic_id in [*new, *(i for i in old if i not in new)]:
        then, now = old.get(topic_id), new.get(topic_id)
        had = {p.person_id for p in then.people} if then else set()
        has = {p.person_id for p in now.people} if now else set()
        found.append(TopicChangeRead(
            topic=(now or then).topic, change="kept" if then and now else ("added" if now else "removed"),
            before=_counts(then), after=_counts(now),
            available_change=(now.available if now else 0) - (then.available if then else 0),
            gap_change=(now.gap if now else 0) - (then.gap if then else 0),
            joined=[p for p in (now.people if now else []) if p.person_id not in had],
            left=[p for p in (then.people if then else []) if p.person_id not in has]))
    return found


def list_snapshots(session: Session, profile: SkillsProfile, offset: int, limit: int) -> list[SnapshotRead]:
    rows = session.scalars(select(ReportSnapshot).where(ReportSnapshot.profile_id == profile.id)
                           .order_by(ReportSnapshot.taken_at.desc(), ReportSnapshot.id.desc())
                           .offset(offset).limit(limit))
    return [SnapshotRead(id=s.id, profile_id=s.profile_id, taken_at=s.taken_at, taken_by_id=s.taken_by_id)
            for s in rows]
