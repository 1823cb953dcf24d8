"""Request and response bodies for ratings, maturity and approvals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from app.pages.schemas import AuthorRead
from app.schema import RequestSchema, Schema

SCORE = Field(None, ge=1, le=5)


class Scores(RequestSchema):
    """1 (poor) to 5 (excellent) on each LMI quality criterion; leave out what you cannot judge."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"currency": 4, "reliability": 5, "relevance": 4, "impartiality": 4, "accessibility": 3,
         "comprehensiveness": 3}]})

    currency: int | None = Field(None, ge=1, le=5, description="Up to date.")
    reliability: int | None = Field(None, ge=1, le=5, description="Sound sources, figures checkable.")
    relevance: int | None = Field(None, ge=1, le=5, description="Useful for our clients.")
    impartiality: int | None = Field(None, ge=1, le=5, description="Balanced, not promoting a provider.")
    accessibility: int | None = Field(None, ge=1, le=5, description="A client can understand it.")
    comprehensiveness: int | None = Field(None, ge=1, le=5, description="Covers what an adviser needs.")

    @model_validator(mode="after")
    def _at_least_one(self) -> Scores:
        if all(value is None for value in self.model_dump().values()):
            raise ValueError("score at least one criterion (1-5)")
        return self


class CriterionRead(Schema):
    """One LMI quality criterion a rating scores (1-5), for rating forms."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"key": "reliability", "label": "Reliability", "description": "Sound sources, figures checkable."}]})

    key: str = Field(description="The field name in `scores`.")
    label: str
    description: str


def criteria() -> list[CriterionRead]:
    """The criteria as the Scores schema defines them (one source for the API and the forms)."""
    return [CriterionRead(key=name, label=name.capitalize(), description=field.description or "")
            for name, field in Scores.model_fields.items()]


class RatingPut(RequestSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "scores": {"currency": 4, "reliability": 5}, "comment": "Figures match ASHE 2025.", "anonymous": False}]})

    scores: Scores
    comment: str = Field("", max_length=2000)
    anonymous: bool = Field(False, description="Hide your name from colleagues (managers still see it).")


class RatingRead(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 7, "page_id": 9, "revision_id": 14, "rater": {"id": 3, "username": "alice", "display_name": "Alice Okafor"},
        "scores": {"currency": 4, "reliability": 5, "relevance": None, "impartiality": None, "accessibility": None,
                   "comprehensiveness": None},
        "comment": "Figures match ASHE 2025.", "anonymous": False, "by_author": False,
        "created_at": "2026-11-20T10:12:00Z", "superseded_at": None}]})

    id: int
    page_id: int
    revision_id: int = Field(description="The revision that was rated.")
    rater: AuthorRead | None = Field(description="Null when the rater chose to be anonymous to you.")
    scores: Scores
    comment: str
    anonymous: bool
    by_author: bool = Field(description="The rater wrote part of the page: shown, but not counted in the score.")
    created_at: datetime
    superseded_at: datetime | None


class ContributionRead(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "key": "ratings", "points": 18.5, "explanation": "Rated by 3 colleagues (reliability 4.3 on average)"}]})

    key: str
    points: float
    explanation: str


class MaturityRead(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "page_id": 9, "score": 62.5, "confidence": 0.55, "phase": "distributing",
        "contributions": [{"key": "ratings", "points": 18.5,
                           "explanation": "Rated by 3 colleagues (reliability 4.3 on average)"}],
        "approved_revision_id": None, "approved_differs": False, "computed_at": "2026-11-20T10:12:00Z"}]})

    page_id: int
    score: float = Field(description="0-100")
    confidence: float = Field(description="0-1: how much evidence the score rests on.")
    phase: str = Field(description="Knowledge-maturing phase: expressing_ideas, appropriating, distributing, "
                                   "formalising, piloting or standardising.")
    contributions: list[ContributionRead]
    approved_revision_id: int | None
    approved_differs: bool = Field(description="The page changed since the approved revision.")
    computed_at: datetime
    assessed: bool = Field(False, description="False: not yet assessed (no colleague's rating counts yet), so the "
                                              "score rests on the page's signals alone.")
    flags: list[str] = Field(default_factory=list, description="Warnings: not_assessed, near_empty, undated "
                                                               "(no Valid until), expired (Valid until passed).")
    phase_reason: str = Field("", description="Why the page is in its phase, and what the next phase needs.")


class ApprovalPut(RequestSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"revision_id": 14, "note": "Checked."}]})

    revision_id: int | None = Field(None, description="Default: the current revision.")
    note: str = Field("", max_length=2000)
    kind: Literal["reference", "trial"] = Field(
        "reference", description="reference: the organisation's reference version (standardising); trial: "
                                 "approved for trial with clients (piloting).")


class ApprovalRead(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "page_id": 9, "revision_id": 14, "approved_by": {"id": 2, "username": "carol", "display_name": "Carol Singh"},
        "approved_at": "2026-11-20T10:12:00Z", "note": "Checked.", "current_revision_id": 15, "differs": True}]})

    page_id: int
    revision_id: int
    approved_by: AuthorRead
    approved_at: datetime
    note: str
    current_revision_id: int
    differs: bool = Field(description="The current revision is a later one than the approved revision.")
    kind: str = Field("reference", description="reference or trial.")


class ClientUsesRead(Schema):
    """How often advisers used the page with clients (who and when only: no client data is kept)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "page_id": 9, "uses": 7, "people": 3, "since": "2025-12-03", "my_latest": "2026-12-02"}]})

    page_id: int
    uses: int = Field(description="'Used with a client' marks in the last 12 months (one per person and day).")
    people: int = Field(description="Distinct colleagues who made them.")
    since: date
    my_latest: date | None = Field(description="The day of your latest mark, if any.")


class MaturityPoint(Schema):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "at": "2026-11-20T10:12:00Z", "score": 48.2, "confidence": 0.41, "phase": "distributing"}]})

    at: datetime
    score: float
    confidence: float
    phase: str
