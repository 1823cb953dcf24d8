"""SPARQL evaluation in a forked child process that is killed at the deadline.

pyoxigraph cannot be interrupted from Python: an aggregate or ORDER BY computes everything before its
first row, so a thread running one keeps its core until it finishes (two such queries held both query
threads for 23+ minutes). A process can be killed. The process holding the host's store
(app.linkeddata.store) forks one child per query: the child sees the store as it was at the fork
(copy-on-write, so nothing is copied until written, and the store is never written in the child),
evaluates, writes the serialised answer to a pipe and exits. The parent reads the pipe until the
deadline and then kills the child with SIGKILL, which frees its CPU and memory at once.

Forking a multi-threaded process is safe here because the child only runs Oxigraph on the store (the
fork happens while no thread writes to it), writes to its pipe and leaves with os._exit; it never
touches the parent's database connections, locks or event loop.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import resource
import select
import signal
import struct
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any, BinaryIO

import pyoxigraph as ox

# Oxigraph evaluates recursively: a short hostile query (20,000 characters of `1+1+...`) overflows an
# 8 MB thread stack. Forks happen on threads with 256 MB (virtual; only what is touched is used), and
# the child's only thread is the one that forked.
QUERY_THREAD_STACK = 256 << 20
FORKING_THREADS = 16  # children waited for at once per store process; the query slots bound them first
_HEADER = struct.Struct("!Q")
warnings.filterwarnings("ignore", message=r".*use of fork\(\) may lead to deadlocks", category=DeprecationWarning)


@dataclass(frozen=True)
class Job:
    query: str
    default: list[str]  # the dataset: the default graph is the union of these
    named: list[str]  # and these are its named graphs (both only ever the caller's readable graphs)
    base_iri: str  # what relative IRIs in the query resolve against
    media: str  # result media type
    graph_form: bool  # CONSTRUCT / DESCRIBE (RDF) rather than solutions
    max_bytes: int


@dataclass(frozen=True)
class Reply:
    kind: str  # "ok", "too large", "refused" (cannot be evaluated), "killed" (past the deadline), "crashed"
    body: bytes = b""
    message: str = ""


class _BoundedOutput:
    """Where results are serialised; refusing a write stops a query whose answer outgrew the limit."""

    def __init__(self, limit: int) -> None:
        self.limit, self.parts, self.size, self.too_large = limit, [], 0, False

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            self.too_large = True
            raise OSError("answer too large")
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def evaluate_here(store: ox.Store, job: Job) -> Reply:
    """Run and serialise one job in this process (the child's work)."""
    try:
        results = store.query(job.query, base_iri=job.base_iri,
                              default_graph=[ox.NamedNode(graph) for graph in job.default],
                              named_graphs=[ox.NamedNode(graph) for graph in job.named])
        output = _BoundedOutput(job.max_bytes)
        media = (ox.RdfFormat if job.graph_form else ox.QueryResultsFormat).from_media_type(job.media)
        try:
            results.serialize(output=output, format=media)
        except OSError:
            if output.too_large:
                return Reply("too large")
            raise
        return Reply("ok", b"".join(output.parts))
    except (SyntaxError, ValueError, OSError) as error:
        return Reply("refused", message=str(error))


def _close_all_but(keep: set[int]) -> None:
    """Close every inherited descriptor but ours: the parent's locks, sockets, database connections and the
    pipes of other children (holding another child's pipe would keep its reader waiting until we exit)."""
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX"))


def _default_signals() -> None:
    """Drop the server's Python signal handlers: a SIGTERM to the process group (the server stopping) then
    ends the child at once, instead of running uvicorn's handler against a wakeup pipe we have closed."""
    try:
        signal.set_wakeup_fd(-1)
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
    except ValueError:  # not the main thread after all (cannot happen after fork on CPython; be safe)
        pass


def _child(store: ox.Store, jobs: int, replies: int) -> None:
    """A forked child: wait for one job, evaluate it, write the reply, close the pipe, leave."""
    try:
        _default_signals()
        _close_all_but({jobs, replies})
        with os.fdopen(jobs, "rb") as stream:
            try:
                job, timeout = pickle.load(stream)
            except (EOFError, pickle.UnpicklingError):
                return  # the parent discarded this spare (or died)
        # The kernel's own limit as well: should the parent die before killing us, we die at the deadline.
        seconds = math.ceil(timeout) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
        reply = evaluate_here(store, job)
        data = pickle.dumps((reply.kind, reply.body, reply.message), protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(replies, view):]
        os.close(replies)  # the reader has it all now, before the kernel tears down our memory
    finally:
        os._exit(0)


@dataclass
class _Spare:
    """A child forked ahead of time, waiting for its job: the fork is then off the query's path."""

    pid: int
    jobs: int  # write end
    replies: int  # read end
    version: object  # the store's version at the fork (which store, how many writes)


class Forker:
    """Forks evaluation children from big-stack threads, one per job, and kills the late ones.

    A fork costs time in proportion to the parent's memory (~0.5 ms per MB on a busy 2-core VM), so one
    child is kept forked ahead for the store's current version while queries come without writes between
    them; a write to the store makes it stale (it would answer from the old data). Where writes come between
    most queries a spare would be thrown away unused, costing a second fork per query on busy cores (the
    SPARQL tests ran 40 % longer with one always kept), so none is forked until two queries in a row see
    the same version."""

    def __init__(self) -> None:
        previous = threading.stack_size(QUERY_THREAD_STACK)
        try:
            self._threads = ThreadPoolExecutor(max_workers=FORKING_THREADS, thread_name_prefix="sparql-fork")
            for started in [self._threads.submit(lambda: None) for _ in range(FORKING_THREADS * 2)]:
                started.result()  # every thread starts now, while the big stack size is in effect
        finally:
            threading.stack_size(previous)
        self._lock = threading.Lock()
        self._spare: _Spare | None = None
        self._last_version: object = None  # the store's version at the last query
        self.running: set[int] = set()  # pids of the children evaluating now
        self.killed = 0

    def run(self, store: ox.Store, job: Job, timeout: float, quiet: AbstractContextManager[Any],
            version: Callable[[], object]) -> Reply:
        """Evaluate in a child; `quiet` is held around each fork (no thread may write the store then), and
        `version()` names the store and its write count (children forked at another one are stale)."""
        deadline = time.monotonic() + timeout
        now = version()
        child = self._take_spare(now) or self._threads.submit(self._fork, store, quiet, version).result()
        with self._lock:
            quiet_since_last, self._last_version = self._last_version == now, now
        if quiet_since_last:  # reads without writes between them: the next one will likely find its spare
            self._threads.submit(self._prepare_spare, store, quiet, version)
        self.running.add(child.pid)
        try:
            with os.fdopen(child.jobs, "wb") as stream:
                pickle.dump((job, timeout), stream)
            data, finished = _read_until(child.replies, deadline)
        except OSError:  # it died before taking the job
            data, finished = b"", True
        finally:
            os.close(child.replies)
            self.running.discard(child.pid)
        if not finished:
            os.kill(child.pid, signal.SIGKILL)
            os.waitpid(child.pid, 0)  # gone before the answer: its CPU is free when the caller hears "stopped"
            self.killed += 1
            return Reply("killed", message=f"stopped after {timeout:g} s")
        if not data:
            _, status = os.waitpid(child.pid, 0)
            signalled = os.WIFSIGNALED(status) and os.WTERMSIG(status)
            return Reply("crashed", message=f"the query engine stopped (signal {signalled or 'none'})")
        self._threads.submit(os.waitpid, child.pid, 0)  # reaped while the answer travels
        kind, body, message = pickle.loads(data)
        return Reply(kind, body, message)

    def _fork(self, store: ox.Store, quiet: AbstractContextManager[Any], version: Callable[[], object]) -> _Spare:
        """On a big-stack thread: the child's only thread is the one that forked."""
        jobs_read, jobs_write = os.pipe()
        replies_read, replies_write = os.pipe()
        with quiet:
            forked_at = version()
            pid = os.fork()
            if pid == 0:
                _child(store, jobs_read, replies_write)
        os.close(jobs_read)
        os.close(replies_write)
        return _Spare(pid, jobs_write, replies_read, forked_at)

    def _take_spare(self, version: object) -> _Spare | None:
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is None:
            return None
        if spare.version == version and os.waitpid(spare.pid, os.WNOHANG) == (0, 0):
            return spare
        self._discard(spare)
        return None

    def _prepare_spare(self, store: ox.Store, quiet: AbstractContextManager[Any], version: Callable[[], object]) -> None:
        with self._lock:
            if self._spare is not None and self._spare.version == version():
                return
        spare = self._fork(store, quiet, version)
        with self._lock:
            old, self._spare = self._spare, spare
        if old is not None:
            self._discard(old)

    def _discard(self, spare: _Spare) -> None:
        os.close(spare.jobs)  # it reads EOF and leaves
        os.close(spare.replies)
        self._threads.submit(os.waitpid, spare.pid, 0)


def _read_until(fd: int, deadline: float) -> tuple[bytes, bool]:
    """Everything the child writes, and whether it finished (closed the pipe) before the deadline."""
    parts: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"", False
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return b"", False
        part = os.read(fd, 1 << 20)
        if not part:
            return b"".join(parts), True
        parts.append(part)


_forker: Forker | None = None
_forker_lock = threading.Lock()


def forker() -> Forker:
    """This process's forking threads (started on first use: only the store holder needs them)."""
    global _forker
    with _forker_lock:
        if _forker is None:
            _forker = Forker()
        return _forker


# ---------------------------------------------------------------- frames between server processes
# JSON, not pickle, on the socket: a frame from another process must never be able to run code.


def write_frame(stream: BinaryIO, header: dict[str, Any], body: bytes = b"") -> None:
    """One message: a JSON header and a raw body (a query's answer), each after its 8-byte length."""
    data = json.dumps(header).encode()
    stream.write(_HEADER.pack(len(data)) + data + _HEADER.pack(len(body)))
    stream.write(body)
    stream.flush()


def read_frame(stream: BinaryIO) -> tuple[dict[str, Any], bytes]:
    (size,) = _HEADER.unpack(_read_exactly(stream, _HEADER.size))
    header = json.loads(_read_exactly(stream, size))
    (size,) = _HEADER.unpack(_read_exactly(stream, _HEADER.size))
    return header, _read_exactly(stream, size)


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    parts, left = [], size
    while left:
        part = stream.read(left)
        if not part:
            raise EOFError("the other end closed the connection")
        parts.append(part)
        left -= len(part)
    return b"".join(parts)
