"""Request and response bodies for teams, required-expertise profiles and skills-gap reports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from app.schema import RequestSchema, Schema
from app.topics.schemas import TopicRef

# One small world for the examples: the North East team (team 2) with Alice (person 3) and Ben (person 4);
# Priya Shah (person 41) is an external contact; someone else hid their profile.
_TEAM = {"id": 2, "name": "North East", "description": "Newcastle and Sunderland offices", "members": 6,
         "created_at": "2026-11-02T09:00:00Z"}
_TEAM_REF = {"id": 2, "name": "North East"}
_APPRENTICESHIPS = {"id": 23, "iri": "https://w3id.org/mature-lmi/topics/apprenticeships",
                    "label": "Apprenticeships", "status": "concept"}
_PAY = {"id": 12, "iri": "https://w3id.org/mature-lmi/topics/pay-and-earnings", "label": "Pay and earnings",
        "status": "concept"}
_ALICE = {"person_id": 3, "name": "Alice Okafor", "level": 4.5, "organisation": None}
_BEN = {"person_id": 4, "name": "Ben Hughes", "level": 2.0, "organisation": None}
_PRIYA = {"person_id": 41, "name": "Priya Shah", "level": 5.0, "organisation": "North East Chamber of Commerce"}
_REQUIREMENT = {"topic_id": 23, "required_people": 3, "level": 3, "priority": "high"}
_PROFILE_REF = {"id": 5, "name": "Apprenticeship season 2027", "team": _TEAM_REF}
_COUNTS = {"required": 3, "level": 3, "available": 1, "gap": 2}
_GAP = {
    "topic": _APPRENTICESHIPS, "priority": "high", "level": 3, "required": 3, "available": 2, "gap": 1,
    "single_point_of_failure": False, "people": [_ALICE], "hidden_people": 1, "training_candidates": [_BEN],
    "hidden_candidates": 0, "external_contacts": [_PRIYA], "hidden_contacts": 0, "narrower_topics": 3,
    "knowledge_base": {"pages": 7, "mature_pages": 2}}
_SUMMARY = {"people_in_scope": 6, "topics": 1, "topics_with_gap": 1, "total_gap": 1, "single_points_of_failure": 0}

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PriorityName = Literal["high", "medium", "low"]


def _examples(*values: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(values)})


# ---------------------------------------------------------------- teams


class TeamCreate(RequestSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "North East", "description": "Newcastle and Sunderland offices"}]})

    name: Name
    description: str = Field("", max_length=2000)


class TeamUpdate(RequestSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "North East and Cumbria"}]})

    name: Name | None = None
    description: str | None = Field(None, max_length=2000)


class TeamRef(Schema):
    model_config = _examples(_TEAM_REF)

    id: int
    name: str


class TeamRead(Schema):
    model_config = _examples(_TEAM)

    id: int
    name: str
    description: str
    members: int = Field(description="How many users are in the team.")
    created_at: datetime


class TeamMemberRead(Schema):
    model_config = _examples({"user_id": 3, "username": "alice", "display_name": "Alice Okafor",
                              "added_at": "2026-11-02T09:05:00Z"})

    user_id: int
    username: str
    display_name: str
    added_at: datetime


# ---------------------------------------------------------------- profiles


class RequirementIn(RequestSchema):
    """`required_people` people at `level` or above in the topic (tags on narrower topics count)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_REQUIREMENT]})

    topic_id: int = Field(description="A topic of the scheme (GET /api/topics); a merged topic means the one it "
                                      "was merged into.")
    required_people: int = Field(ge=1, le=10_000, description="How many people you need at the level.")
    level: int = Field(ge=1, le=5, description="1 aware of it ... 5 can change how we do it.")
    priority: PriorityName = "medium"


