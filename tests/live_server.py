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
    """Run each call on its own client and thread, released together by a barrier (a real race)."""
    barrier = threading.Barrier(len(calls))
    results: list[httpx.Response | None] = [None] * len(calls)

    def run(n: int) -> None:
        with httpx.Client(timeout=60) as client:
            barrier.wait()
            results[n] = calls[n](client)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [r for r in results if r is not None]


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
