"""The SPARQL store: an in-memory Oxigraph dataset derived from the database, one per host.

Each space's live pages are in the named graph `<base>graph/space/N`, the ontology in
`<base>graph/ontology`. The store follows the change log: it remembers which log entries it
applied and, before each query, refreshes the pages changed since, so every host (every machine
sharing one PostgreSQL) answers from current data, and a crash loses nothing: the store is simply
rebuilt from the database.

One server process per host holds the store (~1.2 GB at 50,000 pages; it used to be copied into every
worker): the first to take the kernel lock DATA_DIR/sparql/holder.lock. It evaluates every query of
the host in a forked child it kills at the deadline (app.linkeddata.evaluator). The other workers ask
it over a local socket: "catch up" (so a page they just saved is in the answer) and "run this query".
If the holder dies the kernel frees its lock, and the next worker that needs the store takes it over
and rebuilds the store from the database (the throw-away-and-rebuild every derived store allows).
"""

from __future__ import annotations

import dataclasses
import fcntl
import itertools
import json
import logging
import os
import socket
import struct
import tempfile
import threading
import time
import typing
import weakref
from collections import Counter
from collections.abc import Iterable
from hashlib import sha256
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node
from sqlalchemy.orm import Session

from app import log_reach
from app.pages import access
from app.changelog import LogFollower
from app.errors import ProblemError
from app.pages.models import Page
from app.linkeddata import export, rdf
from app.linkeddata.evaluator import Job, Reply, forker, read_frame, write_frame
from app.linkeddata.rdf import Iris, to_oxigraph

log = logging.getLogger(__name__)

_follower_ids = itertools.count(1)


def quads(triples: Iterable[tuple[Node, Node, Node]], graph: URIRef) -> list[ox.Quad]:
    name = ox.NamedNode(str(graph))
    return [ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), name) for s, p, o in triples]


_ontology_quads: dict[tuple[int, str], tuple[Graph, list[ox.Quad]]] = {}
_ontology_quads_lock = threading.Lock()


def ontology_quads(ontology: Graph, graph: URIRef) -> list[ox.Quad]:
    """The ontology's quads, converted once per process: the graph never changes after loading, and converting
    its triples term by term took about half a second for every new store (each test app, each take-over)."""
    key = (id(ontology), str(graph))
    with _ontology_quads_lock:
        cached = _ontology_quads.get(key)
        if cached is None or cached[0] is not ontology:  # the graph itself is kept, so its id is not reused
            cached = _ontology_quads[key] = (ontology, quads(ontology, graph))
        return cached[1]


class _Follower:
    """The in-memory Oxigraph dataset of the holder, kept current from the change log."""

    def __init__(self, iris: Iris, ontology: Graph, ontology_graph: URIRef) -> None:
        self.iris = iris
        self.store = ox.Store()
        self.lock = threading.Lock()  # held while the store is written, and around each fork
        self.uid, self.writes = next(_follower_ids), 0  # forked children at another (uid, writes) are stale
        self._loaded = False
        self._log = LogFollower()  # per process: the store lives in this process's memory
        self._page_quads: dict[int, list[ox.Quad]] = {}
        # Pages share some triples (an author's name, a space's title): count owners per quad.
        self._owners: Counter[ox.Quad] = Counter()
        self.store.extend(ontology_quads(ontology, ontology_graph))

    @property
    def loaded(self) -> bool:
        """The first full load from the database has finished (queries no longer wait for it)."""
        return self._loaded

    def catch_up(self, session: Session) -> None:
        """Apply what changed since the last call (everything, the first time)."""
        with self.lock:
            if not self._loaded:
                self._load_all(session)
                return
            fresh = self._log.pending(session)  # nothing new (one cheap aggregate) is the common case
            if not fresh:
                return
            reached = log_reach.pages_reached(session, fresh)
            if reached:  # a membership change reaches no stored page: forked children stay current
                self._refresh(session, reached)
            self._log.applied(change.id for change in fresh)

    def _load_all(self, session: Session) -> None:
        self._log.start_here(session)  # first: what commits during the load is applied again afterwards
        for batch in export.all_live_pages(session):
            self._insert(export.page_facts(session, batch))
        self._loaded = True

    def version(self) -> tuple[int, int]:
        return self.uid, self.writes

    def _refresh(self, session: Session, page_ids: set[int]) -> None:
        self.writes += 1
        for page_id in page_ids:
            for quad in self._page_quads.pop(page_id, []):
                self._owners[quad] -= 1
                if self._owners[quad] <= 0:
                    del self._owners[quad]
                    self.store.remove(quad)
        live = list(session.scalars(access.all_live_pages().where(Page.id.in_(page_ids))))
        self._insert(export.page_facts(session, live))

    def _insert(self, facts: list[rdf.PageFacts]) -> None:
        self.writes += 1
        for page in facts:
            page_quads = list(dict.fromkeys(
                quads(rdf.page_triples(self.iris, page), self.iris.space_graph(page.space_id))))
            self._page_quads[page.id] = page_quads
            self._owners.update(page_quads)
            self.store.extend(page_quads)

    @property
    def position(self) -> int:
        return self._log.position.newest

    def __len__(self) -> int:
        return len(self.store)