class ProfileWrite(RequestSchema):
    """A profile for the whole organisation (no `team_id`) or for one team; PUT replaces every topic."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "Apprenticeship season 2027", "description": "What the team needs by March.", "team_id": 2,
        "topics": [_REQUIREMENT, {"topic_id": 12, "required_people": 2, "level": 4, "priority": "medium"}]}]})

    name: Name
    description: str = Field("", max_length=2000)
    team_id: int | None = Field(None, description="Null: the whole organisation.")
    topics: list[RequirementIn] = Field(min_length=1, max_length=500)

    @field_validator("topics")
    @classmethod
    def _each_topic_once(cls, topics: list[RequirementIn]) -> list[RequirementIn]:
        seen: set[int] = set()
        for requirement in topics:
            if requirement.topic_id in seen:
                raise ValueError(f"topic {requirement.topic_id} is listed twice; give each topic once")
            seen.add(requirement.topic_id)
        return topics


class RequirementRead(Schema):
    model_config = _examples({"topic": _APPRENTICESHIPS, "required_people": 3, "level": 3, "priority": "high"})

    topic: TopicRef
    required_people: int
    level: int
    priority: PriorityName


class ProfileRead(Schema):
    model_config = _examples({
        "id": 5, "name": "Apprenticeship season 2027", "description": "What the team needs by March.",
        "team": _TEAM_REF, "topics": [{"topic": _APPRENTICESHIPS, "required_people": 3, "level": 3,
                                       "priority": "high"}],
        "created_at": "2026-11-02T09:10:00Z", "updated_at": "2026-11-20T14:00:00Z"})

    id: int
    name: str
    description: str
    team: TeamRef | None = Field(description="Null: the whole organisation.")
    topics: list[RequirementRead]
    created_at: datetime
    updated_at: datetime


class ProfileRef(Schema):
    model_config = _examples(_PROFILE_REF)

    id: int
    name: str
    team: TeamRef | None


# ---------------------------------------------------------------- the report


class PersonLevel(Schema):
    """A named person and their level in the topic (the mean of colleagues' strongest tags)."""

    model_config = _examples(_ALICE, _PRIYA)

    person_id: int
    name: str
    level: float
    organisation: str | None = Field(None, description="External contacts only.")


class KnowledgeBase(Schema):
    model_config = _examples({"pages": 7, "mature_pages": 2})

    pages: int = Field(description="Live pages on the topic or a narrower one, in organisational spaces you "
                                   "may read.")
    mature_pages: int = Field(description="Of those, pages formalising or later (phase III-V).")


class TopicGapRead(Schema):
    model_config = _examples(_GAP)

    topic: TopicRef
    priority: PriorityName
    level: int = Field(description="The level required.")
    required: int = Field(description="People needed at the level or above.")
    available: int = Field(description="People in scope at the level or above, hidden profiles included.")
    gap: int = Field(description="required - available, at least 0.")
    single_point_of_failure: bool = Field(description="Exactly one person holds it.")
    people: list[PersonLevel] = Field(description="Who holds it (people who hid their profile are not named).")
    hidden_people: int = Field(description="Holders who hid their profile: counted, not named.")
    training_candidates: list[PersonLevel] = Field(description="Less than one level below the requirement.")
    hidden_candidates: int
    external_contacts: list[PersonLevel] = Field(description="Contacts at the level who could cover it.")
    hidden_contacts: int
    narrower_topics: int = Field(description="Topics below this one whose tags and pages count for it.")
    knowledge_base: KnowledgeBase


class ReportSummary(Schema):
    model_config = _examples(_SUMMARY)

    people_in_scope: int = Field(description="Active users in the organisation or team, hidden ones included.")
    topics: int
    topics_with_gap: int
    total_gap: int
    single_points_of_failure: int


class SkillsGapReport(Schema):
    model_config = _examples({"profile": _PROFILE_REF, "as_of": "2026-11-23T20:00:00Z", "snapshot_id": None,
                              "summary": _SUMMARY, "topics": [_GAP]})

    profile: ProfileRef
    as_of: datetime = Field(description="When the figures were computed (a snapshot's time for `at=`).")
    snapshot_id: int | None = Field(description="The snapshot shown, or null for a live report.")
    summary: ReportSummary
    topics: list[TopicGapRead] = Field(description="High priority first, then the biggest gap.")


# ---------------------------------------------------------------- snapshots and changes


class SnapshotCreate(RequestSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"profile_id": 5}, {}]})

    profile_id: int | None = Field(None, description="Leave out to snapshot every profile.")


