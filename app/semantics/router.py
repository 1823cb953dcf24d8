"""HTTP: the SPARQL 1.1 Protocol endpoint, the ontology, and dumps of what the caller may read."""

from __future__ import annotations

import threading
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from app.auth.dependencies import CurrentUser
from app.db import SessionDep, read_only
from app.errors import problem_responses
from app.semantics import dump, ontology_view, query_api, sparql
from app.semantics.negotiation import choose
from app.semantics.ontology import get_ontology
from app.semantics.rdf import DATASET_FORMATS, RDF_FORMATS, Iris
from app.semantics.store import GraphStore

router = APIRouter(tags=["semantics"])

SPARQL_RESPONSES = {
    200: {"description": "SELECT/ASK results (JSON, XML, CSV, TSV) or CONSTRUCT/DESCRIBE RDF, by Accept.",
          "content": {media: {"schema": {"type": "string"}} for media in (*sparql.SOLUTION_FORMATS, *sparql.GRAPH_FORMATS)}},
    **problem_responses(400, 401, 406, 415, 429, 503),
}


_creating = threading.Lock()


def graph_store(app_or_request: Request | FastAPI) -> GraphStore:
    """The host's SPARQL store as this app sees it (held here or by another process), created once."""
    state = app_or_request.app.state if isinstance(app_or_request, Request) else app_or_request.state
    with _creating:
        if getattr(state, "graph_store", None) is None:
            state.graph_store = GraphStore(Iris(state.settings.base_iri), get_ontology().graph,
                                           state.settings.data_dir / "sparql", state.database)
    return state.graph_store


def _run(request: Request, session, user, query: str | None) -> Response:
    if not query:
        raise sparql.QueryRefused("Send a SPARQL query in the `query` parameter (GET or form POST) "
                                  "or as an application/sparql-query body.")
    result = sparql.answer(session, graph_store(request), user, query, request.headers.get("accept"),
                           request.app.state.settings.sparql_timeout_seconds)
    return Response(result.body, media_type=result.media_type, headers={"Vary": "Accept", "Cache-Control": "no-store"})


@router.get("/sparql", responses=SPARQL_RESPONSES, response_class=Response)
def sparql_get(request: Request, user: CurrentUser, session: SessionDep,
               query: Annotated[str | None, Query(description="A SELECT, ASK, CONSTRUCT or DESCRIBE query.")] = None,
               ) -> Response:
    """SPARQL 1.1 Protocol, query via GET, over the ontology and the spaces you may read (read-only)."""
    if "update" in request.query_params:
        raise sparql.QueryRefused("This endpoint is read-only; updates are refused.")
    return _run(request, session, user, query)


@router.post("/sparql", responses=SPARQL_RESPONSES, response_class=Response,
             openapi_extra={"requestBody": {"content": {
                 "application/sparql-query": {"schema": {"type": "string"}},
                 "application/x-www-form-urlencoded": {"schema": {"type": "object",
                                                                  "properties": {"query": {"type": "string"}}}},
             }}})
@read_only
async def sparql_post(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    """SPARQL 1.1 Protocol, query via POST (form or direct body); updates are refused."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = (await request.body()).decode("utf-8", errors="replace")
    if content_type == "application/sparql-query":
        query = body
    elif content_type == "application/x-www-form-urlencoded":
        form = parse_qs(body)
        if "update" in form:
            raise sparql.QueryRefused("This endpoint is read-only; updates are refused.")
        query = (form.get("query") or [None])[0]
    elif content_type == "application/sparql-update":
        raise sparql.QueryRefused("This endpoint is read-only; updates are refused.")
    else:
        raise sparql.UnsupportedBody(
            "POST a query as application/sparql-query or as the `query` field of "
            "application/x-www-form-urlencoded.")
    return await run_in_threadpool(_run, request, session, user, query)


@router.get("/api/ontology", responses={200: {"content": {m: {} for m in ("application/json", *RDF_FORMATS)}},
                                         **problem_responses(401, 406)}, response_model=ontology_view.OntologyRead)
def read_ontology(request: Request, _user: CurrentUser,
                  format_: Annotated[str | None, Query(alias="format")] = None) -> Response | ontology_view.OntologyRead:
    """The LMI ontology: properties advisers may use (with value types and valid concepts) as JSON,
    or the whole vocabulary as Turtle, JSON-LD, RDF/XML or N-Triples."""
    media = choose(request.headers.get("accept"), ["application/json", *RDF_FORMATS], format_)
    graph = get_ontology().graph
    if media == "application/json":
        return ontology_view.summary(get_ontology())
    return Response(graph.serialize(format=RDF_FORMATS[media], encoding="utf-8"), media_type=media)


@router.get("/api/dump", responses={200: {"content": {m: {} for m in DATASET_FORMATS}}, **problem_responses(401, 406)},
            response_class=Response)
def dump_dataset(request: Request, user: CurrentUser, session: SessionDep,
                 format_: Annotated[str | None, Query(alias="format", description="nquads or trig")] = None) -> Response:
    """Everything you may read as RDF, one named graph per space (N-Quads or TriG)."""
    media = choose(request.headers.get("accept"), list(DATASET_FORMATS), format_)
    body = dump.dataset(session, Iris(request.app.state.settings.base_iri), user, DATASET_FORMATS[media])
    return Response(body, media_type=media, headers={"Content-Disposition": 'attachment; filename="mature-lmi.'
                                                     + ("nq" if media.endswith("quads") else "trig") + '"'})


@router.post("/api/query", response_model=query_api.QueryResult, responses=problem_responses(401, 422, 429, 503))
@read_only
def run_query(body: query_api.QueryRequest, request: Request, user: CurrentUser,
              session: SessionDep) -> query_api.QueryResult:
    """Find pages by their annotations (like Semantic MediaWiki's #ask): conditions on property values,
    categories and spaces, printouts, sorting and paging, over the pages you may read."""
    settings = request.app.state.settings
    return query_api.run(session, graph_store(request), user, get_ontology(), Iris(settings.base_iri), body,
                         settings.sparql_timeout_seconds)
