"""Running read-only SPARQL over the caller's graphs, with a time limit and standard result formats.

The dataset of every query is restricted to the ontology plus the named graphs of the spaces the
caller may read (the one rights rule); FROM / FROM NAMED / GRAPH in the query cannot widen it.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

import pyoxigraph as ox
from sqlalchemy.orm import Session

from app.auth.models import User
from app.errors import ProblemError
from app.semantics import dataset
from app.semantics.dataset import DatasetRequest, QueryDataset
from app.semantics.negotiation import NotAcceptable, choose
from app.semantics.sparql_guard import QueryInfo, SparqlRefused, inspect_query
from app.semantics.store import GraphStore

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
MAX_RUNNING = 2  # queries evaluating at once per process; a runaway one cannot take every thread
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


@dataclass(frozen=True)
class SparqlAnswer:
    body: bytes
    media_type: str


# Oxigraph evaluates recursively: a short hostile query (20,000 characters of `1+1+...`) overflows
# an 8 MB thread stack and takes the whole process down. Query threads get 256 MB (virtual; only
# what is touched is used), started while that stack size is in effect.
QUERY_THREAD_STACK = 256 << 20
_slots = threading.BoundedSemaphore(MAX_RUNNING)


def _big_stack_pool() -> ThreadPoolExecutor:
    previous = threading.stack_size(QUERY_THREAD_STACK)
    try:
        pool = ThreadPoolExecutor(max_workers=MAX_RUNNING, thread_name_prefix="sparql")
        for started in [pool.submit(lambda: None) for _ in range(MAX_RUNNING * 2)]:
            started.result()
    finally:
        threading.stack_size(previous)
    return pool


_pool = _big_stack_pool()


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
    body = _run_with_deadline(store, text, graphs, info, media, timeout)
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
                       timeout: float) -> bytes:
    if not _slots.acquire(timeout=timeout):
        raise QueryBusy("Other queries are still running; try again in a few seconds.",
                        headers={"Retry-After": "5"})
    future: Future[bytes] = _pool.submit(_evaluate, store, text, graphs, info, media, time.monotonic() + timeout)
    future.add_done_callback(lambda _: _slots.release())
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        raise QueryTimeout(
            f"The query ran for more than {timeout:g} s and was abandoned. Narrow it (add a LIMIT, bind "
            "variables, or filter earlier) and try again.", headers={"Retry-After": "5"},
        ) from None
    except (SyntaxError, ValueError, OSError) as error:
        raise QueryRefused(f"The query could not be evaluated: {error}") from None


class _BoundedOutput:
    """Where results are serialised: Oxigraph evaluates lazily as it writes, so refusing a write stops a query
    that passed its deadline (the caller already has a 503; without this it ran on, holding its slot and
    buffering gigabytes) or whose answer outgrew MAX_RESULT_BYTES."""

    def __init__(self, deadline: float) -> None:
        self.deadline, self.parts, self.size = deadline, [], 0
        self.too_large = False

    def write(self, data: bytes) -> int:
        self.size += len(data)
        self.too_large = self.size > MAX_RESULT_BYTES
        if self.too_large or time.monotonic() > self.deadline:
            raise OSError("query stopped")
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _evaluate(store: GraphStore, text: str, graphs: QueryDataset, info: QueryInfo, media: str,
              deadline: float) -> bytes:
    results = store.store.query(text, base_iri=graphs.base_iri, default_graph=graphs.default,
                                named_graphs=graphs.named)
    output = _BoundedOutput(deadline)
    formats = GRAPH_FORMATS if info.form in ("CONSTRUCT", "DESCRIBE") else SOLUTION_FORMATS
    try:
        results.serialize(output=output, format=formats[media])
        stopped = False
    except OSError:
        stopped = True
    del results  # dropped here: pyoxigraph results must not travel to another thread inside a traceback
    if stopped:
        if output.too_large:
            raise QueryRefused(f"The answer is over {MAX_RESULT_BYTES:,} bytes. Add a LIMIT, select fewer "
                               "variables, or page through it with LIMIT and OFFSET.") from None
        raise QueryTimeout("The query ran past its time limit and was stopped. Narrow it (add a LIMIT, bind "
                           "variables, or filter earlier) and try again.", headers={"Retry-After": "5"}) from None
    return b"".join(output.parts)
