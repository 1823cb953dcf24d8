"""The RDF dataset one SPARQL request runs over: the caller's readable graphs, narrowed, never widened.

A request that names no graphs runs over every graph the caller may read (the ontology and the graphs of
their readable spaces), both as the default graph (their union) and as the named graphs. Graphs named by
the Protocol's `default-graph-uri` / `named-graph-uri` parameters, or else by the query's FROM /
FROM NAMED, replace that dataset as SPARQL says, but only with graphs from it: a graph the caller may not
read is treated exactly like a graph that does not exist, an empty graph, so no answer tells whether
someone else's graph is there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.rights import readable_space_ids
from app.errors import ProblemError
from app.linkeddata.store import GraphStore

MAX_GRAPH_PARAMETERS = 1000  # graph names one request may list; far more than there are spaces to read


class DatasetRefused(ProblemError):
    status = 400
    title = "Dataset refused"


@dataclass(frozen=True, slots=True)
class DatasetRequest:
    """The graph IRIs a request named in `default-graph-uri` / `named-graph-uri`, as sent."""

    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()

    @property
    def given(self) -> bool:
        """True when the request names its own dataset (either parameter, even once)."""
        return bool(self.default_graph_uris or self.named_graph_uris)


@dataclass(frozen=True, slots=True)
class QueryDataset:
    """What a query is evaluated over: its default graph (merged), its named graphs, and the base IRI."""

    default: list[ox.NamedNode]
    named: list[ox.NamedNode]
    base_iri: str


def chosen(requested: DatasetRequest | None, from_graphs: tuple[str, ...],
           from_named: tuple[str, ...]) -> DatasetRequest:
    """The protocol's dataset if the request names one, else the query's FROM / FROM NAMED (Protocol 2.1.4)."""
    if requested is not None and requested.given:
        return requested
    return DatasetRequest(from_graphs, from_named)


def for_caller(session: Session, store: GraphStore, user: User, request: DatasetRequest | None = None) -> QueryDataset:
    """The caller's dataset, narrowed to the graphs the request names (if it names any)."""
    readable = [store.ontology_node, *store.graphs_for(session.scalars(readable_space_ids(user)))]
    return narrow(readable, request or DatasetRequest(), store.iris.base)


def narrow(readable: list[ox.NamedNode], request: DatasetRequest, base_iri: str) -> QueryDataset:
    """Keep only named graphs that are readable; an unreadable or unknown name selects nothing."""
    if not request.given:
        return QueryDataset(readable, readable, base_iri)
    count = len(request.default_graph_uris) + len(request.named_graph_uris)
    if count > MAX_GRAPH_PARAMETERS:
        raise DatasetRefused(f"The request names {count:,} graphs; at most {MAX_GRAPH_PARAMETERS:,} "
                             "default-graph-uri and named-graph-uri values are accepted.")
    allowed = set(readable)
    return QueryDataset(_kept(request.default_graph_uris, "default-graph-uri", allowed, base_iri),
                        _kept(request.named_graph_uris, "named-graph-uri", allowed, base_iri), base_iri)


def _kept(values: Iterable[str], parameter: str, allowed: set[ox.NamedNode], base_iri: str) -> list[ox.NamedNode]:
    """The requested graphs the caller may read, in the order first named, each once."""
    graphs = [_graph_name(value, parameter, base_iri) for value in values]
    return [graph for graph in dict.fromkeys(graphs) if graph in allowed]


def _graph_name(value: str, parameter: str, base_iri: str) -> ox.NamedNode:
    """A protocol graph parameter as an IRI, or a 400 saying what an acceptable value looks like."""
    try:
        return ox.NamedNode(value)
    except ValueError as error:
        raise DatasetRefused(
            f"{parameter}={value[:200]!r} is not an absolute IRI ({error}). Name a graph by its full IRI, "
            f"for example {base_iri}graph/space/2 for the pages of space 2 (GET /api/dump lists the graphs "
            "you can read)."
        ) from None
