"""Security headers on every response: what a browser may do with what the service sends.

* `X-Content-Type-Options: nosniff` everywhere: a browser never runs a JSON answer or an uploaded-looking text
  as a script or page because it "looks like" one.
* `Referrer-Policy: no-referrer` everywhere: the workspace's URLs and the API paths a browser fetches name pages
  and spaces (`/api/spaces/2/pages/Redundancy support for ...`); leaving for another site must not tell it where
  from, not even the intranet host name (which `strict-origin-when-cross-origin` would still send). Nothing in the
  service uses Referer (authentication is a bearer token, so there is no CSRF check to feed).
* `Cache-Control: no-store` on answers to a request that carried credentials, on every error and on /health,
  unless the route chose its own caching (a `Cache-Control` or an `ETag`, as pages and the widget files do): a
  shared or disk cache must not keep someone's private pages, and a cached 503 must not outlive the outage.
* The demo workspace (`/`, `/widgets/`) gets a Content-Security-Policy that allows exactly what it uses (module
  scripts and fetches from this origin, the widgets' shadow-root `<style>`s, charts as `blob:` images, images in
  page text from https sites) and may not be framed (`frame-ancestors 'none'`, `X-Frame-Options: DENY`).
* JSON answers get `default-src 'none'; frame-ancestors 'none'` (nothing to load, not frameable).
* Everything else a browser could render as a document (the SVG charts, RDF/XML, Turtle, CSV, text) gets
  `default-src 'none'; style-src 'unsafe-inline'; sandbox`: opened directly, an SVG with a script in it (or any
  other active content) runs nothing and reaches nothing, while its own styles still draw it.
* /docs and /redoc (Swagger UI and ReDoc load their scripts from a CDN and run an inline bootstrap script) get no
  CSP, only the headers above and `X-Frame-Options: DENY`: they show the public OpenAPI document, and a token
  pasted into "Authorize" stays in that page.

Added outside every other layer (see `app.main.Service`), so even the 500 answer carries the headers.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WORKSPACE_PATHS = frozenset({"/", "/widgets/"})
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
WORKSPACE_CSP = "; ".join((
    "default-src 'none'",
    "script-src 'self'",  # the module scripts under /widgets/; no inline script, no eval
    "style-src 'self' 'unsafe-inline'",  # workspace.css, and each widget's <style> in its shadow root
    "img-src 'self' blob: https:",  # skills-gap charts drawn from blob: URLs; images in page text (https only)
    "connect-src 'self'",  # the widgets call this service's API
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
))
JSON_CSP = "default-src 'none'; frame-ancestors 'none'"
ACTIVE_CONTENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
ALWAYS = ((b"x-content-type-options", "nosniff"), (b"referrer-policy", "no-referrer"))
UNCACHED_PATHS = frozenset({"/health"})
PASSIVE_TYPES = ("text/javascript", "application/javascript", "text/css")  # a CSP on a script or stylesheet does nothing


class SecurityHeaders:
    """Pure ASGI middleware (like BodyLimit): adds headers to the response start, never touches the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        credentials = any(name in (b"authorization", b"cookie") for name, _ in scope.get("headers", ()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_security_headers(MutableHeaders(scope=message), path, message["status"], credentials)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_security_headers(headers: MutableHeaders, path: str, status: int, credentials: bool) -> None:
    """The headers for one response (a header the route set itself is kept)."""
    for name, value in ALWAYS:
        headers.setdefault(name.decode(), value)
    if _uncached(headers, path, status, credentials):
        headers["cache-control"] = "no-store"
    policy = content_security_policy(path, headers)
    if policy is not None:
        headers.setdefault("content-security-policy", policy)
    if path in WORKSPACE_PATHS or path in DOCS_PATHS:
        headers.setdefault("x-frame-options", "DENY")


def content_security_policy(path: str, headers: Headers) -> str | None:
    """The CSP for a response of this path and type; None for the API docs and for scripts and stylesheets."""
    if path in WORKSPACE_PATHS:
        return WORKSPACE_CSP
    if path in DOCS_PATHS:
        return None
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if not media_type or media_type in PASSIVE_TYPES:
        return None
    if media_type == "application/json" or media_type.endswith("+json"):
        return JSON_CSP
    return ACTIVE_CONTENT_CSP


def _uncached(headers: Headers, path: str, status: int, credentials: bool) -> bool:
    if "cache-control" in headers or "etag" in headers:
        return False  # the route chose (e.g. pages: private, no-cache + ETag; widget files: public, max-age)
    return credentials or status >= 400 or path in UNCACHED_PATHS
