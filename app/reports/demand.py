"""Demand signals: what advisers asked experts for and got few or no answers, and topics whose pages
are stale or immature (over the organisational pages the caller may read)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.auth.models import Space, SpaceKind, User
from app.pages.access import readable_pages
from app.pages.models import Page
from app.people.models import ExpertSearchGap
from app.topics.models import TopicConcept
from app.people.service import topic_refs
from app.topics.service import label_key
from app.quality import overview
from app.quality.maturity import Phase
from app.quality.models import PageMaturity
from app.reports.schemas import DemandReport, KnowledgeDemand, SearchDemand
from app.tagging import page_tags

IMMATURE_PHASES = (Phase.expressing_ideas.value, Phase.appropriating.value)


def demand(session: Session, viewer: User, since: datetime, limit: int) -> DemandReport:
    return DemandReport(since=since, searches=search_demand(session, since, limit),
                        knowledge=knowledge_demand(session, viewer, limit))


def search_demand(session: Session, since: datetime, limit: int) -> list[SearchDemand]:
    """Unanswered and weak expert searches since `since`, grouped by topic (or by wording when the question
    named no topic), most asked first. Who asked is never shown."""
    topic = func.coalesce(TopicConcept.merged_into_id, TopicConcept.id)
    rows = session.execute(
        select(topic, ExpertSearchGap.query, ExpertSearchGap.outcome, ExpertSearchGap.asked_at)
        .outerjoin(TopicConcept, TopicConcept.id == ExpertSearchGap.concept_id)
        .where(ExpertSearchGap.asked_at >= since).order_by(ExpertSearchGap.asked_at, ExpertSearchGap.id)).all()
    groups: dict[tuple[int | None, str], dict] = {}
    for topic_id, query, outcome, asked_at in rows:
        key = (topic_id, "" if topic_id is not None else label_key(query))
        group = groups.setdefault(key, {"asked": 0, "unanswered": 0, "weak": 0})
        group["asked"] += 1
        group["unanswered" if outcome == "unanswered" else "weak"] += 1
        group["query"], group["last"] = query, asked_at
    refs = topic_refs(session, {topic_id for topic_id, _ in groups if topic_id is not None})
    found = [SearchDemand(topic=refs.get(topic_id) if topic_id is not None else None, query=g["query"],
                          asked=g["asked"], unanswered=g["unanswered"], weak=g["weak"], last_asked_at=g["last"])
             for (topic_id, _), g in groups.items()]
    found.sort(key=lambda d: (-d.asked, -d.unanswered, -d.last_asked_at.timestamp(), d.query))
    return found[:limit]


def knowledge_demand(session: Session, viewer: User, limit: int) -> list[KnowledgeDemand]:
    """Topics whose organisational pages (that the viewer may read) are stale or immature, most first."""
    stale = set(session.scalars(select(overview.stale_pages(viewer, None).where(
        Space.kind == SpaceKind.organisation).subquery().c.page_id)))
    immature = case((PageMaturity.phase.is_(None), True), (PageMaturity.phase.in_(IMMATURE_PHASES), True),
                    else_=False)
    pages = session.execute(
        readable_pages(viewer, Page, immature)
        .outerjoin(PageMaturity, PageMaturity.page_id == Page.id)
        .where(Space.kind == SpaceKind.organisation)).all()
    topics_of = page_tags.page_topic_ids(session, [page for page, _ in pages])
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for page, is_immature in pages:
        for topic_id in topics_of.get(page.id, ()):
            count = counts[topic_id]
            count[0] += 1
            count[1] += page.id in stale
            count[2] += bool(is_immature)
    flagged = {t: c for t, c in counts.items() if c[1] or c[2]}
    refs = topic_refs(session, flagged)
    found = [KnowledgeDemand(topic=refs[t], pages=c[0], stale_pages=c[1], immature_pages=c[2])
             for t, c in flagged.items() if t in refs]
    found.sort(key=lambda d: (-(d.stale_pages + d.immature_pages), -d.pages, d.topic.label.casefold()))
    return found[:limit]
