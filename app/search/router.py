"""HTTP: full-text search and title suggestions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from app.auth.dependencies import CurrentUser
from app.db import SessionDep
from app.errors import problem_responses
from app.quality.maturity import Phase
from app.search import service
from app.search.index import PageIndex
from app.search.schemas import SearchResponse, SuggestResponse

router = APIRouter(prefix="/api/search", tags=["search"])


def page_index(request: Request) -> PageIndex:
    return request.app.state.page_index


@router.get("", response_model=SearchResponse, responses=problem_responses(401, 422, 503))
def search_pages(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    q: Annotated[str, Query(max_length=500, description="Words, as typed. Also understood: \"exact phrase\", "
                            "AND / OR / NOT, title:word, category:word, sector:word (any annotation property).")] = "",
    space: Annotated[list[int], Query(description="Only these spaces (repeat for several).")] = [],  # noqa: B006 (FastAPI copies query defaults)
    category: Annotated[list[str], Query(max_length=200, description="Only pages in one of these categories.")] = [],  # noqa: B006 (FastAPI copies query defaults)
    phase: Annotated[list[Phase], Query(description="Only pages in one of these maturing phases.")] = [],  # noqa: B006 (FastAPI copies query defaults)
    where: Annotated[list[str], Query(max_length=300, description="Annotation filters 'property:value', e.g. "
                                      "'sector:Construction'; OR within a property, AND across properties.")] = [],  # noqa: B006 (FastAPI copies query defaults)
    min_score: Annotated[float | None, Query(ge=0, le=100, description="Only pages with maturity at least this.")] = None,
    modified_after: Annotated[date | None, Query(description="Only pages last changed on or after this day (UTC).")] = None,
    modified_before: Annotated[date | None, Query(description="Only pages last changed on or before this day (UTC).")] = None,
    sort: Annotated[Literal["relevance", "maturity", "recency"], Query(
        description="relevance (default): text relevance blended with maturity; maturity: most mature "
                    "first; recency: last changed first.")] = "relevance",
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchResponse:
    """Search the current text, titles, categories and annotations of every page you may read.

    Pages whose titles match rank above pages that only mention the words; among equally relevant
    pages the more mature come first (see docs/search.md). Totals and facet counts only ever count
    pages you may read. When no page contains every word, pages with some of them are shown
    (`matched: any`); `did_you_mean` offers a better spelling when there is one.
    """
    params = service.SearchParams(
        q=q, spaces=space, categories=category, phases=phase, where=where, min_score=min_score,
        modified_after=modified_after, modified_before=modified_before, sort=sort, offset=offset, limit=limit)
    next_url = str(request.url.include_query_params(offset=offset + limit))
    return service.search(session, page_index(request), user, params, next_url)


@router.get("/suggest", response_model=SuggestResponse, responses=problem_responses(401, 422, 503))
def suggest_titles(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="What has been typed so far.")],
    limit: Annotated[int, Query(ge=1, le=25)] = 10,
) -> SuggestResponse:
    """Titles of pages you may read whose words start with what was typed (most mature first)."""
    return service.suggest(session, page_index(request), user, q, limit)