class StoreNotReady(ProblemError):
    status = 503
    title = "SPARQL store not ready"


StoreState = typing.Literal["not built yet", "building", "ready"]
HOLDER_START_SECONDS = 5.0  # how long an asker waits for a holder that has the lock to open its socket
SYNC_SECONDS = 60.0  # how long a query waits for the holder to catch up (or to finish building after a take-over)
_holders: weakref.WeakValueDictionary[str, GraphStore] = weakref.WeakValueDictionary()  # holders in this process
_holders_lock = threading.Lock()


class GraphStore:
    """The host's SPARQL store as one server process sees it: held here, or reached through the holder."""

    def __init__(self, iris: Iris, ontology: Graph, directory: Path | None = None,
                 database: Any = None) -> None:
        """`directory` (DATA_DIR/sparql) is shared by the processes of a host; None: a private store (one
        process, e.g. a benchmark). `database` (app.db.Database) lets the holder catch up for others."""
        self.iris, self.directory, self.database = iris, directory, database
        self._ontology = ontology
        self.ontology_graph = URIRef(f"{iris.base}graph/ontology")
        self._follower: _Follower | None = None
        self._lock_file: Any = None
        self._server: _HolderServer | None = None
        self._taking = threading.Lock()
        self._publishing = threading.Lock()
        if directory is None:
            self._follower = _Follower(iris, ontology, self.ontology_graph)
        else:
            directory.mkdir(parents=True, exist_ok=True)
            self._key = str(directory.resolve())
            self._holder()

    # ------------------------------------------------------------ roles

    @property
    def holds(self) -> bool:
        """This object holds the host's store (its process evaluates every query of the host)."""
        return self._follower is not None

    def _holder(self) -> GraphStore | None:
        """The holder if it is in this process (this object or another app's), taking over when nobody holds it."""
        if self._follower is not None:
            return self
        with _holders_lock:
            other = _holders.get(self._key)
        if other is not None and other._follower is not None:
            return other
        return self if self._take_over() else None

    def _take_over(self) -> bool:
        assert self.directory is not None
        with self._taking:
            if self._follower is not None:
                return True
            lock_file = open(self.directory / "holder.lock", "a+b")  # noqa: SIM115 (kept open while held)
            try:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock_file.close()
                return False
            self._lock_file = lock_file
            self._follower = _Follower(self.iris, self._ontology, self.ontology_graph)
            self._server = _HolderServer(self, _address(self._key))
            with _holders_lock:
                _holders[self._key] = self
            self._publish()
            return True

    def close(self) -> None:
        """Let go of the store (at shutdown): another process may take it over."""
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._follower is not None and self.directory is not None:
            (self.directory / "state.json").unlink(missing_ok=True)
        self._follower = None
        if self._lock_file is not None:
            self._lock_file.close()  # the kernel frees the lock
            self._lock_file = None

    def _publish(self) -> None:
        """What /health of the other processes reports: who holds the store and whether it is built."""
        assert self.directory is not None and self._follower is not None
        state = {"pid": os.getpid(), "loaded": self._follower.loaded}
        with self._publishing:  # two requests finishing the first build at once each publish: one file each
            handle, name = tempfile.mkstemp(prefix="state.json.", dir=self.directory)
            with os.fdopen(handle, "w") as temporary:
                temporary.write(json.dumps(state))
            os.replace(name, self.directory / "state.json")

    # ------------------------------------------------------------ what the query path uses

    def catch_up(self, session: Session) -> None:
        """Make the store show everything `session` sees of the change log (building it the first time)."""
        holder = self._holder()
        if holder is not None:
            holder._follow(session)
            return
        self._ask({"op": "catch up"}, SYNC_SECONDS)

    def _follow(self, session: Session) -> None:
        assert self._follower is not None
        was_loaded = self._follower.loaded
        self._follower.catch_up(session)
        if not was_loaded and self.directory is not None:
            self._publish()

    def evaluate(self, job: Job, timeout: float) -> Reply:
        """Run a query in a child process of the holder, killed past `timeout` (Reply kind "killed")."""
        holder = self._holder()
        if holder is not None:
            return holder._evaluate_here(job, timeout)
        header, body = self._ask({"op": "query", "job": dataclasses.asdict(job), "timeout": timeout},
                                 timeout + SYNC_SECONDS)
        return Reply(header["kind"], body, header.get("message", ""))

    def _evaluate_here(self, job: Job, timeout: float) -> Reply:
        follower = self._follower
        if follower is None:
            raise StoreNotReady("The SPARQL store is being handed over to another server process; try again in "
                                "a few seconds.", headers={"Retry-After": "2"})
        return forker().run(follower.store, job, timeout, follower.lock, follower.version)

    def _ask(self, request: dict[str, Any], timeout: float) -> tuple[dict[str, Any], bytes]:
        """One request to the holder in another process; StoreNotReady when there is none or it went away."""
        try:
            with self._connect(timeout) as connection:
                stream = connection.makefile("rwb")
                write_frame(stream, request)
                header, body = read_frame(stream)
        except (OSError, EOFError) as error:
            if self._holder() is not None:  # it died and we hold the store now: the caller retries on it
                raise StoreNotReady("The server process holding the SPARQL store stopped; this one takes over "
                                    "and rebuilds it. Try again in a few seconds.",
                                    headers={"Retry-After": "5"}) from None
            raise StoreNotReady(f"The SPARQL store of this host did not answer ({error}); try again in a few "
                                "seconds.", headers={"Retry-After": "5"}) from None
        if "error" in header:
            raise StoreNotReady(header["error"], headers={"Retry-After": "5"})
        return header, body

    def _connect(self, timeout: float) -> socket.socket:
        """A connection to the holder, waiting up to HOLDER_START_SECONDS for one that has taken the lock
        but not yet opened its socket (refused in that gap, which two workers starting together hit)."""
        waited_until = time.monotonic() + HOLDER_START_SECONDS
        while True:
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connection.settimeout(timeout)
            try:
                connection.connect(_address(self._key))
                return connection
            except ConnectionRefusedError:
                connection.close()
                if time.monotonic() > waited_until or self._holder() is not None:
                    raise
                time.sleep(0.05)
            except BaseException:
                connection.close()
                raise

    def state(self) -> StoreState:
        """For /health: built and current, being built, or not built by anyone yet."""
        if self._follower is not None:
            return "ready" if self._follower.loaded else "building"
        if self.directory is None:
            return "not built yet"
        try:
            state = json.loads((self.directory / "state.json").read_text())
            os.kill(int(state["pid"]), 0)
        except (OSError, ValueError, KeyError):
            return "not built yet"  # nobody holds it: the next query takes it over
        return "ready" if state.get("loaded") else "building"

    @property
    def loaded(self) -> bool:
        """The first full load from the database has finished (queries no longer wait for it)."""
        return self.state() == "ready"

    def graphs_for(self, space_ids: Iterable[int]) -> list[ox.NamedNode]:
        """The named graphs of the given spaces (those the caller may read)."""
        return [ox.NamedNode(str(self.iris.space_graph(space_id))) for space_id in space_ids]

    @property
    def ontology_node(self) -> ox.NamedNode:
        return ox.NamedNode(str(self.ontology_graph))

    @property
    def store(self) -> ox.Store:
        """The in-memory dataset (only in the holding process)."""
        if self._follower is None:
            raise RuntimeError("this process does not hold the SPARQL store")
        return self._follower.store

    def __len__(self) -> int:
        return len(self._follower) if self._follower is not None else 0


