"""Request and response bodies for people, tags and expert search."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from app.pages.schemas import AuthorRead
from app.schema import RequestSchema, Schema
from app.topics.schemas import TopicRef

# One small world for the examples: Alice (user 3, person 3) and Ben (user 4, person 4) are advisers;
# Priya Shah (person 41) is an external contact at the Chamber of Commerce.
_ALICE = {"id": 3, "username": "alice", "display_name": "Alice Okafor"}
_BEN = {"id": 4, "username": "ben", "display_name": "Ben Hughes"}
_APPRENTICESHIPS = {"id": 23, "iri": "https://w3id.org/mature-lmi/topics/apprenticeships",
                    "label": "Apprenticeships", "status": "concept"}
_DEGREE = {"id": 24, "iri": "https://w3id.org/mature-lmi/topics/higher-and-degree-apprenticeships",
           "label": "Higher and degree apprenticeships", "status": "concept"}
_ALICE_PERSON = {"id": 3, "kind": "internal", "name": "Alice Okafor", "username": "alice", "user_id": 3,
                 "organisation": "", "contact": None, "hidden": False, "created_at": "2026-09-01T09:00:00Z"}
_PRIYA = {"id": 41, "kind": "external", "name": "Priya Shah", "username": None, "user_id": None,
          "organisation": "North East Chamber of Commerce", "contact": "priya.shah@example.org, 0191 000 0000",
          "hidden": False, "created_at": "2026-10-14T15:20:00Z"}
_PAGE = {"id": 5, "title": "Engineering apprenticeships", "space_id": 1}
_TAG = {"id": 57, "person_id": 3, "topic": _APPRENTICESHIPS, "tagger": _BEN, "by_self": False, "level": 4,
        "note": "Ran the apprenticeship fair with the college.", "evidence_page": _PAGE,
        "created_at": "2026-11-02T10:00:00Z", "confirmed_at": "2026-11-20T09:30:00Z", "superseded_at": None,
        "hidden": False}
_SELF_TAG = {**_TAG, "id": 58, "tagger": _ALICE, "by_self": True, "level": 3, "note": "", "evidence_page": None}


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _examples(*values: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(values)})


class PageRef(Schema):
    """A page you may read (pages you may not read are never named)."""

    model_config = _examples(_PAGE)

    id: int
    title: str
    space_id: int


# ---------------------------------------------------------------- people


class PersonRead(Schema):
    model_config = _examples(_ALICE_PERSON, _PRIYA)

    id: int
    kind: Literal["internal", "external"] = Field(description="internal: a user; external: a contact who "
                                                               "cannot sign in.")
    name: str
    username: str | None = Field(description="Users only.")
    user_id: int | None
    organisation: str
    contact: str | None = Field(description="How to reach an external contact (null for users).")
    hidden: bool = Field(description="The profile is hidden from the directory (only ever true for your own).")
    created_at: datetime


class PersonList(Schema):
    """One page of the directory; follow `next` for more."""

    model_config = _examples({"items": [_ALICE_PERSON, _PRIYA], "next_cursor": "WyJwcml5YSBzaGFoIiw0MV0",
                              "next": "https://lmi.example.org/api/people?limit=2&cursor=WyJwcml5YSBzaGFoIiw0MV0"})

    items: list[PersonRead]
    next_cursor: str | None = None
    next: str | None = None


class PersonCreate(RequestSchema):
    """An external contact: someone outside the organisation advisers can ask."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Priya Shah", "organisation": "North East Chamber of Commerce",
         "contact": "priya.shah@example.org, 0191 000 0000"}]})

    name: Name
    organisation: str = Field("", max_length=200)
    contact: str = Field("", max_length=2000, description="How to reach them: e-mail, phone, when.")


class PersonUpdate(RequestSchema):
    """Change an external contact's details, or hide a profile from the directory."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"hidden": True},
                                                                              {"contact": "priya@example.org"}]})

    name: Name | None = None
    organisation: str | None = Field(None, max_length=200)
    contact: str | None = Field(None, max_length=2000)
    hidden: bool | None = Field(None, description="Hide the whole profile from the directory and expert search.")


# ---------------------------------------------------------------- tags


class TagCreate(RequestSchema):
    """Tag a person with a topic (give `topic_id`, or `topic`: an IRI, a label, a synonym or new free text,
    which becomes a candidate topic). Tagging them again with the same topic changes your tag."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"topic": "Apprenticeships", "level": 4, "note": "Ran the apprenticeship fair with the college.",
         "evidence_page_id": 5},
        {"topic_id": 23, "level": 3}]})

    topic: str | None = Field(None, min_length=1, max_length=200)
    topic_id: int | None = None
    level: int | None = Field(None, ge=1, le=5, description="1 aware of it, 2 can explain it, 3 can apply it, "
                                                             "4 can guide colleagues, 5 can change how the "
                                                             "organisation does it.")
    note: str = Field("", max_length=2000, description="Evidence in words.")
    evidence_page_id: int | None = Field(None, description="A page that shows the expertise (one you may read).")

    @model_validator(mode="after")
    def _one_topic(self) -> TagCreate:
        if (self.topic is None) == (self.topic_id is None):
            raise ValueError("give either topic (text or IRI) or topic_id")
        return self


