"""Request and response bodies for page tags, topic pages and bookmarks."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from app.schema import RequestSchema, Schema


class PageTagCreate(RequestSchema):
    """Name the topic by id, or by label, synonym or IRI; free text becomes a candidate topic."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"topic": "Apprenticeships"},
                                                                              {"topic_id": 12}]})

    topic: str | None = Field(None, min_length=1, max_length=200)
    topic_id: int | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> PageTagCreate:
        if (self.topic is None) == (self.topic_id is None):
            raise ValueError("give either 'topic' (a label or free text) or 'topic_id'")
        if self.topic is not None and not self.topic.strip():
            raise ValueError("'topic' is blank")
        return self


class TopicBrief(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 12, "iri": "https://w3id.org/mature-lmi/topics/apprenticeships", "label": "Apprenticeships",
        "status": "concept"}]})

    id: int
    iri: str
    label: str
    status: str = Field(description="concept (in the scheme) or candidate (from free-text tags)")


class PageTopicRead(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "topic": {"id": 12, "iri": "https://w3id.org/mature-lmi/topics/apprenticeships", "label": "Apprenticeships",
                  "status": "concept"}, "annotated": True, "readers": 3, "mine": True}]})

    topic: TopicBrief
    annotated: bool = Field(description="The page's own Topic annotations name it.")
    readers: int = Field(description="Colleagues who tagged the page with it.")
    mine: bool = Field(description="You are one of them.")


class PageTopics(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"page_id": 9, "topics": [{
        "topic": {"id": 12, "iri": "https://w3id.org/mature-lmi/topics/apprenticeships", "label": "Apprenticeships",
                  "status": "concept"}, "annotated": True, "readers": 3, "mine": True}]}]})

    page_id: int
    topics: list[PageTopicRead]


class TopicPageItem(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "page_id": 9, "title": "Engineering apprenticeships", "space_id": 2, "url": "/api/pages/9",
        "score": 71.5, "phase": "formalising"}]})

    page_id: int
    title: str
    space_id: int
    url: str
    score: float | None
    phase: str | None


class TopicPages(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "topic": {"id": 12, "iri": "https://w3id.org/mature-lmi/topics/apprenticeships", "label": "Apprenticeships",
                  "status": "concept"}, "narrower": True, "total": 1, "offset": 0, "items": [{
                      "page_id": 9, "title": "Engineering apprenticeships", "space_id": 2, "url": "/api/pages/9",
                      "score": 71.5, "phase": "formalising"}]}]})

    topic: TopicBrief
    narrower: bool = Field(description="Pages on narrower topics are included.")
    total: int
    offset: int
    items: list[TopicPageItem]


class BookmarkCreate(RequestSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "space_id": 2, "url": "https://www.ons.gov.uk/employmentandlabourmarket/peopleinwork",
        "title": "ONS: people in work", "publisher": "Office for National Statistics",
        "note": "Monthly labour market statistics; the regional tables are the ones we use.",
        "topics": ["Labour market information"], "categories": ["LMI sources"]}]})

    space_id: int
    url: str = Field(max_length=2000)
    title: str = Field(min_length=1, max_length=200)
    note: str = Field("", max_length=20_000, description="Markdown: why the source is useful, what to look at.")
    publisher: str = Field("", max_length=300)
    topics: list[str] = Field(default_factory=list, max_length=20, description="Topics to tag it with at once.")
    categories: list[str] = Field(default_factory=list, max_length=20)
    summary: str = Field("", max_length=500)


class BookmarkRead(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "page_id": 31, "url": "https://www.ons.gov.uk/employmentandlabourmarket/peopleinwork",
        "title": "ONS: people in work", "publisher": "Office for National Statistics", "space_id": 2,
        "page": "/api/pages/31", "created_at": "2026-11-20T10:12:00Z", "last_checked_at": "2026-11-22T03:00:00Z",
        "last_status": 200, "dead": False, "check_state": "alive", "check_error": ""}]})

    page_id: int
    url: str
    title: str
    publisher: str
    space_id: int
    page: str = Field(description="The bookmark's page: read, edit, rate, tag it there.")
    created_at: datetime
    last_checked_at: datetime | None
    last_status: int | None
    dead: bool = Field(description="A check found the source gone (404 or 410), and no later check reached it.")
    check_state: Literal["alive", "dead", "could_not_check"] | None = Field(description=(
        "What the last check found: `alive`, `dead` (the server said the page is gone), or `could_not_check` (no "
        "answer: DNS, refused, timeout; or a temporary one: 5xx, 429, 403), which leaves `dead` as it was; null "
        "before the first check."))
    check_error: str
