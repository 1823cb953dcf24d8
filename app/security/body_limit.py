"""Refuse request bodies over a size limit with 413 problem+json, before the application reads them whole.

A declared Content-Length over the limit is refused at once; a body without one (chunked) is counted
as it arrives and refused as soon as it passes the limit, whatever the endpoint was doing with it.
Paths that stream large uploads themselves (the SKOS import) get their own, larger limit.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import TOO_LARGE, problem_at


class _Exceeded(Exception):
    """Raised inside `receive` when the body passes the limit; never leaves the middleware."""


class BodyLimit:
    """Pure ASGI middleware (no BaseHTTPMiddleware: it would buffer the body and break streaming)."""

    def __init__(self, app: ASGIApp, max_bytes: int, per_path: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = dict(per_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope["path"], self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, limit)
            return
        received = 0
        exceeded = started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _Exceeded
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:  # whatever the app made of the broken body, the answer is 413
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _Exceeded:
            pass
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await _refuse(scope, send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    answer = problem_at(
        scope["path"], 413, TOO_LARGE,
        f"The request body is over the limit of {limit:,} bytes and was not read. Send less at a time (split the "
        "page or the file), or ask the operator to raise MATURE_MAX_BODY_BYTES.",
        {"Connection": "close"},
    )
    await answer(scope, _nothing_more, send)


async def _nothing_more() -> Message:
    """The body is not read any further: whoever asks is told the client went away."""
    return {"type": "http.disconnect"}
