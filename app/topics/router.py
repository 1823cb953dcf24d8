"""HTTP: the topic scheme and its gardening (mounted under /api by the people router).

Who may garden: every signed-in user may read the scheme, get suggestions, export it, review
its change log, propose candidates and add synonyms (cheap, additive, reversible). Managers and
admins make structural changes: create concepts directly, promote, merge, rename or redefine,
remove synonyms, set broader topics and import SKOS schemes.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.auth.dependencies import CurrentUser, ManagerUser
from app.auth.models import Role
from app.db import SessionDep
from app.errors import problem_responses
from app.pages.presentation import authors
from app.pagination import CursorQuery, LimitQuery, decode_cursor, encode_cursor
from app.topics import skos, service as topics
from app.topics.exceptions import ManagersOnly
from app.topics.models import TopicChange, TopicConcept, TopicLabel, TopicStatus
from app.topics.schemas import (
    BroaderPut,
    ImportResult,
    LanguageLabel,
    SynonymCreate,
    TopicChangeList,
    TopicChangeRead,
    TopicCreate,
    TopicList,
    TopicListItem,
    TopicMerge,
    TopicRead,
    TopicRef,
    TopicSuggestion,
    TopicUpdate,
)
from app.negotiation import choose
from app.uploads import spooled

router = APIRouter(prefix="/api/topics", tags=["topics"])
TopicId = Annotated[int, Path(description="The topic's id.", examples=[23])]
EXPORT_FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml",
                  "application/n-triples": "nt"}
IMPORT_LIMIT = 20_000_000  # bytes; a whole ESCO skills pillar in Turtle is about this size


def topic_read(session: Session, topic: TopicConcept) -> TopicRead:
    broader = topics.broader_of(session, [topic.id]).get(topic.id, [])
    narrower = topics.narrower_of(session, [topic.id]).get(topic.id, [])
    related = topics.related_of(session, [topic.id]).get(topic.id, [])
    refs = {t.id: _ref(t) for t in session.scalars(select(TopicConcept).where(
        TopicConcept.id.in_({*broader, *narrower, *related, topic.merged_into_id or 0})))}
    labels = [LanguageLabel(kind=kind, lang=lang, label=label)  # type: ignore[arg-type]
              for kind, lang, label in topics.language_labels(session, [topic.id]).get(topic.id, [])]
    return TopicRead(id=topic.id, iri=topic.iri, label=topic.label, status=topic.status.value,
                     definition=topic.definition, alt_labels=topics.synonyms(session, [topic.id]).get(topic.id, []),
                     labels=labels,
                     broader=sorted((refs[i] for i in broader), key=lambda r: r.label),
                     narrower=sorted((refs[i] for i in narrower), key=lambda r: r.label),
                     related=sorted((refs[i] for i in related), key=lambda r: r.label),
                     merged_into=refs.get(topic.merged_into_id) if topic.merged_into_id else None,
                     usage=topics.usage(session, [topic.id]).get(topic.id, 0),
                     created_at=topic.created_at, updated_at=topic.updated_at)


def _ref(topic: TopicConcept) -> TopicRef:
    return TopicRef(id=topic.id, iri=topic.iri, label=topic.label, status=topic.status.value)


@router.get("", response_model=TopicList, responses=problem_responses(400, 401, 422))
def list_topics(request: Request, _user: CurrentUser, session: SessionDep, limit: LimitQuery = 50,
                cursor: CursorQuery = None,
                status_: Annotated[Literal["concept", "candidate", "merged"] | None, Query(alias="status")] = None,
                q: Annotated[str | None, Query(max_length=200, description="Part of a label or synonym.")] = None,
                sort: Annotated[Literal["label", "usage"], Query(description="usage: most used first (for "
                                                                              "reviewing candidates)")] = "label",
                ) -> TopicList:
    """Topics with how often they are used: concepts, candidates from free-text tags, merged ones."""
    (offset,) = decode_cursor(cursor, int) or [0]
    counts = topics.usage_counts().subquery()
    uses = func.coalesce(counts.c.uses, 0)
    query = (select(TopicConcept, uses).outerjoin(counts, counts.c.concept_id == TopicConcept.id)
             .where(topics.visible_filter(_user)))
    if status_:
        query = query.where(TopicConcept.status == TopicStatus(status_))
    if q:
        pattern = f"%{topics.escape_like(topics.label_key(q))}%"
        query = query.where(TopicConcept.label_key.like(pattern, escape="\\") | TopicConcept.id.in_(
            select(TopicLabel.concept_id).where(TopicLabel.label_key.like(pattern, escape="\\"))))
    order = (uses.desc(), TopicConcept.label_key, TopicConcept.id) if sort == "usage" else (
        TopicConcept.label_key, TopicConcept.id)
    rows = session.execute(query.order_by(*order).offset(offset).limit(limit + 1)).all()
    alt = topics.synonyms(session, [topic.id for topic, _ in rows[:limit]])
    items = [TopicListItem(id=t.id, iri=t.iri, label=t.label, status=t.status.value, alt_labels=alt.get(t.id, []),
                           usage=count) for t, count in rows[:limit]]
    if len(rows) <= limit:
        return TopicList(items=items)
    next_cursor = encode_cursor([offset + limit])
    return TopicList(items=items, next_cursor=next_cursor, next=str(request.url.include_query_params(cursor=next_cursor)))


@router.post("", response_model=TopicRead, status_code=status.HTTP_201_CREATED,
             responses=problem_responses(401, 403, 404, 409, 422))
def create_topic(body: TopicCreate, user: CurrentUser, session: SessionDep, response: Response) -> TopicRead:
    """Propose a candidate topic (anyone), or add a concept to the scheme (managers and admins)."""
    if body.status == "concept" and user.role not in (Role.manager, Role.admin):
        raise ManagersOnly("Only managers and admins add concepts directly; propose a candidate instead.")
    topic = topics.create_topic(session, user, body.label, status=TopicStatus(body.status), definition=body.definition)
    if body.broader_ids:
        topics.set_broader(session, user, topic, body.broader_ids)
    response.headers["Location"] = f"/api/topics/{topic.id}"
    return topic_read(session, topic)


@router.get("/suggest", response_model=list[TopicSuggestion], responses=problem_responses(401, 422))
def suggest(user: CurrentUser, session: SessionDep,
            q: Annotated[str, Query(min_length=1, max_length=200, description="What has been typed so far.")],
            limit: Annotated[int, Query(ge=1, le=50)] = 10) -> list[TopicSuggestion]:
    """Topics matching what is being typed (labels, synonyms, candidates, then similar spellings), so that a
    tag reuses an existing topic instead of creating a near-duplicate."""
    found = topics.suggest(session, user, q, limit)
    counts = topics.usage(session, [s.topic.id for s in found])
    return [TopicSuggestion(topic=_ref(s.topic), matched=s.matched, match=s.match, usage=counts.get(s.topic.id, 0))
            for s in found]


@router.get("/changes", response_model=TopicChangeList, responses=problem_responses(400, 401, 422))
def list_changes(request: Request, user: CurrentUser, session: SessionDep, limit: LimitQuery = 50,
                 cursor: CursorQuery = None,
                 topic_id: Annotated[int | None, Query(description="Changes of this topic only.")] = None,
                 ) -> TopicChangeList:
    """Every change to the scheme, newest first, with who and when: for reviewing the gardening."""
    before = decode_cursor(cursor, int)
    hidden = select(TopicConcept.id).where(~topics.visible_filter(user))  # others' private candidates
    query = select(TopicChange).where(or_(TopicChange.concept_id.is_(None), TopicChange.concept_id.not_in(hidden)),
                                      or_(TopicChange.other_concept_id.is_(None),
                                          TopicChange.other_concept_id.not_in(hidden)))
    if topic_id is not None:
        query = query.where((TopicChange.concept_id == topic_id) | (TopicChange.other_concept_id == topic_id))
    if before:
        query = query.where(TopicChange.id < before[0])
    changes = list(session.scalars(query.order_by(TopicChange.id.desc()).limit(limit + 1)))
    shown = changes[:limit]
    actors = authors(session, (c.actor_id for c in shown if c.actor_id))
    refs = {t.id: _ref(t) for t in session.scalars(select(TopicConcept).where(TopicConcept.id.in_(
        {i for c in shown for i in (c.concept_id, c.other_concept_id) if i})))}
    items = [TopicChangeRead(id=c.id, at=c.at, actor=actors.get(c.actor_id) if c.actor_id else None, action=c.action,
                             topic=refs.get(c.concept_id) if c.concept_id else None,
                             other_topic=refs.get(c.other_concept_id) if c.other_concept_id else None,
                             summary=c.summary, details=c.details) for c in shown]
    if len(changes) <= limit:
        return TopicChangeList(items=items)
    next_cursor = encode_cursor([shown[-1].id])
    return TopicChangeList(items=items, next_cursor=next_cursor,
                           next=str(request.url.include_query_params(cursor=next_cursor)))


@router.get("/export", response_class=Response, responses={
    200: {"content": {media: {} for media in EXPORT_FORMATS}, "description": "The scheme as SKOS"},
    **problem_responses(401, 406)})
def export_scheme(request: Request, _user: CurrentUser, session: SessionDep,
                  format_: Annotated[str | None, Query(alias="format", description="turtle, json-ld, xml or nt")] = None,
                  ) -> Response:
    """The topic scheme as SKOS (Turtle by default, or JSON-LD, RDF/XML, N-Triples): concepts with labels,
    synonyms, definitions and hierarchy; merged topics as deprecated and replaced by their target."""
    media = choose(request.headers.get("accept"), list(EXPORT_FORMATS), format_)
    body = skos.serialize_scheme(session, EXPORT_FORMATS[media])
    return Response(body, media_type=media)


async def scheme_file(request: Request) -> bytes:
    """The uploaded file, read before the database transaction starts (an upload never holds the write
    lock) and refused as soon as it passes the limit."""
    async with spooled(request, IMPORT_LIMIT, "file", "import a part of the scheme at a time.") as path:
        return path.read_bytes()


@router.post("/import", response_model=ImportResult, responses=problem_responses(401, 403, 413, 422),
             openapi_extra={"requestBody": {"required": True, "content": {
                 media: {"schema": {"type": "string"}} for media in skos.PARSE_FORMATS}}})
def import_scheme(body: Annotated[bytes, Depends(scheme_file)], request: Request, user: ManagerUser,
                  session: SessionDep,
                  scheme: Annotated[str | None, Query(description="Import only the concepts of this "
                                                                  "skos:ConceptScheme IRI.")] = None,
                  base: Annotated[str | None, Query(max_length=400, description="Resolve relative IRIs against "
                                                    "this (when the file has no @base or xml:base); without it "
                                                    "concepts with relative IRIs are refused.",
                                                    examples=["http://zbw.eu/stw/"])] = None,
                  match_labels: Annotated[bool, Query(description="false: match existing topics by IRI only")] = True,
                  ) -> ImportResult:
    """Import a SKOS scheme (managers and admins), e.g. part of ESCO, as Turtle, JSON-LD, RDF/XML or N-Triples
    (by Content-Type). Identity is the IRI: concepts of the file are never merged with each other, even
    with the same label. A new IRI matches a topic that was already here by its English label when exactly
    one topic has it (a candidate becomes the concept; otherwise the IRI redirects to the topic). Keeps
    broader and related links and labels in every language. Concepts whose IRI is relative (without a base)
    or invalid are refused one by one and listed with the reason."""
    vocabulary = skos.parse(body, request.headers.get("content-type", ""), base)
    return ImportResult(**vars(skos.import_scheme(session, user, vocabulary, scheme, match_labels=match_labels)))


@router.get("/{topic_id}", response_model=TopicRead,
            responses={308: {"description": "The topic was merged: the one it was merged into"},
                       **problem_responses(401, 404)})
def read_topic(topic_id: TopicId, user: CurrentUser, session: SessionDep) -> TopicRead | RedirectResponse:
    """A topic with its synonyms, broader and narrower topics and usage. A merged topic redirects (308) to
    the topic it was merged into."""
    topic = topics.get_topic(session, topic_id, user)
    if topic.status is TopicStatus.merged:
        target = topics.follow(session, topic)
        return RedirectResponse(f"/api/topics/{target.id}", status_code=status.HTTP_308_PERMANENT_REDIRECT)
    return topic_read(session, topic)


@router.patch("/{topic_id}", response_model=TopicRead, responses=problem_responses(401, 403, 404, 409, 422))
def update_topic(topic_id: TopicId, body: TopicUpdate, user: ManagerUser, session: SessionDep) -> TopicRead:
    """Rename a topic (the old label stays as a synonym) or change its definition (managers and admins)."""
    topic = topics.get_topic(session, topic_id, user)
    if body.label is not None:
        topics.rename(session, user, topic, body.label)
    if body.definition is not None:
        topics.define(session, user, topic, body.definition)
    return topic_read(session, topic)


@router.post("/{topic_id}/promote", response_model=TopicRead, responses=problem_responses(401, 403, 404, 409))
def promote(topic_id: TopicId, user: ManagerUser, session: SessionDep) -> TopicRead:
    """Make a candidate a concept of the scheme (managers and admins)."""
    return topic_read(session, topics.promote(session, user, topics.get_topic(session, topic_id, user)))


@router.post("/{topic_id}/merge", response_model=TopicRead, responses=problem_responses(401, 403, 404, 409, 422))
def merge(topic_id: TopicId, body: TopicMerge, user: ManagerUser, session: SessionDep) -> TopicRead:
    """Merge this topic into another (managers and admins): its tags (with history), label, synonyms and
    narrower topics move; this topic then redirects there. Answers the topic that stays."""
    source = topics.get_topic(session, topic_id, user)
    target = topics.get_topic(session, body.into_id, user)
    return topic_read(session, topics.merge(session, user, source, target))


@router.post("/{topic_id}/synonyms", response_model=TopicRead, responses=problem_responses(401, 404, 409, 422))
def add_synonym(topic_id: TopicId, body: SynonymCreate, user: CurrentUser, session: SessionDep) -> TopicRead:
    """Add a synonym (anyone): what else people call this topic. 409 when another topic already has it."""
    return topic_read(session, topics.add_synonym(session, user, topics.get_topic(session, topic_id, user), body.label))


@router.delete("/{topic_id}/synonyms/{label}", response_model=TopicRead,
               responses=problem_responses(401, 403, 404, 409))
def remove_synonym(topic_id: TopicId, label: str, user: ManagerUser, session: SessionDep) -> TopicRead:
    """Remove a synonym (managers and admins)."""
    return topic_read(session, topics.remove_synonym(session, user, topics.get_topic(session, topic_id, user), label))


@router.put("/{topic_id}/broader", response_model=TopicRead, responses=problem_responses(401, 403, 404, 409, 422))
def set_broader(topic_id: TopicId, body: BroaderPut, user: ManagerUser, session: SessionDep) -> TopicRead:
    """Set the broader topics (managers and admins); narrower is the inverse. Cycles are refused."""
    return topic_read(session, topics.set_broader(session, user, topics.get_topic(session, topic_id, user),
                                                  body.broader_ids))
