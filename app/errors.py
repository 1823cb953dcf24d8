"""RFC 9457 problem details: one exception type and the handlers that render every error."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field("about:blank", examples=["about:blank"])
    title: str = Field(examples=["Page not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["No page 42 that you can read."])
    instance: str | None = Field(None, examples=["/api/pages/42"])
    errors: list[dict[str, Any]] | None = Field(
        None, description="For validation errors: one entry per invalid field."
    )


class ProblemError(Exception):
    """An expected failure that becomes a problem+json response with the given status."""

    status: int = 400
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        self.headers = headers or {}
        self.extra = extra


class NotFound(ProblemError):
    status = 404
    title = "Not found"


class Forbidden(ProblemError):
    status = 403
    title = "Forbidden"


class Conflict(ProblemError):
    status = 409
    title = "Conflict"


class Unauthorized(ProblemError):
    status = 401
    title = "Authentication required"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="mature"'}, **extra)


def problem_response(
    request: Request, status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": request.url.path}
    body.update({key: value for key, value in extra.items() if value is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry documenting problem+json answers in OpenAPI."""
    return {
        status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": HTTPStatus(status).phrase}
        for status in statuses
    }


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] or parts
    return ".".join(parts)


def install_problem_handlers(app: FastAPI) -> None:
    """Every error the API can give, rendered as problem+json."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(request, exc.status, exc.title, exc.detail, exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(error.get("loc", ())), "message": error.get("msg", "invalid"), "type": error.get("type")}
            for error in exc.errors()
        ]
        summary = "; ".join(f"{error['field']}: {error['message']}" for error in errors[:5])
        return problem_response(
            request, 422, "Invalid request", f"Please correct these fields: {summary}", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        phrase = HTTPStatus(exc.status_code).phrase
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else _default_detail(exc.status_code, request)
        return problem_response(request, exc.status_code, phrase, detail, dict(exc.headers or {}))

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", exc.orig.__class__.__name__)
        return problem_response(
            request, 503, "Service unavailable",
            "The database is busy or unreachable; nothing was changed. Please try again shortly.",
            {"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            request, 500, "Internal server error",
            "Something went wrong on our side and nothing was changed. The error has been logged.",
        )


def _default_detail(status: int, request: Request) -> str:
    if status == 404:
        return f"There is nothing at {request.url.path}. See /docs for the API."
    if status == 405:
        return f"{request.method} is not allowed on {request.url.path}. See /docs for the methods it accepts."
    return HTTPStatus(status).description
