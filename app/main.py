"""The application factory: settings, database, routers and problem+json errors."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import __version__
from app.annotations.ontology import get_ontology
from app.auth.router import router as accounts_router
from app.auth.space_router import router as spaces_router
from app.config import Settings
from app.db import Database, make_engine
from app.observers import register_all
from app.errors import document_problems, install_problem_handlers, problem_responses
from app.following.dispatch import WebhookWorker
from app.following.router import router as following_router
from app.linkeddata.export import page_document
from app.linkeddata.router import graph_store
from app.linkeddata.router import router as linkeddata_router
from app.operations.health import Health
from app.operations.health import report as health_report
from app.pages.router import router as pages_router
from app.people.router import router as people_router
from app.people.service import seed_topic_scheme
from app.quality.router import router as quality_router
from app.quality.usage import ViewCounter
from app.reports.router import router as reports_router
from app.search.index import PageIndex
from app.search.indexer import Indexer
from app.search.router import router as search_router
from app.security.body_limit import BodyLimit
from app.security.headers import SecurityHeaders
from app.tagging.router import router as tagging_router
from app.topics.router import IMPORT_LIMIT
from app.topics.router import router as topics_router
from app.widgets.router import router as widgets_router
from app.wikiimport.router import DUMP_LIMIT
from app.wikiimport.router import router as wikiimport_router

log = logging.getLogger(__name__)


class Service(FastAPI):
    """FastAPI with the security headers outside every other layer, so even the 500 answer carries them."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


def warm_graph_store(app: FastAPI) -> None:
    """Build the SPARQL store in the background at start-up, so no user's first query pays for it (in the
    worker that takes the host's store; the others only note who holds it)."""

    def build() -> None:
        try:
            store = graph_store(app)
            if store.holds:  # the other workers of the host ask the holder; they build nothing
                with app.state.database.transaction(write=False) as session:
                    store.catch_up(session)
        except Exception:  # the first query will build it instead, and report any error
            log.exception("warming the SPARQL store failed")

    threading.Thread(target=build, name="warm-graph-store", daemon=True).start()


def health(request: Request) -> Health:
    """Liveness, database reachability and the derived stores' state (no authentication; 200 'degraded'
    while the search index is rebuilt, 503 when the database is unreachable)."""
    # A module-level endpoint, not a closure over the app: FastAPI caches facts about each endpoint function
    # for the process (4,096 of them), and a closure kept every app ever built alive with all its routes.
    return health_report(request.app)


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the service; tests pass their own settings and database."""
    settings = settings or Settings()
    secret_key = settings.resolved_secret_key()  # refuses a missing key in production, before serving
    get_ontology()  # parse ontology/ now: a broken file stops start-up instead of the first edit
    register_all()  # the packages' same-transaction consequences of page writes

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        app.state.database = database or Database(make_engine(settings))
        indexer = app.state.indexer = Indexer(app.state.database, app.state.page_index)
        views = app.state.view_counter
        views.database = app.state.database
        views.start()
        app.state.after_write.append(indexer.wake)
        webhook_worker = app.state.webhook_worker = WebhookWorker(app.state.database, secret_key, settings.base_iri)
        app.state.after_write.append(webhook_worker.wake)
        if settings.env != "test":
            seed_topic_scheme(app.state.database)  # people tests seed in a fixture (each test rolls back)
            warm_graph_store(app)
        if settings.search_indexing:  # off for the in-process test client, which drains it itself
            indexer.start()
        if settings.webhook_delivery:  # off for the in-process test client, which drives it itself
            webhook_worker.start()
        try:
            yield
        finally:
            webhook_worker.stop()
            if app.state.graph_store is not None:
                app.state.graph_store.close()  # another worker of the host may take it over
            views.stop()
            indexer.stop()
            app.state.page_index.close()
            if owned:
                app.state.database.dispose()

    app = Service(
        title="MATURE-LMI",
        version=__version__,
        summary="Knowledge maturing for careers labour-market information.",
        description="Versioned LMI pages in personal and organisational spaces. "
        "Authenticate with `Authorization: Bearer <token>` (POST /api/auth/token). "
        "Errors are RFC 9457 problem+json.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.graph_store = None  # the SPARQL store, built from the database on first use
    app.state.page_document = page_document  # pages' RDF representation, supplied by linked data
    app.state.secret_key = secret_key
    app.state.page_index = PageIndex(settings.data_dir / "search")
    app.state.view_counter = ViewCounter(flush_seconds=settings.usage_flush_seconds)
    app.state.after_write = []  # called after each committed write request (e.g. wake the indexer)
    if database is not None:
        app.state.database = database
    install_problem_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, per_path={"/api/topics/import": IMPORT_LIMIT,
                                                                              "/api/admin/imports/mediawiki": DUMP_LIMIT})
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
            allow_methods=["*"], allow_headers=["Authorization", "Content-Type", "If-Match"],
            expose_headers=["ETag", "Location"],
        )
    if settings.trusted_proxies:  # added last, so outer: every layer sees the client, not the proxy
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    for router in (accounts_router, spaces_router, pages_router, quality_router, linkeddata_router, search_router,
                   tagging_router, people_router, topics_router, following_router, reports_router, wikiimport_router):
        app.include_router(router)

    app.add_api_route("/health", health, methods=["GET"], response_model=Health, tags=["service"],
                      responses=problem_responses(503))
    app.include_router(widgets_router)  # /widgets/ and the demo workspace at / (which links to /docs)

    document_problems(app)
    return app
