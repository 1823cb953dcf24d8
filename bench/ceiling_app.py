"""The ceiling of this stack on this machine: a bare FastAPI app with nothing behind it.

bench/mixed_load.py serves it exactly as `mature serve` serves the service (uvicorn[standard],
same worker count, same log level) and loads it with the same client in the same run, so
"service requests/s / ceiling requests/s" says how much of the stack's capacity the service's
own work leaves over. Its route is a plain `def`, like the service's routes, so it pays the
same thread-pool hop.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI(title="ceiling", openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/health")
def health() -> dict[str, str]:
    """What the benchmark waits for before it starts."""
    return {"status": "ok"}


@app.get("/ping")
def ping() -> dict[str, object]:
    """A small JSON document from a dict: no database, no authentication."""
    return {"status": "ok", "service": "ceiling", "items": [1, 2, 3]}
