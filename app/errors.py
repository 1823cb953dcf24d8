"""RFC 9457 problem details: one exception type and the handlers that render every error."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.schema import Schema
from app.write_queue import WriterBusy

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class Problem(Schema):
    """An RFC 9457 problem document.

    Some problems carry extension members: `errors` (422, one entry per invalid field), `page_id` (409 when a
    title is taken), and for a 409 edit conflict `base_revision`, `current_revision` (the page as now saved),
    `attempted_content` (your unsaved text) and `conflicts` (the overlapping lines: common ancestor, saved, yours).
    """

    # Page 9 of the examples in app/pages/schemas.py: Alice saved revision 14 while Ben edited revision 12.
    _saved = (
        "## Summary\n\nHealth and social care is the largest employing sector in the North East, with roughly one job "
        "in six in the region (ONS Business Register and Employment Survey, 2023).\n\n## Key facts\n\n"
        "- Adult social care: around 80,000 filled posts in the region (Skills for Care, 2024)\n"
        "- Care worker pay is close to the National Living Wage (£12.71 an hour from April 2026).\n\n"
        "## Routes in\n\n- Level 2 Healthcare support worker apprenticeship\n"
        "- Level 5 [[Nursing associate]] apprenticeship, usually for existing staff\n\n## Local tips\n\n"
        "- A driving licence is close to essential for home care in rural Northumberland.\n"
        "- Clients moving from retail bring useful customer skills: "
        "see [[Hospitality and tourism in the North East]].\n"
    )
    _yours = _saved.replace("- Care worker pay is close to the National Living Wage (£12.71 an hour from April 2026).",
                            "- Care worker pay: see [[Adult social care pay]] in the LMI space.")
    model_config = ConfigDict(json_schema_extra={"examples": [
        {
            "type": "about:blank", "title": "Page not found", "status": 404,
            "detail": "There is no page 42 that you can read.", "instance": "/api/pages/42",
        },
        {
            "type": "about:blank", "title": "Invalid token", "status": 401,
            "detail": "This token has expired. Sign in again or create a new token.", "instance": "/api/users/me",
        },
        {
            "type": "about:blank", "title": "Not allowed in this space", "status": 403,
            "detail": "You need edit rights in the space 'north-east' to do this; you have read.",
            "instance": "/api/pages/9",
        },
        {
            "type": "about:blank", "title": "Edit conflict", "status": 409,
            "detail": "Not saved: your changes overlap 1 change(s) saved since revision 12. Your text is in "
                      "attempted_content; compare it with current_revision, then save again with base_revision=14.",
            "instance": "/api/pages/9",
            "base_revision": 12,
            "current_revision": {
                "id": 14, "number": 4, "content": _saved,
                "categories": ["Sector profile", "Health and social care"], "author_id": 3,
                "created_at": "2026-11-09T11:42:00+00:00", "summary": "Added the April 2026 National Living Wage rate",
            },
            "attempted_content": _yours,
            "conflicts": [{
                "base_start": 8, "base": ["- Care worker pay is close to the National Living Wage."],
                "current_start": 8,
                "current": [
                    "- Care worker pay is close to the National Living Wage (£12.71 an hour from April 2026).",
                ],
                "yours_start": 8, "yours": ["- Care worker pay: see [[Adult social care pay]] in the LMI space."],
            }],
        },
        {
            "type": "about:blank", "title": "Title already in use", "status": 409,
            "detail": "The space 'north-east' already has a page titled 'Health and social care in the North East' "
                      "(page 9).",
            "instance": "/api/pages", "page_id": 9,
        },
        {
            "type": "about:blank", "title": "Page deleted", "status": 410,
            "detail": "The page 'Hospitality and tourism in the North East' was deleted. Its history is still at "
                      "/api/pages/11/revisions; an editor can bring it back with POST /api/pages/11/restore.",
            "instance": "/api/pages/11",
        },
        {
            "type": "about:blank", "title": "Precondition failed", "status": 412,
            "detail": "If-Match and base_revision name different revisions; send one of them.",
            "instance": "/api/pages/9",
        },
        {
            "type": "about:blank", "title": "Invalid request", "status": 422,
            "detail": "Please correct these fields: title: String should have at least 1 character",
            "instance": "/api/pages",
            "errors": [{"field": "title", "message": "String should have at least 1 character",
                        "type": "string_too_short"}],
        },
        {
            "type": "about:blank", "title": "Base revision required", "status": 428,
            "detail": "Say which revision your edit is based on (base_revision in the body, or If-Match with the "
                      "page's ETag), so that a colleague's save in the meantime is never overwritten.",
            "instance": "/api/pages/9",
        },
        {
            "type": "about:blank", "title": "Invalid cursor", "status": 400,
            "detail": "The cursor is not one this API gave out; start again without `cursor`.",
            "instance": "/api/recent-changes",
        },
        {
            "type": "about:blank", "title": "Service unavailable", "status": 503,
            "detail": "The database is busy or unreachable; nothing was changed. Please try again shortly.",
            "instance": "/health",
        },
    ]})
    del _saved, _yours  # only for the examples above; not fields or private attributes

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
    return problem_at(request.url.path, status, title, detail, headers, **extra)


def problem_at(
    path: str, status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """The one rendering of a problem document, also for answers made outside the routes (the body limit)."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": path}
    body.update({key: value for key, value in extra.items() if value is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


TOO_LARGE = "Content too large"  # the title of every 413, from the body limit or an upload's own limit


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry documenting problem+json answers in OpenAPI."""
    return {
        status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": HTTPStatus(status).phrase}
        for status in statuses
    }


# Plainer words for the refusals of app.schema (strict scalars, unknown fields) than pydantic's own.
_MESSAGES = {
    "int_type": "Give a whole number such as 4, not in quotes (true, false, \"4\" and 4.0 are not whole numbers)",
    "int_from_float": "Give a whole number such as 4 (4.5 is not one)",
    "bool_type": "Give true or false, not in quotes (1, 0, \"true\" and \"yes\" are not accepted)",
    "float_type": "Give a number such as 2.5, not in quotes (true and \"2.5\" are not numbers)",
    "extra_forbidden": "This request has no such field; check its spelling (see /docs for the fields it takes)",
}


def _message(error: Any) -> str:
    return _MESSAGES.get(error.get("type"), error.get("msg", "invalid"))


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    if len(location) == 2 and location[0] == "body" and isinstance(location[1], int):
        return "body"  # a JSON syntax error: FastAPI puts the character position where a field name would be
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
            {"field": _field_name(error.get("loc", ())), "message": _message(error), "type": error.get("type")}
            for error in exc.errors()
        ]
        summary = "; ".join(f"{error['field']}: {error['message']}" for error in errors[:5])
        detail = _unreadable_body(exc.errors(), request.headers.get("content-type"))
        return problem_response(
            request, 422, "Invalid request", detail or f"Please correct these fields: {summary}", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        phrase = HTTPStatus(exc.status_code).phrase
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else _default_detail(exc.status_code, request)
        return problem_response(request, exc.status_code, phrase, detail, dict(exc.headers or {}))

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: Exception) -> JSONResponse:
        # e.g. an id past 64 bits (SQLite's driver raises OverflowError, PostgreSQL a DataError): the caller's mistake,
        # logged all the same so a value our own code fills badly (a too-long column) does not pass unseen
        log.warning("refused an unstorable value on %s %s: %s", request.method, request.url.path,
                    str(getattr(exc, "orig", None) or exc).splitlines()[0][:300])
        return problem_response(
            request, 422, "Invalid request",
            "A value in the request cannot be stored or looked up: ids are whole numbers up to 9223372036854775807 "
            "and text cannot contain NUL characters. Nothing was changed.",
        )

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", exc.orig.__class__.__name__)
        return problem_response(
            request, 503, "Service unavailable",
            "The database is busy or unreachable; nothing was changed. Please try again shortly.",
            {"Retry-After": "5"},
        )

    @app.exception_handler(WriterBusy)
    async def _writers_queued(request: Request, exc: WriterBusy) -> JSONResponse:
        log.warning("write turn not granted: %s", exc)
        return problem_response(
            request, 503, "Service unavailable",
            "The database is busy with other changes; nothing was changed. Please try again shortly.",
            {"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)  # not in an except block
        return problem_response(
            request, 500, "Internal server error",
            "Something went wrong on our side and nothing was changed. The error has been logged.",
        )


BODY_ADVICE = "Send a JSON object with Content-Type: application/json (see /docs for its fields); nothing was changed."


def _unreadable_body(errors: Sequence[Any], content_type: str | None) -> str | None:
    """A detail for a body that is not JSON at all, or not a JSON object (instead of "body: Field required")."""
    for error in errors:
        location, kind = tuple(error.get("loc", ())), error.get("type")
        if kind == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "not JSON")
            return f"The request body is not valid JSON: {reason} (at character {location[-1]}). {BODY_ADVICE}"
        if location != ("body",):
            continue
        if kind == "missing":
            return f"The request has no body. {BODY_ADVICE}"
        if isinstance(error.get("input"), bytes):  # FastAPI parses JSON only when the Content-Type says JSON
            return f"The request body was sent as {content_type or 'no Content-Type'}, so it was not read as JSON. {BODY_ADVICE}"
        if kind in ("model_attributes_type", "dict_type", "model_type"):
            return f"The request body is JSON but not an object ({{...}}). {BODY_ADVICE}"
    return None


def _default_detail(status: int, request: Request) -> str:
    if status == 404:
        return f"There is nothing at {request.url.path}. See /docs for the API."
    if status == 405:
        return f"{request.method} is not allowed on {request.url.path}. See /docs for the methods it accepts."
    return HTTPStatus(status).description


def document_problems(app: FastAPI) -> None:
    """Make OpenAPI show problem+json (with the Problem schema) wherever the API answers an error.

    FastAPI puts a `responses=` model under application/json and documents its own 422 as
    HTTPValidationError; neither is what the API sends.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        problem = {"$ref": "#/components/schemas/Problem"}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                _document_body_problems(operation)
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if status.startswith(("4", "5")) and (PROBLEM_JSON in content or status == "422"):
                        content.pop("application/json", None)
                        content[PROBLEM_JSON] = {"schema": problem}
                        response["content"] = content
        components = schema.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        _restore_example_nulls(components)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


BODY_PROBLEMS = {
    "413": "Content Too Large: the body is over the limit (MATURE_MAX_BODY_BYTES; the imports have their own) "
           "and was not read.",
    "422": "Unprocessable Content: the body is not JSON, was not sent as application/json, is not a JSON object, "
           "or a field is invalid (`errors` lists them).",
}


def _document_body_problems(operation: dict[str, Any]) -> None:
    """What any operation taking a body may answer, whatever its route declares: 413 from the body limit
    (app.security.body_limit) and, for a JSON body, 422 when it cannot be read as the expected JSON object."""
    body = operation.get("requestBody")
    if not body:
        return
    responses = operation.setdefault("responses", {})
    wanted = ["413", "422"] if "application/json" in body.get("content", {}) else ["413"]
    for status in wanted:
        response = responses.setdefault(status, {"content": {PROBLEM_JSON: {}}})
        response["description"] = BODY_PROBLEMS[status]
        response.setdefault("content", {}).setdefault(PROBLEM_JSON, {})


def _restore_example_nulls(components: dict[str, Any]) -> None:
    """FastAPI drops None from examples (fastapi#5559); put the models' own examples back."""
    models = {_component_name(model): model for model in _all_models(BaseModel)}
    for name, component in components.items():
        model = models.get(name)
        if model is not None and "examples" in component:
            examples = model.model_json_schema().get("examples")
            if examples:
                component["examples"] = examples


def _component_name(model: type[BaseModel]) -> str:
    return model.__name__.replace("[", "_").replace("]", "_").replace(", ", "__")


def _all_models(root: type[BaseModel]) -> list[type[BaseModel]]:
    found, todo = [], list(root.__subclasses__())
    while todo:
        model = todo.pop()
        found.append(model)
        todo.extend(model.__subclasses__())
    return found
