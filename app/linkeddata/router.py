"""HTTP: the SPARQL 1.1 Protocol endpoint, the ontology, and dumps of what the caller may read."""

from __future__ import annotations

import threading
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from app.annotations.ontology import get_ontology
from app.auth.dependencies import CurrentUser
from app.db import SessionDep, read_only
from app.errors import problem_responses
from app.linkeddata import dump, export, ontology_view, query_api, shapes, sparql
from app.linkeddata.dataset import DatasetRequest
from app.linkeddata.rdf import Iris
from app.linkeddata.shapes import ShapeReport
from app.linkeddata.sparql_guard import READ_ONLY_REASON
from app.linkeddata.store import GraphStore
from app.negotiation import DATASET_FORMATS, RDF_FORMATS, choose
from app.pages.dependencies import ReadablePage

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


_DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")
_QUERY_DOC = "A SELECT, ASK, CONSTRUCT or DESCRIBE query (exactly one)."
_GRAPH_DOC = ("Narrows the dataset to these graphs (repeatable); graphs you may not read, or that do not exist, "
              "are empty.")


def _run(request: Request, session, user, query: str | None, requested: DatasetRequest) -> Response:
    if not query:
        raise sparql.QueryRefused("Send a SPARQL query in the `query` parameter (GET or form POST) "
                                  "or as an application/sparql-query body.")
    result = sparql.answer(session, graph_store(request), user, query, request.headers.get("accept"),
                           request.app.state.settings.sparql_timeout_seconds, requested)
    return Response(result.body, media_type=result.media_type, headers={"Vary": "Accept", "Cache-Control": "no-store"})


def _protocol_call(fields: list[tuple[str, str]], body_query: str | None = None) -> tuple[str | None, DatasetRequest]:
    """The query and dataset of a protocol request; refuses updates and more than one query."""
    names = [name for name, _ in fields]
    if "update" in names or "using-graph-uri" in names or "using-named-graph-uri" in names:
        raise sparql.QueryRefused(READ_ONLY_REASON)
    queries = [value for name, value in fields if name == "query"]
    if body_query is not None and queries:
        raise sparql.QueryRefused("The query is the request body here; do not also send a `query` parameter.")
    if len(queries) > 1:
        raise sparql.QueryRefused(f"The request has {len(queries)} `query` parameters; send exactly one query.")
    requested = DatasetRequest(*(tuple(value for name, value in fields if name == parameter)
                                 for parameter in _DATASET_PARAMETERS))
    return (body_query if body_query is not None else (queries[0] if queries else None)), requested


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise sparql.QueryRefused(
            f"The {what} is not valid UTF-8 (byte {error.start}); send the query in UTF-8.") from None


def _form_fields(body: bytes) -> list[tuple[str, str]]:
    """An application/x-www-form-urlencoded body as (name, value) pairs, strictly UTF-8."""
    try:
        return parse_qsl(_utf8(body, "form body"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise sparql.QueryRefused("A percent-encoded value of the form is not valid UTF-8; "
                                  "encode the query as UTF-8 before percent-encoding it.") from None


@router.get("/sparql", responses=SPARQL_RESPONSES, response_class=Response)
def sparql_get(request: Request, user: CurrentUser, session: SessionDep,
               _query: Annotated[str | None, Query(alias="query", description=_QUERY_DOC)] = None,
               _default: Annotated[list[str] | None, Query(alias="default-graph-uri", description=_GRAPH_DOC)] = None,
               _named: Annotated[list[str] | None, Query(alias="named-graph-uri", description=_GRAPH_DOC)] = None,
               ) -> Response:
    """SPARQL 1.1 Protocol, query via GET, over the ontology and the spaces you may read (read-only);
    `default-graph-uri` / `named-graph-uri` narrow it to some of those graphs."""
    # Read as sent (the parameters above only document them), so that a second `query` is refused, not dropped.
    text, requested = _protocol_call(request.query_params.multi_items())
    return _run(request, session, user, text, requested)


@router.post("/sparql", responses=SPARQL_RESPONSES, response_class=Response,
             openapi_extra={"parameters": [
                 {"name": name, "in": "query", "required": False, "description": _GRAPH_DOC,
                  "schema": {"type": "array", "items": {"type": "string"}}} for name in _DATASET_PARAMETERS],
                 "requestBody": {"content": {
                     "application/sparql-query": {"schema": {"type": "string"}},
                     "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
                         "query": {"type": "string"},
                         **{name: {"type": "array", "items": {"type": "string"}} for name in _DATASET_PARAMETERS},
                     }}},
                 }}})
@read_only
async def sparql_post(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    """SPARQL 1.1 Protocol, query via POST (form, or direct with graph parameters in the URL); updates are refused."""
    media, _, parameters = request.headers.get("content-type", "").partition(";")
    media = media.strip().lower()
    url_fields = request.query_params.multi_items()
    if media == "application/sparql-update":
        raise sparql.QueryRefused(READ_ONLY_REASON)
    if media not in ("application/sparql-query", "application/x-www-form-urlencoded"):
        raise sparql.UnsupportedBody(
            "POST a query as application/sparql-query or as the `query` field of "
            "application/x-www-form-urlencoded.")
    charset = _charset(parameters)
    if charset not in (None, "utf-8", "utf8"):
        raise sparql.UnsupportedBody(f"The body is declared as {charset}; send the query in UTF-8 "
                                     "(charset=utf-8, or no charset).")
    body = await request.body()
    if media == "application/sparql-query":
        text, requested = _protocol_call(url_fields, body_query=_utf8(body, "query"))
    else:
        text, requested = _protocol_call([*url_fields, *_form_fields(body)])
    return await run_in_threadpool(_run, request, session, user, text, requested)


def _charset(parameters: str) -> str | None:
    """The charset parameter of a Content-Type, lower-cased, if any."""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


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


@router.get("/api/pages/{page_id}/shape-report", response_model=ShapeReport, tags=["pages"],
            responses=problem_responses(401, 404, 410))
def shape_report(request: Request, access: ReadablePage, session: SessionDep) -> ShapeReport:
    """Check the page against the ontology's shapes: what a well-annotated LMI page has, in plain words."""
    return shapes.check(export.page_rdf(session, Iris(request.app.state.settings.base_iri), access.page))