class TagRead(Schema):
    model_config = _examples(_TAG, _SELF_TAG)

    id: int
    person_id: int
    topic: TopicRef
    tagger: AuthorRead
    by_self: bool = Field(description="The person tagged themselves.")
    level: int | None
    note: str
    evidence_page: PageRef | None = Field(description="Null when there is none or you may not read it.")
    created_at: datetime
    confirmed_at: datetime = Field(description="When the tagger last set or reconfirmed it; older tags fade.")
    superseded_at: datetime | None = Field(description="Set on older versions (history) and withdrawn tags.")
    hidden: bool = Field(description="Hidden by the person it is about (only they see hidden tags).")


class PersonTags(Schema):
    """Self-tags and colleagues' tags, kept apart."""

    model_config = _examples({"person_id": 3, "self_tags": [_SELF_TAG], "colleague_tags": [_TAG]})

    person_id: int
    self_tags: list[TagRead]
    colleague_tags: list[TagRead]


# ---------------------------------------------------------------- profiles and expert search


class AuthoredPage(Schema):
    model_config = _examples({**_PAGE, "maturity_score": 72.5, "phase": "formalising"})

    id: int
    title: str
    space_id: int
    maturity_score: float | None
    phase: str | None


class Evidence(Schema):
    model_config = _examples({"tagger": _BEN, "by_self": False, "note": "Ran the apprenticeship fair.",
                              "page": _PAGE})

    tagger: AuthorRead
    by_self: bool
    note: str
    page: PageRef | None


class ProfileTopic(Schema):
    model_config = _examples({
        "topic": _APPRENTICESHIPS, "colleague_count": 2, "colleague_levels": [4, 5], "self_tagged": True, "self_level": 3,
        "evidence": [{"tagger": _BEN, "by_self": False, "note": "Ran the apprenticeship fair.", "page": _PAGE}],
        "pages": [{**_PAGE, "maturity_score": 72.5, "phase": "formalising"}],
        "last_confirmed_at": "2026-11-20T09:30:00Z"})

    topic: TopicRef
    colleague_count: int = Field(description="How many colleagues tagged them with this topic.")
    colleague_levels: list[int] = Field(description="The levels colleagues gave (tags without a level left out).")
    self_tagged: bool = Field(description="They tagged themselves with this topic.")
    self_level: int | None = Field(description="The level they gave themselves, if any.")
    evidence: list[Evidence]
    pages: list[AuthoredPage] = Field(description="Pages on the topic they wrote (that you may read), "
                                                  "most mature first.")
    last_confirmed_at: datetime


class PersonProfile(Schema):
    model_config = _examples({"person": _ALICE_PERSON, "topics": [ProfileTopic.model_config["json_schema_extra"]
                                                                  ["examples"][0]]})

    person: PersonRead
    topics: list[ProfileTopic] = Field(description="Most colleague tags first. Hidden tags are left out.")


class ExpertContribution(Schema):
    model_config = _examples({"key": "colleagues", "points": 2.4,
                              "explanation": "Tagged by 2 colleagues with Apprenticeships (levels 4, 5)"})

    key: str = Field(description="colleagues, self, pages or recency")
    points: float
    explanation: str


class ExpertRead(Schema):
    model_config = _examples({
        "rank": 1, "person": _ALICE_PERSON, "score": 3.1, "topics": [_APPRENTICESHIPS, _DEGREE],
        "why": "Tagged by 2 colleagues with Apprenticeships (levels 4, 5); wrote 1 page on it "
               "('Engineering apprenticeships', maturity 72)",
        "contributions": [
            {"key": "colleagues", "points": 2.4,
             "explanation": "Tagged by 2 colleagues with Apprenticeships (levels 4, 5)"},
            {"key": "pages", "points": 0.7,
             "explanation": "Wrote 1 page on it ('Engineering apprenticeships', maturity 72)"}]})

    rank: int
    person: PersonRead
    score: float
    topics: list[TopicRef] = Field(description="Their topics that matched the question.")
    why: str = Field(description="Why they are ranked here, in words.")
    contributions: list[ExpertContribution]


class ExpertResults(Schema):
    model_config = _examples({
        "query": "apprenticeships", "topics": [_APPRENTICESHIPS], "narrower_topics": 1, "outcome": "answered",
        "total": 1, "items": [ExpertRead.model_config["json_schema_extra"]["examples"][0]], "next": None})

    query: str
    topics: list[TopicRef] = Field(description="The topics the question was understood as.")
    narrower_topics: int = Field(description="How many narrower topics were searched as well.")
    outcome: Literal["answered", "weak", "unanswered"] = Field(
        description="weak: nobody with a colleague's recent tag; unanswered and weak questions are recorded "
                    "for the skills-gap reports.")
    total: int
    items: list[ExpertRead]
    next: str | None = Field(None, description="The URL of the next page of results.")
