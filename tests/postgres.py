"""A throwaway PostgreSQL server for the test run, started from the machine's binaries.

On a machine without PostgreSQL the PostgreSQL tests skip with a reason; when CI=true (or
MATURE_TEST_REQUIRE_POSTGRES=1) a missing server is an error instead, so CI never skips them.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def postgres_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("MATURE_TEST_REQUIRE_POSTGRES") == "1"


def find_bindir() -> Path | None:
    """The directory with initdb and pg_ctl: PATH first, then Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


PORT_BLOCK = 2000  # ports per test process, below Linux's ephemeral range (32768 and up)


def _port_block() -> range:
    """This test process's own ports: one block per pytest-xdist worker, so two workers never hand out the same
    port between checking that it is free and the server binding it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ... under pytest-xdist; "" without it
    n = int(worker[2:]) + 1 if worker.startswith("gw") else 0
    start = 12000 + PORT_BLOCK * (n % 10)
    return range(start, start + PORT_BLOCK)


def _next_ports() -> Iterator[int]:
    """The block's ports in turn from a point of this process's own (another run on the machine starts elsewhere)."""
    block = _port_block()
    first = os.getpid() % len(block)
    while True:
        yield from (block[(first + n) % len(block)] for n in range(len(block)))


_ports = _next_ports()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now and that this process has not handed out lately."""
    for _ in range(PORT_BLOCK):
        port = next(_ports)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {_port_block()}")


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int
    run_as: list[str]

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://mature@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.run_as, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "mature", "-A", "trust",
                  "-E", "UTF8", "--no-locale")
        self.resume()

    def resume(self) -> None:
        """Start the server on its existing data (also after `halt`)."""
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
                  "-o", options, "-w", "-t", "60", "start")

    def halt(self) -> None:
        """Stop at once, like a crash or a network cut: no goodbye to clients; the data stays."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def stop(self) -> None:
        subprocess.run([*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


def start_or_skip() -> PostgresServer:
    """A new throwaway server; without PostgreSQL the test skips, or fails under CI=true."""
    import pytest

    try:
        return start_server()
    except (FileNotFoundError, RuntimeError) as exc:
        if postgres_required():
            pytest.fail(f"PostgreSQL is required here (CI) but could not start: {exc}")
        pytest.skip(f"PostgreSQL tests skipped: {exc}")


def start_server() -> PostgresServer:
    """initdb + pg_ctl start in a temporary directory; as root, run as the `postgres` user."""
    bindir = find_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL's initdb/pg_ctl are not installed (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="mature-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    server = PostgresServer(bindir, root, free_port(), run_as)
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')}\n{log}") from exc
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return server