def _address(key: str) -> str:
    """An abstract Unix socket name (no file to go stale; freed when the holder dies), one per store folder."""
    return "\0mature-sparql-" + sha256(key.encode()).hexdigest()[:32]


class _HolderServer:
    """The holder's socket: other server processes of the host ask it to catch up and to run queries."""

    def __init__(self, store: GraphStore, address: str) -> None:
        self._store = weakref.ref(store)
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.bind(address)
        self._socket.listen(64)
        threading.Thread(target=self._accept, name="sparql-holder", daemon=True).start()

    def close(self) -> None:
        try:
            self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._socket.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(connection,), name="sparql-holder-request",
                             daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            stream = connection.makefile("rwb")
            try:
                if not _same_user(connection):
                    return
                request, _ = read_frame(stream)
                header, body = self._answer(request)
                write_frame(stream, header, body)
            except (OSError, EOFError, ValueError):
                return  # the asking process went away (its client disconnected): the query was killed anyway

    def _answer(self, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        store = self._store()
        if store is None or store.database is None:
            return {"error": "The SPARQL store is shutting down; try again in a few seconds."}, b""
        try:
            if request["op"] == "catch up":
                with store.database.transaction(write=False) as session:
                    store._follow(session)
                return {"ok": True}, b""
            reply = store._evaluate_here(Job(**request["job"]), float(request["timeout"]))
            return {"kind": reply.kind, "message": reply.message}, reply.body
        except ProblemError as problem:
            return {"error": problem.detail}, b""
        except Exception as error:  # noqa: BLE001 (the asking worker answers 503; the log has the cause)
            log.exception("the SPARQL store holder failed a request")
            return {"error": f"The SPARQL store failed ({type(error).__name__}); try again in a few seconds."}, b""


def _same_user(connection: socket.socket) -> bool:
    """Only processes of the service's own user may ask (an abstract socket has no file permissions)."""
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _, uid, _ = struct.unpack("3i", credentials)
    return uid == os.getuid()
