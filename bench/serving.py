"""What every benchmark here needs: the `mature` command, a server on 127.0.0.1, percentiles.

The scripts run as `python bench/<name>.py`, so this module is importable as `serving`.
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

HOST = "127.0.0.1"  # the benchmarks only ever talk to a server they started themselves, here


def mature_command() -> list[str]:
    """The `mature` console script next to this interpreter (the project's virtualenv), else on PATH."""
    sibling = Path(sys.executable).parent / "mature"
    if sibling.exists():
        return [str(sibling)]
    found = shutil.which("mature")
    if found is None:
        sys.exit("cannot find the `mature` command; run this with the project's .venv/bin/python")
    return [found]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(env: dict[str, str], workers: int, log_path: Path) -> Iterator[str]:
    """Start `mature serve` on a free port, yield its base URL once healthy, always stop it."""
    port = free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*mature_command(), "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    base_url = f"http://{HOST}:{port}"
    try:
        wait_until_healthy(process, base_url, log_path)
        yield base_url
    finally:
        stop_server(process)


def wait_until_healthy(process: subprocess.Popen[bytes], base_url: str, log_path: Path,
                       timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base_url, timeout=2.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}:\n{tail(log_path)}")
            try:
                if client.get("/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /health within {timeout:.0f} s:\n{tail(log_path)}")


def stop_server(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """SIGTERM the server; SIGKILL its process group (our session: it and its workers) if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the group we created with start_new_session; stray workers too
    except ProcessLookupError:
        pass
    process.wait()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def percentile_ms(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile in milliseconds (0 for no samples)."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered))))
    return round(ordered[rank - 1] * 1000, 1)
