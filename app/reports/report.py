"""The live skills-gap report of a profile: the database facts gathered once, the arithmetic in `gap`.

Who counts: active users in the profile's scope (the organisation, or the team's members), hidden
profiles included but never named; external contacts are listed as cover, never as available.
Tags count when current, made by a colleague (not a self-tag) and not hidden by the person they are
about (hiding a tag disowns it). A topic's knowledge base is the live pages about it or a narrower
topic in organisational spaces the caller may read: personal spaces are never counted, so a report
(and a snapshot another manager reads later) reveals nothing private.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session, aliased

from app.auth.models import Space, SpaceKind, User
from app.pages.access import readable_pages
from app.db import utcnow
from app.pages.models import Page
from app.topics import service as topics
from app.people.models import Person, PersonTag
from app.topics.models import TopicBroader, TopicConcept
from app.people.service import topic_ref
from app.quality.maturity import Phase
from app.quality.models import PageMaturity
from app.reports import gap, profiles
from app.reports.models import SkillsProfile, Team, TeamMember
from app.reports.schemas import (
    KnowledgeBase, PersonLevel, ReportSummary, SkillsGapReport, TopicGapRead,
)
from app.annotations.models import PageAnnotation
from app.tagging import page_tags
from app.tagging.models import PageTag

MATURE_PHASES = (Phase.formalising.value, Phase.piloting.value, Phase.standardising.value)
TAG_BATCH = 5_000


@dataclass(frozen=True)
class Assessment:
    """Everything a report or chart of one profile needs, gathered in a handful of queries."""

    profile: SkillsProfile
    requirements: list[gap.Requirement]
    topics: dict[int, TopicConcept]
    subtrees: dict[int, set[int]]
    levels: dict[int, dict[int, float]]
    people: dict[int, gap.Someone]
    scope: set[int]

    def gaps(self) -> list[gap.TopicGap]:
        found = [gap.topic_gap(r, self.levels.get(r.topic_id, {}), self.people, self.scope)
                 for r in self.requirements]
        return gap.ordered(found, {i: t.label for i, t in self.topics.items()})


def assess(session: Session, profile: SkillsProfile) -> Assessment:
    """Gather the profile's requirements, the topic hierarchy, the tags and the people."""
    requirements, concepts = _requirements(session, profile)
    roots = {r.topic_id for r in requirements}
    edges = session.execute(select(TopicBroader.narrower_id, TopicBroader.broader_id)).all()
    subtrees = gap.descendants(edges, roots)
    levels = gap.levels(_tags(session, set().union(*subtrees.values()) if subtrees else set()), subtrees)
    people = _people(session)
    return Assessment(profile, requirements, concepts, subtrees, levels, people, _scope(session, profile, people))


def _requirements(session: Session, profile: SkillsProfile) -> tuple[list[gap.Requirement], dict[int, TopicConcept]]:
    """The requirements on live topics (a topic merged since the profile was written redirects)."""
    rows = profiles.requirements(session, profile)
    stored = {t.id: t for t in session.scalars(select(TopicConcept).where(
        TopicConcept.id.in_([r.concept_id for r in rows])))}
    requirements, concepts = [], {}
    for row in rows:
        topic = topics.follow(session, stored[row.concept_id])
        if topic.id in concepts:
            continue  # two required topics merged into one: the first requirement stands
        concepts[topic.id] = topic
        requirements.append(gap.Requirement(topic.id, row.level, row.required_people, row.priority.value))
    return requirements, concepts


def _tags(session: Session, concept_ids: set[int]) -> Iterator[gap.Tag]:
    """Current colleagues' tags on the topics that the tagged person has not hidden."""
    ids = sorted(concept_ids)
    for start in range(0, len(ids), TAG_BATCH):
        rows = session.execute(
            select(PersonTag.person_id, PersonTag.tagger_id, PersonTag.concept_id, PersonTag.level)
            .where(PersonTag.concept_id.in_(ids[start:start + TAG_BATCH]), PersonTag.superseded_at.is_(None),
                   PersonTag.hidden_at.is_(None), PersonTag.is_self.is_(False)))
        for row in rows:
            yield gap.Tag(*row)


def _people(session: Session) -> dict[int, gap.Someone]:
    """Active users and every external contact, with the name a report may show (if not hidden)."""
    rows = session.execute(
        select(Person.id, Person.user_id, Person.name, Person.organisation, Person.hidden_at, User.display_name,
               User.is_active).outerjoin(User, User.id == Person.user_id))
    people = {}
    for person_id, user_id, name, organisation, hidden_at, display_name, active in rows:
        if user_id is not None and not active:
            continue
        external = user_id is None
        people[person_id] = gap.Someone(person_id, (name if external else display_name) or "", external,
                                        hidden_at is not None, organisation if external else "")
    return people


def _scope(session: Session, profile: SkillsProfile, people: dict[int, gap.Someone]) -> set[int]:
    """The people a profile is about: every active user, or the active users in its team."""
    if profile.team_id is None:
        return {pid for pid, someone in people.items() if not someone.external}
    members = session.scalars(select(Person.id).join(TeamMember, TeamMember.user_id == Person.user_id)
                              .where(TeamMember.team_id == profile.team_id))
    return {pid for pid in members if pid in people}


