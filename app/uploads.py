"""Uploaded files (a MediaWiki dump, a SKOS scheme) taken in before any database work.

An import route spools the request body first, so that a slow upload never holds a transaction or the
write lock, and a file over its limit is refused (413) as soon as it passes it, before the rest arrives.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Request

from app.errors import TOO_LARGE, ProblemError


class UploadTooLarge(ProblemError):
    status = 413
    title = TOO_LARGE


@asynccontextmanager
async def spooled(request: Request, limit: int, what: str, advice: str) -> AsyncIterator[Path]:
    """The request body in a temporary file, deleted on leaving; over `limit` bytes it is UploadTooLarge, whose
    detail names `what` was too large and the `advice`."""
    with tempfile.TemporaryDirectory(prefix="mature-upload-") as directory:
        path, size = Path(directory) / "upload", 0
        with path.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise UploadTooLarge(f"The {what} is over {limit:,} bytes; {advice}")
                out.write(chunk)
        yield path
