"""Start the real service (uvicorn, several workers) on 127.0.0.1 and a free port, and stop it by PID."""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.postgres import free_port


class LiveServer:
    def __init__(self, database_url: str, data_dir: Path, secret_key: str, workers: int = 2) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "MATURE_DATABASE_URL": database_url, "MATURE_DATA_DIR": str(data_dir),
               "MATURE_SECRET_KEY": secret_key, "MATURE_ENV": "test", "MATURE_LOG_LEVEL": "WARNING"}
        self.log = open(data_dir / "server.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.asgi:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers), "--log-level", "warning"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        # One client for every poll: a new one builds a TLS context each time (~30 ms of CPU), which on two
        # cores slows the very start-up being waited for.
        with httpx.Client(timeout=1, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited: {Path(self.log.name).read_text()}")
                try:
                    if client.get(f"{self.url}/health").status_code == 200:
                        return
                except httpx.TransportError:
                    time.sleep(0.1)
        raise TimeoutError(f"server did not answer /health within {timeout:g} s: {Path(self.log.name).read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def all_at_once(calls: list[Callable[[httpx.Client], httpx.Response]]) -> list[httpx.Response]:
    """Run each call on its own client and thread, released together by a barrier (a real race).

    Every call's answer in order; if any call raised (a dropped connection, a timeout, a failed check inside the
    call), an exception group of all of them, so no thread's failure is lost to a shorter list of answers.
    """
    barrier = threading.Barrier(len(calls))
    results: list[httpx.Response | None] = [None] * len(calls)
    errors: list[BaseException | None] = [None] * len(calls)

    def run(n: int) -> None:
        released = False
        try:
            with httpx.Client(timeout=60) as client:
                barrier.wait(timeout=60)
                released = True
                results[n] = calls[n](client)
        except BaseException as exc:  # noqa: BLE001 - reported to the caller below, with the others
            errors[n] = exc
            if not released:
                barrier.abort()  # the others stop waiting for a thread that will never arrive

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [(n, exc) for n, exc in enumerate(errors) if exc is not None and not _aborted_by_another(exc, errors)]
    if failed:
        raise BaseExceptionGroup(f"{len(failed)} of {len(calls)} concurrent calls raised (calls {[n for n, _ in failed]})",
                                 [exc for _, exc in failed])
    return [r for r in results if r is not None]


def _aborted_by_another(exc: BaseException, errors: list[BaseException | None]) -> bool:
    """A BrokenBarrierError only because another thread failed first (that one is reported)."""
    return isinstance(exc, threading.BrokenBarrierError) and any(
        e is not None and not isinstance(e, threading.BrokenBarrierError) for e in errors)


@contextmanager
def recording_server(status: int = 200, body: bytes = b"", content_type: str = "text/plain"
                     ) -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server on 127.0.0.1 that records the path of every GET or POST it gets and answers each with
    `status` and `body`: (its base URL, the recorded paths). For proving that nothing reaches a server."""
    seen: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
