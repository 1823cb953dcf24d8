"""Search as advisers use it: the rights rule first, then words, filters, facets and paging.

The caller's readable spaces (the one rights rule, `app/auth/rights.py`) are part of every index
query, so totals, facet counts and pages of results never count a page they may not read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from rdflib import URIRef
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.annotations.ontology import get_ontology
from app.auth.models import Space, User
from app.auth import rights
from app.topics import service as topics
from app.topics.models import TopicConcept
from app.quality.maturity import PHASE_LABELS, Phase
from app.search.documents import TOPIC_FACET, annotation_facets
from app.search.exceptions import InvalidSearch, SearchUnavailable
from app.search.index import PageIndex, SearchHit, SearchRequest, SearchResults, Snippet
from app.search.schemas import (
    FacetRead,
    FacetValue,
    MaturityBadge,
    SearchResponse,
    SearchResult,
    SpaceRef,
    SuggestResponse,
    TextPart,
    TitleSuggestion,
)
from app.tagging import page_tags

MAX_FACET_VALUES = 30
BUILT_IN_FACETS = {"space": ("Space", "space={value}"), "category": ("Category", "category={value}"),
                   "phase": ("Maturing phase", "phase={value}"), TOPIC_FACET: ("Topic", "where=topic:{value}")}


@dataclass(frozen=True)
class SearchParams:
    """The query string of GET /api/search, validated by the router."""

    q: str = ""
    spaces: list[int] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    min_score: float | None = None
    modified_after: date | None = None
    modified_before: date | None = None
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20


def readable_spaces(session: Session, user: User) -> frozenset[int]:
    return frozenset(session.scalars(rights.readable_space_ids(user)))


def parse_where(session: Session, viewer: User, where: list[str]) -> tuple[tuple[str, frozenset[str]], ...]:
    """`sector:Engineering and manufacturing` pairs, grouped per facet (OR within, AND across).

    `topic:` takes a topic's id, label, synonym or IRI and also finds pages on narrower topics (and on
    topics merged into it).
    """
    known = {facet.key for facet in annotation_facets().values()} | {TOPIC_FACET}
    grouped: dict[str, set[str]] = {}
    for condition in where:
        key, sep, value = condition.partition(":")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise InvalidSearch(f"'where={condition}' must look like 'property:value', e.g. 'sector:Construction'.")
        if key not in known:
            raise InvalidSearch(f"'{key}' is not a property you can filter on; use one of: {', '.join(sorted(known))}.")
        grouped.setdefault(key, set()).update(_topic_values(session, viewer, value) if key == TOPIC_FACET
                                              else {_concept_label(key, value)})
    return tuple(sorted((key, frozenset(values)) for key, values in grouped.items()))


def _concept_label(key: str, value: str) -> str:
    """A concept facet's value as the label the index holds, so keys and synonyms filter too (`audience:returners`)."""
    ontology = get_ontology()
    for facet in annotation_facets().values():
        spec = ontology.properties.get(URIRef(facet.property_iri))
        if facet.key == key and spec is not None and spec.scheme is not None:
            concept = ontology.concept(spec.scheme, value)
            return concept.label if concept is not None else value
    return value


def _topic_values(session: Session, viewer: User, value: str) -> set[str]:
    found = session.get(TopicConcept, int(value)) if value.isdigit() else topics.resolve(session, value)
    if found is None or not topics.may_see(viewer, found):
        raise InvalidSearch(f"'topic:{value}' names no topic; see /api/topics/suggest?q={value} for the ones there are.")
    ids = topics.with_narrower(session, {topics.follow(session, found).id})
    return {str(i) for i in ids | page_tags.merged_sources(session, ids)}


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def to_request(session: Session, user: User, params: SearchParams, readable: frozenset[int]) -> SearchRequest:
    if params.modified_after and params.modified_before and params.modified_after > params.modified_before:
        raise InvalidSearch("'modified_after' is later than 'modified_before'; swap them.")
    return SearchRequest(
        text=params.q.strip(), readable_spaces=readable, spaces=frozenset(params.spaces),
        facet_filters=tuple(sorted(parse_where(session, user, params.where) + (
            (("category", frozenset(params.categories)),) if params.categories else ()))),
        phases=frozenset(phase.value for phase in params.phases), min_score=params.min_score,
        modified_from=_day_start(params.modified_after) if params.modified_after else None,
        modified_to=_day_start(params.modified_before + timedelta(days=1)) if params.modified_before else None,
        sort=params.sort, offset=params.offset, limit=params.limit,
    )