def team_members(session: Session) -> tuple[list[Team], dict[int, set[int]]]:
    """Every team (by name) and its members' person ids, for the team x topic heatmap."""
    teams = list(session.scalars(select(Team).order_by(func.lower(Team.name), Team.id)))
    members: dict[int, set[int]] = {team.id: set() for team in teams}
    for team_id, person_id in session.execute(select(TeamMember.team_id, Person.id)
                                              .join(Person, Person.user_id == TeamMember.user_id)):
        members[team_id].add(person_id)
    return teams, members


def knowledge_bases(session: Session, viewer: User, subtrees: dict[int, set[int]]) -> dict[int, KnowledgeBase]:
    """Per required topic: live pages about it or a narrower topic (a reader's tag or a dcterms:subject
    annotation of the current revision, merged topics followed: the rule of `page_tags.pages_on_topic`) in
    organisational spaces the viewer may read, and how many of them are mature. One query for every topic."""
    wanted = set().union(*subtrees.values()) if subtrees else set()
    if not wanted:
        return {}
    readable = readable_pages(viewer, Page.id).where(Space.kind == SpaceKind.organisation)
    concept = aliased(TopicConcept)
    tagged = (select(PageTag.page_id.label("page_id"), page_tags.effective_topic_id().label("topic_id"))
              .join(TopicConcept, TopicConcept.id == PageTag.concept_id)
              .where(page_tags.effective_topic_id().in_(wanted), PageTag.page_id.in_(readable)))
    annotated = (select(Page.id.label("page_id"), page_tags.effective_topic_id(concept).label("topic_id"))
                 .join(PageAnnotation, PageAnnotation.revision_id == Page.current_revision_id)
                 .join(concept, concept.iri == PageAnnotation.value_iri)
                 .where(PageAnnotation.property_iri == page_tags.SUBJECT,
                        page_tags.effective_topic_id(concept).in_(wanted), Page.id.in_(readable)))
    about = union(tagged, annotated).subquery()
    rows = session.execute(select(about.c.topic_id, about.c.page_id, PageMaturity.phase)
                           .outerjoin(PageMaturity, PageMaturity.page_id == about.c.page_id)).all()
    pages_on: dict[int, set[int]] = defaultdict(set)
    mature: set[int] = set()
    for topic_id, page_id, phase in rows:
        pages_on[topic_id].add(page_id)
        if phase in MATURE_PHASES:
            mature.add(page_id)
    found = {}
    for root, subtree in subtrees.items():
        pages = set().union(*(pages_on.get(t, set()) for t in subtree))
        found[root] = KnowledgeBase(pages=len(pages), mature_pages=len(pages & mature))
    return found


def report(session: Session, viewer: User, profile: SkillsProfile) -> SkillsGapReport:
    """The profile's report as of now."""
    assessment = assess(session, profile)
    bases = knowledge_bases(session, viewer, assessment.subtrees)
    rows = [_topic_read(assessment, g, bases[g.requirement.topic_id]) for g in assessment.gaps()]
    return SkillsGapReport(profile=profiles.profile_ref(session, profile), as_of=utcnow(), snapshot_id=None,
                           summary=summarise(len(assessment.scope), rows), topics=rows)


def _named(holders: list[gap.Holder], external: bool = False) -> list[PersonLevel]:
    # Built without re-validation: a broad topic in a large organisation names thousands of people.
    return [PersonLevel.model_construct(person_id=h.person_id, name=h.name, level=h.level,
                                        organisation=h.organisation if external else None) for h in holders]


def _topic_read(assessment: Assessment, found: gap.TopicGap, base: KnowledgeBase) -> TopicGapRead:
    requirement = found.requirement
    subtree = assessment.subtrees[requirement.topic_id]
    return TopicGapRead(
        topic=topic_ref(assessment.topics[requirement.topic_id]), priority=requirement.priority,
        level=requirement.level, required=requirement.required, available=found.available, gap=found.gap,
        single_point_of_failure=found.single_point_of_failure, people=_named(found.holders),
        hidden_people=found.hidden_holders, training_candidates=_named(found.candidates),
        hidden_candidates=found.hidden_candidates, external_contacts=_named(found.contacts, external=True),
        hidden_contacts=found.hidden_contacts, narrower_topics=len(subtree) - 1,
        knowledge_base=base)


def summarise(people_in_scope: int, rows: list[TopicGapRead]) -> ReportSummary:
    return ReportSummary(people_in_scope=people_in_scope, topics=len(rows),
                         topics_with_gap=sum(1 for r in rows if r.gap), total_gap=sum(r.gap for r in rows),
                         single_points_of_failure=sum(1 for r in rows if r.single_point_of_failure))


def heatmap(session: Session, profile: SkillsProfile) -> tuple[list[tuple[str, int]], list[tuple[str, list[int]]]]:
    """Columns (topic label, people required) in the report's order, and per team (the whole organisation
    first) how many of its active people are at each topic's level; hidden people count, unnamed."""
    assessment = assess(session, profile)
    gaps = assessment.gaps()
    columns = [(assessment.topics[g.requirement.topic_id].label, g.requirement.required) for g in gaps]
    everyone = {pid for pid, someone in assessment.people.items() if not someone.external}
    teams, members = team_members(session)
    groups = [("Whole organisation", everyone), *((team.name, members[team.id] & everyone) for team in teams)]
    rows = []
    for label, people in groups:
        counts = []
        for g in gaps:
            level_of = assessment.levels.get(g.requirement.topic_id, {})
            counts.append(sum(1 for pid in people if level_of.get(pid, 0.0) >= g.requirement.level))
        rows.append((label, counts))
    return columns, rows
