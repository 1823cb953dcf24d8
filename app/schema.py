"""The one base of every API schema (`Schema`), and of every JSON request body (`RequestSchema`, derived from it).

`Schema` reads ORM objects (`from_attributes`), so a service may return rows or schemas alike. `RequestSchema`
adds the same refusals on every endpoint, decided here and not per field:

- Unknown fields are refused (a misspelt `base_revison` must not be dropped silently).
- Whole numbers, numbers and booleans are strict: `true` is not 1 and `"3"` is not 3 (pydantic's lax mode, the
  default, would store both), while a whole number is still a valid number (`3` for a float).
- Text never contains NUL (U+0000): PostgreSQL cannot store it, and no person means it.

Response schemas are plain `Schema`s: they are built by the service, never from a caller's JSON.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, ValidationInfo, field_validator
from pydantic_core import CoreSchema, PydanticCustomError

# pydantic-core schema types validated strictly in a request body (python-mode validation, as FastAPI runs it).
STRICT_TYPES = frozenset({"int", "bool", "float"})


def _make_strict(schema: Any) -> None:
    """Mark every int/bool/float schema inside a model's core schema (fields, lists, dicts, unions) strict."""
    if isinstance(schema, dict):
        if schema.get("type") in STRICT_TYPES:
            schema["strict"] = True
        for part in schema.values():
            _make_strict(part)
    elif isinstance(schema, list):
        for part in schema:
            _make_strict(part)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(item) for item in value)
    return False


class Schema(BaseModel):
    """Base of every schema of the API: responses, request bodies, and the models inside them."""

    model_config = ConfigDict(from_attributes=True)


def with_examples(*values: dict[str, Any]) -> ConfigDict:
    """A schema's config with model-level OpenAPI examples (shown in /docs).

    Every example must validate against its own model (tests/test_openapi.py checks).
    """
    return ConfigDict(json_schema_extra={"examples": copy.deepcopy(list(values))})


class RequestSchema(Schema):
    """Base of request bodies: unknown fields refused, strict whole numbers and booleans, no NUL in text."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def __get_pydantic_core_schema__(cls, source: type[BaseModel], handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = handler(source)
        _make_strict(schema)
        return schema

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        if _has_nul(value):
            raise PydanticCustomError(
                "nul_character",
                "Text cannot contain the NUL character (U+0000); remove it (it often comes with text pasted or "
                "read from a binary file) and send again.",
            )
        return value
