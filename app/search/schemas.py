"""Search responses: results with marked snippets, facets to narrow down, paging."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from app.schema import Schema


class TextPart(Schema):
    """A piece of a snippet; widgets show `match` parts highlighted (as text, never as HTML)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "apprenticeships", "match": True}]})

    text: str
    match: bool


class SpaceRef(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 2, "key": "north-east", "name": "North East team"}]})

    id: int
    key: str
    name: str


class MaturityBadge(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"score": 71.5, "phase": "formalising"}]})

    score: float = Field(description="0-100, see /api/pages/{page_id}/maturity for the explanation.")
    phase: str


_RESULT_EXAMPLE = {
    "page_id": 9, "title": "Engineering apprenticeships in the North East", "url": "/api/pages/9",
    "space": {"id": 2, "key": "north-east", "name": "North East team"},
    "title_parts": [{"text": "Engineering", "match": True}, {"text": " ", "match": False},
                    {"text": "apprenticeships", "match": True}, {"text": " in the North East", "match": False}],
    "snippet": [{"text": "Advanced ", "match": False}, {"text": "engineering", "match": True},
                {"text": " apprenticeships start at level 3 …", "match": False}],
    "relevance": 12.7, "maturity": {"score": 71.5, "phase": "formalising"}, "modified": "2026-11-20T10:12:00Z",
}


class SearchResult(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [_RESULT_EXAMPLE]})

    page_id: int
    title: str
    url: str = Field(description="The page in the API.")
    space: SpaceRef
    title_parts: list[TextPart]
    snippet: list[TextPart] = Field(description="Up to two passages around the matched words, or the page's start.")
    relevance: float = Field(description="Text relevance blended with maturity (0 when browsing without words).")
    maturity: MaturityBadge
    modified: datetime


class FacetValue(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"value": "Engineering and manufacturing", "label": "Engineering and manufacturing", "count": 4,
         "selected": False}]})

    value: str = Field(description="Pass back to narrow down (see the facet's `parameter`).")
    label: str
    count: int = Field(description="Matching pages you may read that have this value.")
    selected: bool


class FacetRead(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "key": "sector", "label": "Sector", "parameter": "where=sector:{value}",
        "values": [{"value": "Engineering and manufacturing", "label": "Engineering and manufacturing",
                    "count": 4, "selected": False}]}]})

    key: str
    label: str
    parameter: str = Field(description="How to filter on a value of this facet.")
    values: list[FacetValue]


class SearchResponse(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "query": "engineering apprenticeships", "matched": "all", "did_you_mean": None, "total": 1,
        "offset": 0, "limit": 20, "next_offset": None, "next": None, "results": [_RESULT_EXAMPLE],
        "facets": [{"key": "phase", "label": "Maturing phase", "parameter": "phase={value}",
                    "values": [{"value": "formalising", "label": "Formalising", "count": 1, "selected": False}]}],
    }]})

    query: str
    matched: str = Field(description="'all': results contain every word; 'any': none did, so pages with "
                                     "some of the words are shown, those with most first.")
    did_you_mean: str | None = Field(description="A spelling of the query that finds more pages, if any.")
    total: int = Field(description="Matching pages you may read (filters applied).")
    offset: int
    limit: int
    next_offset: int | None
    next: str | None = Field(description="The URL of the next page of results, or null on the last page.")
    results: list[SearchResult]
    facets: list[FacetRead]


class TitleSuggestion(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "page_id": 9, "title": "Engineering apprenticeships in the North East", "url": "/api/pages/9",
        "space": {"id": 2, "key": "north-east", "name": "North East team"}}]})

    page_id: int
    title: str
    url: str
    space: SpaceRef


class SuggestResponse(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "query": "engin appr", "suggestions": [{
            "page_id": 9, "title": "Engineering apprenticeships in the North East", "url": "/api/pages/9",
            "space": {"id": 2, "key": "north-east", "name": "North East team"}}]}]})

    query: str
    suggestions: list[TitleSuggestion]