class SnapshotRead(Schema):
    model_config = _examples({"id": 31, "profile_id": 5, "taken_at": "2026-11-23T20:00:00Z", "taken_by_id": 2})

    id: int
    profile_id: int
    taken_at: datetime
    taken_by_id: int | None = Field(description="Null for the nightly snapshot.")


class GapCounts(Schema):
    model_config = _examples(_COUNTS)

    required: int
    level: int
    available: int
    gap: int


class TopicChangeRead(Schema):
    model_config = _examples({
        "topic": _APPRENTICESHIPS, "change": "kept", "before": _COUNTS,
        "after": {"required": 3, "level": 3, "available": 2, "gap": 1}, "available_change": 1, "gap_change": -1,
        "joined": [_ALICE], "left": []})

    topic: TopicRef
    change: Literal["added", "removed", "kept"] = Field(description="Whether the profile gained or lost the topic.")
    before: GapCounts | None
    after: GapCounts | None
    available_change: int
    gap_change: int = Field(description="Negative: the gap closed.")
    joined: list[PersonLevel] = Field(description="Named people who reached the level in between.")
    left: list[PersonLevel] = Field(description="Named people no longer at the level.")


class SkillsGapChanges(Schema):
    model_config = _examples({
        "profile": _PROFILE_REF, "from_at": "2026-10-01T02:00:00Z", "to_at": "2026-11-23T20:00:00Z",
        "from_snapshot_id": 12, "to_snapshot_id": None, "before": {**_SUMMARY, "total_gap": 2},
        "after": _SUMMARY, "topics": [{
            "topic": _APPRENTICESHIPS, "change": "kept", "before": _COUNTS,
            "after": {"required": 3, "level": 3, "available": 2, "gap": 1}, "available_change": 1,
            "gap_change": -1, "joined": [_ALICE], "left": []}]})

    profile: ProfileRef
    from_at: datetime
    to_at: datetime
    from_snapshot_id: int
    to_snapshot_id: int | None = Field(description="Null: compared with the live report.")
    before: ReportSummary
    after: ReportSummary
    topics: list[TopicChangeRead]


# ---------------------------------------------------------------- demand


class SearchDemand(Schema):
    model_config = _examples({"topic": _PAY, "query": "pay and earnings", "asked": 4, "unanswered": 3, "weak": 1,
                              "last_asked_at": "2026-11-21T11:00:00Z"},
                             {"topic": None, "query": "green hydrogen", "asked": 2, "unanswered": 2, "weak": 0,
                              "last_asked_at": "2026-11-19T15:30:00Z"})

    topic: TopicRef | None = Field(description="Null when the question named no topic of the scheme.")
    query: str = Field(description="What was asked (the latest wording).")
    asked: int
    unanswered: int
    weak: int
    last_asked_at: datetime


class KnowledgeDemand(Schema):
    model_config = _examples({"topic": _PAY, "pages": 5, "stale_pages": 2, "immature_pages": 3})

    topic: TopicRef
    pages: int
    stale_pages: int = Field(description="Valid-until passed, or neither edited nor rated for a year.")
    immature_pages: int = Field(description="Still expressing or appropriating ideas (phase Ia-Ib) or unassessed.")


class DemandReport(Schema):
    model_config = _examples({
        "since": "2026-08-25T20:00:00Z",
        "searches": [{"topic": _PAY, "query": "pay and earnings", "asked": 4, "unanswered": 3, "weak": 1,
                      "last_asked_at": "2026-11-21T11:00:00Z"}],
        "knowledge": [{"topic": _PAY, "pages": 5, "stale_pages": 2, "immature_pages": 3}]})

    since: datetime
    searches: list[SearchDemand] = Field(description="Expert searches with no or only weak answers, most asked "
                                                     "first.")
    knowledge: list[KnowledgeDemand] = Field(description="Topics whose pages are stale or immature, most first.")
