"""`GET /health`: is the database reachable, and what state are the stores derived from it in.

Public (load balancers and monitors call it without a token), so it reports states and one count, nothing
about any page or person. A search index being rebuilt makes the service `degraded` but still 200: the
server answers everything else, and pulling it from a load balancer would not bring search back sooner
(every server shares the index folder). An unreachable database is a 503 problem (app.errors), as before.
"""

from __future__ import annotations

from typing import Literal

from fastapi import FastAPI
from pydantic import ConfigDict, Field

from app import __version__
from app.changelog import LogFollower, Position
from app.schema import Schema

IndexState = Literal["ok", "rebuilding", "damaged"]
SparqlState = Literal["not built yet", "building", "ready"]


class Health(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"status": "ok", "version": "0.1.0", "database": "postgresql", "search_index": "ok", "index_queue": 0,
         "sparql_store": "ready"},
        {"status": "degraded", "version": "0.1.0", "database": "sqlite", "search_index": "rebuilding",
         "index_queue": 12, "sparql_store": "not built yet"},
    ]})

    status: Literal["ok", "degraded"] = Field(
        description="'ok' when the database answers and search works; 'degraded' while the search index is "
        "rebuilt or damaged (everything but search still works, so this is still a 200).")
    version: str
    database: str = Field(description="The database dialect: sqlite or postgresql.")
    search_index: IndexState = Field(
        description="'ok'; 'rebuilding' when this process is rebuilding a missing or damaged index from the "
        "database (search answers 503 meanwhile, usually for seconds); 'damaged' when it is missing or damaged "
        "and no indexer runs in this process (run `mature reindex`).")
    index_queue: int = Field(
        description="Logged changes this host's search index has not applied yet (counted from the position "
        "its folder remembers). Near 0 normally; a count that keeps growing means no indexer follows the log.",
        ge=0)
    sparql_store: SparqlState = Field(
        description="The host's SPARQL store (one per host, held by one server process, which evaluates "
        "every query in a child process stopped at the time limit): 'not built yet' (built on the first query, "
        "or at start-up in the background), 'building', or 'ready'.")


def report(app: FastAPI) -> Health:
    """The health of this process; an unreachable database raises (answered as 503 by app.errors)."""
    with app.state.database.transaction(write=False) as session:
        indexer = getattr(app.state, "indexer", None)
        position = indexer.position() if indexer is not None else None
        queued = LogFollower(position=position or Position()).backlog(session)
    index = search_index_state(app)
    return Health(
        status="ok" if index == "ok" else "degraded", version=__version__,
        database=app.state.database.engine.dialect.name, search_index=index, index_queue=queued,
        sparql_store=sparql_state(app),
    )


def search_index_state(app: FastAPI) -> IndexState:
    """From what this process knows (flags and one directory listing; damage is found by the first reader)."""
    index, indexer = app.state.page_index, getattr(app.state, "indexer", None)
    if indexer is not None and indexer.rebuilding:
        return "rebuilding"
    running = indexer is not None and indexer.running
    # Where an indexer runs, it made the index at start-up, so missing files are damage; without one (the
    # in-process test client) the first reader creates or finds out, and sets `damaged`.
    missing = running and not index.exists()
    if not index.damaged and not missing:
        return "ok"
    return "rebuilding" if running else "damaged"


def sparql_state(app: FastAPI) -> SparqlState:
    """The host's store: held by this process or another one of the host (which this one asks)."""
    store = app.state.graph_store
    if store is None:
        return "not built yet"
    return store.state()
