"""Request and response bodies for ratings, maturity and approvals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from app.pages.schemas import AuthorRead
from app.quality.audiences import AUDIENCE_SCHEME, PURPOSE_SCHEME, checked_audience, checked_purpose, choices
from app.quality.criteria import BY_KEY, CRITERIA
from app.schema import RequestSchema, Schema


def _criterion(key: str) -> Any:
    """A 1-5 criterion field documented by the criteria table (one source for the API, schemas and forms)."""
    text = BY_KEY[key]
    return Field(None, ge=1, le=5, description=f"{text.definition} 1: {text.poor} 5: {text.excellent}")


class Scores(RequestSchema):
    """1 (poor) to 5 (excellent) on each LMI quality criterion; leave out what you cannot judge."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"currency": 4, "reliability": 5, "relevance": 4, "impartiality": 4, "accessibility": 3,
         "comprehensiveness": 3, "equality": 4}]})

    currency: int | None = _criterion("currency")
    reliability: int | None = _criterion("reliability")
    relevance: int | None = _criterion("relevance")
    impartiality: int | None = _criterion("impartiality")
    accessibility: int | None = _criterion("accessibility")
    comprehensiveness: int | None = _criterion("comprehensiveness")
    equality: int | None = _criterion("equality")

    def given(self) -> dict[str, int]:
        """The criteria scored."""
        return {name: value for name, value in self.model_dump().items() if value is not None}


class CriterionRead(Schema):
    """One LMI quality criterion a rating scores (1-5), for rating forms."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "key": "reliability", "label": "Reliability",
        "description": "Trustworthy: figures come from named, sound sources that an adviser can check.",
        "poor": "No sources, or figures that cannot be traced or contradict the official ones.",
        "excellent": "Every figure names a sound source with a link, and the figures match it."}]})

    key: str = Field(description="The field name in `scores`.")
    label: str
    description: str = Field(description="What the criterion asks, in plain words.")
    poor: str = Field(description="What a 1 looks like.")
    excellent: str = Field(description="What a 5 looks like.")


def criteria() -> list[CriterionRead]:
    """The seven criteria from the criteria table, in the rating form's order."""
    return [CriterionRead(key=c.key, label=c.label, description=c.definition, poor=c.poor, excellent=c.excellent)
            for c in CRITERIA]


class ChoiceRead(Schema):
    """An audience or a purpose a rating may name (a concept of the ontology's scheme)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "key": "adults-changing-career", "label": "Adults changing career",
        "definition": "Adults in work who want to move into a different occupation or sector, often retraining "
                      "or using transferable skills.", "iri": "https://w3id.org/mature-lmi/audiences/adults-changing-career"}]})

    key: str = Field(description="The value of a rating's `audience` or `purpose`.")
    label: str = Field(description="The same concept in page annotations: [[Audience::label]].")
    definition: str
    iri: str


class AudiencesRead(Schema):
    """What a rating form offers for `audience` and `purpose`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "audiences": [{"key": "practitioners-only", "label": "Practitioners only",
                       "definition": "Careers advisers and other practitioners themselves ...",
                       "iri": "https://w3id.org/mature-lmi/audiences/practitioners-only"}],
        "purposes": [{"key": "used-by-practitioners", "label": "Used by practitioners",
                      "definition": "Used by practitioners in their own work ...",
                      "iri": "https://w3id.org/mature-lmi/purposes/used-by-practitioners"}]}]})

    audiences: list[ChoiceRead]
    purposes: list[ChoiceRead]


def audiences() -> AudiencesRead:
    """The audience and purpose choices from the ontology's schemes."""
    return AudiencesRead(audiences=[ChoiceRead(**vars(c)) for c in choices(AUDIENCE_SCHEME)],
                         purposes=[ChoiceRead(**vars(c)) for c in choices(PURPOSE_SCHEME)])


class RatingPut(RequestSchema):
    """A quick overall judgement, optional scores per criterion and a comment (at least one score)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "overall": 4, "scores": {"currency": 4, "reliability": 5}, "comment": "Figures match ASHE 2025.",
        "anonymous": False, "issue": False}]})

    overall: int | None = Field(None, ge=1, le=5, description=(
        "Your overall judgement, 1 (poor) to 5 (excellent). When given it is your rating's value; "
        "else the mean of the criteria you scored is."))
    scores: Scores = Field(default_factory=Scores, description="Optional: 1-5 on each criterion you can judge.")
    comment: str = Field("", max_length=2000)
    anonymous: bool = Field(False, description="Hide your name from colleagues (managers still see it).")
    issue: bool = Field(False, description=(
        "The comment is a problem the page's authors should fix: it reaches their feed. Needs a comment."))

    @model_validator(mode="after")
    def _something_rated(self) -> RatingPut:
        if self.overall is None and not self.scores.given():
            raise ValueError("give an overall judgement (1-5) or score at least one criterion (1-5)")
        if self.issue and not self.comment.strip():
            raise ValueError("an issue needs a comment that says what the authors should fix")
        return self
    audience: Annotated[str | None, AfterValidator(checked_audience)] = Field(
        None, description="Key of the audience you judged the page for (GET /api/quality/audiences).",
        examples=["adults-changing-career"])
    purpose: Annotated[str | None, AfterValidator(checked_purpose)] = Field(
        None, description="Key of the purpose you judged the page for (GET /api/quality/audiences).",
        examples=["interpreted-for-a-client"])


class RatingRead(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 7, "page_id": 9, "revision_id": 14, "rater": {"id": 3, "username": "alice", "display_name": "Alice Okafor"},
        "overall": 4, "scores": {"currency": 4, "reliability": 5, "relevance": None, "impartiality": None,
                                 "accessibility": None, "comprehensiveness": None, "equality": None},
        "comment": "Figures match ASHE 2025.", "issue": False, "anonymous": False, "by_author": False,
        "counted": True,
        "created_at": "2026-11-20T10:12:00Z", "superseded_at": None}]})

    id: int
    page_id: int
    revision_id: int = Field(description="The revision that was rated.")
    rater: AuthorRead | None = Field(description="Null when the rater chose to be anonymous to you.")
    overall: int | None = Field(description="The overall judgement (1-5), if given: then it is the rating's value.")
    scores: Scores
    comment: str
    issue: bool = Field(description="The comment is marked as a problem for the page's authors to fix.")
    anonymous: bool
    audience: str | None = Field(None, description="Key of the audience the rater judged the page for, if said.")
    purpose: str | None = Field(None, description="Key of the purpose the rater judged the page for, if said.")
    by_author: bool = Field(description="The rater wrote part of the page: shown, but not counted in the score.")
    counted: bool = Field(description="Counts towards the page's maturity: false for ratings by the page's "
                                      "authors and for replaced or withdrawn ratings.")
    created_at: datetime
    superseded_at: datetime | None


class MyRatingRead(Schema):
    """Your standing as a rater of one page: your current rating, and whether it counts."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"by_author": True, "counted": False, "rating": None}]})

    by_author: bool = Field(description="You wrote part of the page: your rating is shown but not counted.")
    counted: bool = Field(description="A rating by you counts towards the page's maturity.")
    rating: RatingRead | None = Field(description="Your current rating, or null if you have not rated the page.")


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
