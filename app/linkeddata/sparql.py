"""Running read-only SPARQL over the caller's graphs, with a time limit and standard result formats.

The dataset of every query is restricted to the ontology plus the named graphs of the spaces the
caller may read (the one rights rule); FROM / FROM NAMED / GRAPH in the query cannot widen it.
Each query runs in a process of its own, killed at the time limit (app.linkeddata.evaluator), and
holds one of its user's and one of the host's query slots meanwhile (app.linkeddata.query_slots).
"""

from __future__ import annotations

import json
import math
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from sqlalchemy.orm import Session

from app.auth.models import User
from app.errors import ProblemError
from app.linkeddata import dataset
from app.linkeddata.dataset import DatasetRequest, QueryDataset
from app.linkeddata.evaluator import Job
from app.negotiation import NotAcceptable, choose
from app.linkeddata.query_slots import HostBusy, QuerySlots, UserBusy
from app.linkeddata.sparql_guard import QueryInfo, SparqlRefused, inspect_query
from app.linkeddata.store import GraphStore

SOLUTION_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
ALIASES = {"application/json": "application/sparql-results+json", "application/xml": "application/sparql-results+xml",
           "text/xml": "application/sparql-results+xml"}
MAX_RUNNING = 4  # queries evaluating at once on a host (every worker process), each a process of its own
MAX_RUNNING_PER_USER = 2  # of those, one user's: their runaway queries cannot take everybody's slots
MAX_RESULT_BYTES = 64_000_000  # a serialised answer past this is refused: results stream at ~60 MB/s


class QueryRefused(ProblemError):
    status = 400
    title = "Query refused"


class UnsupportedBody(ProblemError):
    status = 415
    title = "Unsupported media type"


class QueryTimeout(ProblemError):
    status = 503
    title = "Query took too long"


class QueryBusy(ProblemError):
    status = 503
    title = "Query service busy"


class TooManyQueries(ProblemError):
    status = 429
    title = "Too many queries running"


@dataclass(frozen=True)
class SparqlAnswer:
    body: bytes
    media_type: str


_slots: dict[str, QuerySlots] = {}
_slots_lock = threading.Lock()


def _slots_for(store: GraphStore) -> QuerySlots:
    """The host's query slots (lock files beside the shared store; a private store gets private ones)."""
    directory = store.directory / "slots" if store.directory is not None else None
    key = str(directory) if directory is not None else f"private-{id(store)}"
    with _slots_lock:
        if key not in _slots:
            _slots[key] = QuerySlots(directory or Path(tempfile.mkdtemp(prefix="mature-sparql-slots-")),
                                     MAX_RUNNING, MAX_RUNNING_PER_USER)
        return _slots[key]


def answer(session: Session, store: GraphStore, user: User, text: str, accept: str | None,
           timeout: float, requested: DatasetRequest | None = None) -> SparqlAnswer:
    """Check, run and serialise one query for one caller, over the graphs requested of those they may read."""
    try:
        info = inspect_query(text, base_iri=store.iris.base)
    except SparqlRefused as refused:
        raise QueryRefused(refused.reason) from None
    media = _media_type(info, accept)
    store.catch_up(session)
    graphs = dataset.for_caller(session, store, user, dataset.chosen(requested, info.from_graphs, info.from_named))
    body = _run_with_deadline(store, text, graphs, info, media, timeout, user.id)
    return SparqlAnswer(body, media + ("; charset=utf-8" if media.startswith("text/") else ""))


def select_rows(session: Session, store: GraphStore, user: User, text: str, timeout: float) -> list[dict[str, str]]:
    """Run a SELECT we generated ourselves and return its rows as {variable: value} (values as text)."""
    body = answer(session, store, user, text, "application/sparql-results+json", timeout).body
    return [{name: cell["value"] for name, cell in row.items()}
            for row in json.loads(body)["results"]["bindings"]]


def _media_type(info: QueryInfo, accept: str | None) -> str:
    offers = list(GRAPH_FORMATS) if info.form in ("CONSTRUCT", "DESCRIBE") else list(SOLUTION_FORMATS)
    accept = ",".join(ALIASES.get(part.split(";")[0].strip(), part) for part in (accept or "").split(",")) or None
    try:
        return choose(accept, offers)
    except NotAcceptable as error:
        raise NotAcceptable(f"A {info.form} query can answer {', '.join(offers)}; {error.detail}") from None


def _run_with_deadline(store: GraphStore, text: str, graphs: QueryDataset, info: QueryInfo, media: str,
                       timeout: float, user_id: int) -> bytes:
    """Evaluate in a process killed at the deadline, within the caller's and the host's query slots."""
    job = Job(text, [graph.value for graph in graphs.default], [graph.value for graph in graphs.named],
              graphs.base_iri, media, info.form in ("CONSTRUCT", "DESCRIBE"), MAX_RESULT_BYTES)
    retry = str(max(1, math.ceil(timeout)))
    try:
        with _slots_for(store).hold(user_id, wait=timeout):
            reply = store.evaluate(job, timeout)
    except UserBusy:
        raise TooManyQueries(
            f"Your other {MAX_RUNNING_PER_USER} queries are still running; each stops at its time limit "
            f"({timeout:g} s). Wait for them to finish, then try again.", headers={"Retry-After": retry}) from None
    except HostBusy:
        raise QueryBusy("Other queries are still running; try again in a few seconds.",
                        headers={"Retry-After": "5"}) from None
    if reply.kind == "ok":
        return reply.body
    if reply.kind == "killed":
        raise QueryTimeout(
            f"The query ran for more than {timeout:g} s and was stopped. Narrow it (add a LIMIT, bind "
            "variables, or filter earlier) and try again.", headers={"Retry-After": "5"})
    if reply.kind == "too large":
        raise QueryRefused(f"The answer is over {MAX_RESULT_BYTES:,} bytes. Add a LIMIT, select fewer "
                           "variables, or page through it with LIMIT and OFFSET.")
    raise QueryRefused(f"The query could not be evaluated: {reply.message}")