def search(session: Session, index: PageIndex, user: User, params: SearchParams, next_url: str | None) -> SearchResponse:
    """One page of results for the caller, with totals and facets over everything they may read."""
    request = to_request(session, user, params, readable_spaces(session, user))
    try:
        results = index.search(request)
    except OSError as exc:
        raise SearchUnavailable("The search index cannot be read right now; it is rebuilt automatically. "
                                "Try again in a minute.") from exc
    spaces = _spaces(session, user, {hit.space_id for hit in results.hits} | _facet_space_ids(results))
    next_offset = params.offset + params.limit if params.offset + params.limit < results.total else None
    return SearchResponse(
        query=params.q, matched=results.matched, did_you_mean=results.correction, total=results.total,
        offset=params.offset, limit=params.limit, next_offset=next_offset,
        next=next_url if next_offset is not None else None,
        results=[_result(hit, spaces) for hit in results.hits],
        facets=_facets(results, request, spaces, _topic_labels(session, results)),
    )


def suggest(session: Session, index: PageIndex, user: User, text: str, limit: int) -> SuggestResponse:
    try:
        found = index.suggest(text, readable_spaces(session, user), limit)
    except OSError as exc:
        raise SearchUnavailable("The search index cannot be read right now; it is rebuilt automatically. "
                                "Try again in a minute.") from exc
    spaces = _spaces(session, user, {space_id for _, space_id, _ in found})
    return SuggestResponse(query=text, suggestions=[
        TitleSuggestion(page_id=page_id, title=title, url=f"/api/pages/{page_id}", space=spaces[space_id])
        for page_id, space_id, title in found])


def _spaces(session: Session, user: User, ids: set[int]) -> dict[int, SpaceRef]:
    if not ids:
        return {}
    rows = session.execute(rights.readable_spaces(user, Space.id, Space.key, Space.name).where(Space.id.in_(ids)))
    return {space_id: SpaceRef(id=space_id, key=key, name=name) for space_id, key, name in rows}


def _facet_space_ids(results: SearchResults) -> set[int]:
    return {int(value) for value in results.facets.get("space", Counter())}


def _parts(snippet: Snippet) -> list[TextPart]:
    return [TextPart(text=text, match=match) for text, match in snippet.parts]


def _result(hit: SearchHit, spaces: dict[int, SpaceRef]) -> SearchResult:
    return SearchResult(
        page_id=hit.page_id, title=hit.title, url=f"/api/pages/{hit.page_id}", space=spaces[hit.space_id],
        title_parts=_parts(hit.title_marked), snippet=_parts(hit.snippet), relevance=round(hit.score, 4),
        maturity=MaturityBadge(score=hit.maturity, phase=hit.phase), modified=hit.modified,
    )


def _topic_labels(session: Session, results: SearchResults) -> dict[str, tuple[str, str]]:
    """Topic facet values (ids) -> (the id they now count for, its label), following merges."""
    ids = {int(value) for value in results.facets.get(TOPIC_FACET, Counter())}
    if not ids:
        return {}
    rows = session.scalars(select(TopicConcept).where(TopicConcept.id.in_(ids))).all()
    found = {}
    for topic in rows:
        current = topics.follow(session, topic)
        found[str(topic.id)] = (str(current.id), current.label)
    return found


def _merge_topic_counts(results: SearchResults, labels: dict[str, tuple[str, str]]) -> None:
    """A page tagged with a merged topic counts once, for the topic it was merged into."""
    counts = results.facets.get(TOPIC_FACET)
    if not counts:
        return
    merged: Counter[str] = Counter()
    for value, count in counts.items():
        merged[labels.get(value, (value, value))[0]] += count
    results.facets[TOPIC_FACET] = merged


def _facets(results: SearchResults, request: SearchRequest, spaces: dict[int, SpaceRef],
            topic_labels: dict[str, tuple[str, str]]) -> list[FacetRead]:
    _merge_topic_counts(results, topic_labels)
    names = {current: label for current, label in topic_labels.values()}
    selected: dict[str, frozenset[str]] = dict(request.facet_filters)
    selected["space"] = frozenset(str(space_id) for space_id in request.spaces)
    selected["phase"] = request.phases
    labels = {key: (label, parameter) for key, (label, parameter) in BUILT_IN_FACETS.items()}
    labels.update({facet.key: (facet.label, f"where={facet.key}:{{value}}") for facet in annotation_facets().values()})
    facets = []
    for key, counts in sorted(results.facets.items(), key=lambda item: _facet_order(item[0])):
        label, parameter = labels.get(key, (key, f"where={key}:{{value}}"))
        values = [FacetValue(value=value, label=names.get(value, value) if key == TOPIC_FACET
                             else _value_label(key, value, spaces), count=count,
                             selected=value in selected.get(key, frozenset()))
                  for value, count in counts.most_common(MAX_FACET_VALUES)]
        facets.append(FacetRead(key=key, label=label, parameter=parameter, values=values))
    return facets


def _facet_order(key: str) -> tuple[int, str]:
    order = list(BUILT_IN_FACETS)
    return (order.index(key), key) if key in order else (len(order), key)


def _value_label(key: str, value: str, spaces: dict[int, SpaceRef]) -> str:
    if key == "space":
        space = spaces.get(int(value))
        return space.name if space else value
    if key == "phase":
        try:
            return PHASE_LABELS[Phase(value)]
        except ValueError:
            return value
    return value
