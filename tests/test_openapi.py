"""The OpenAPI document: examples on every request and response schema, examples that validate against their
own models, and problem+json error responses on every operation. No database needed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from app.auth import schemas as auth_schemas
from app.config import Settings
from app.following import schemas as following_schemas
from app.errors import PROBLEM_JSON, Problem
from app.main import create_app
from app.pages import schemas as page_schemas
from app.quality import overview as quality_overview
from app.quality import reviews as quality_reviews
from app.quality import schemas as quality_schemas
from app.reports import schemas as reports_schemas
from app.search import schemas as search_schemas
from app.tagging import schemas as tagging_schemas
from app.pagination import Page, decode_cursor
from app.wikiimport import schemas as wikiimport_schemas

SCHEMA_MODULES: tuple[ModuleType, ...] = (auth_schemas, page_schemas, wikiimport_schemas)
# Modules whose models appear as `Page[Item]` lists (besides SCHEMA_MODULES).
PAGE_ITEM_MODULES: tuple[ModuleType, ...] = (*SCHEMA_MODULES, search_schemas, tagging_schemas, quality_schemas,
                                             quality_overview, quality_reviews, reports_schemas, following_schemas)

# Schemas that need no model-level example, and why.
EXAMPLE_FREE = {
    # FastAPI's own validation-error schemas: only ever documented under 422, and our 422s are problem+json
    # (the `Problem` schema carries their example).
    "HTTPValidationError",
    "ValidationError",
}


@pytest.fixture(scope="module")
def openapi_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    data_dir: Path = tmp_path_factory.mktemp("openapi")
    return create_app(Settings(env="test", data_dir=data_dir, secret_key="x" * 40, database_url="sqlite://"))


@pytest.fixture(scope="module")
def openapi(openapi_app: FastAPI) -> dict[str, Any]:
    return openapi_app.openapi()


def operations(openapi: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def refs_in(node: Any) -> Iterator[str]:
    """Names of the component schemas a schema fragment refers to, at any depth (list items, anyOf, ...)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            yield ref.rsplit("/", 1)[1]
        for key, value in node.items():
            if key not in ("examples", "example", "default"):  # data, not schema
                yield from refs_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs_in(value)


def documented_schemas(openapi: dict[str, Any]) -> set[str]:
    """Every component schema reachable from a request body or a 2xx response, following $ref."""
    roots: list[str] = []
    for _path, _method, operation in operations(openapi):
        bodies = [operation.get("requestBody", {})]
        bodies += [response for status, response in operation["responses"].items() if status.startswith("2")]
        for body in bodies:
            for media in body.get("content", {}).values():
                roots += refs_in(media.get("schema", {}))
    components = openapi["components"]["schemas"]
    seen: set[str] = set()
    while roots:
        name = roots.pop()
        if name not in seen:
            seen.add(name)
            roots += refs_in(components[name])
    return seen


def is_plain_enum(schema: dict[str, Any]) -> bool:
    # Enums (Role, Visibility, ...) list their values: those are the examples.
    return "enum" in schema and "properties" not in schema


def test_every_request_and_2xx_response_schema_has_examples(openapi: dict[str, Any]) -> None:
    components = openapi["components"]["schemas"]
    documented = documented_schemas(openapi)
    # The walk really reaches list wrappers, list[...] items, nested models and request bodies.
    assert {"Page_UserRead_", "Page_PageListItem_", "Page_RevisionSummary_", "Page_ChangeRead_", "TokenRead",
            "SpaceRead", "AuthorRead", "HunkRead", "DiffLineRead", "PageEdit", "LoginRequest"} <= documented
    missing = sorted(
        name for name in documented - EXAMPLE_FREE
        if not is_plain_enum(components[name]) and not components[name].get("examples")
    )
    assert missing == [], f"schemas without a model-level example: {missing}"


def schema_models(module: ModuleType) -> list[type[BaseModel]]:
    """The pydantic models a schemas module defines (not the fieldless `Schema` base)."""
    return [
        value for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module.__name__
        and value.model_fields
    ]


def page_models(openapi: dict[str, Any]) -> list[type[BaseModel]]:
    """Every `Page[Item]` the document has a schema for (`Page_Item_`)."""
    items = {model.__name__: model for module in PAGE_ITEM_MODULES for model in schema_models(module)}
    names = [match[1] for name in openapi["components"]["schemas"] if (match := re.fullmatch(r"Page_(\w+)_", name))]
    return [Page[items[name]] for name in sorted(names)]  # type: ignore[index]


def documented_models(openapi: dict[str, Any]) -> list[type[BaseModel]]:
    models = [model for module in SCHEMA_MODULES for model in schema_models(module)]
    return [*models, Problem, *page_models(openapi)]


def component_name(model: type[BaseModel]) -> str:
    return re.sub(r"\W", "_", model.__name__)  # Page[UserRead] -> Page_UserRead_


def test_the_models_under_test_are_found(openapi: dict[str, Any]) -> None:
    names = {model.__name__ for model in documented_models(openapi)}
    assert {"UserRead", "SpaceCreate", "PageRead", "EditResult", "DiffRead", "Problem", "Page[UserRead]",
            "Page[ChangeRead]"} <= names
    assert "Schema" not in names


def test_every_schema_model_keeps_from_attributes() -> None:
    """Adding `model_config` for examples must not lose the base `Schema`'s `from_attributes`."""
    for module in SCHEMA_MODULES:
        for model in schema_models(module):
            assert model.model_config.get("from_attributes") is True, model.__name__


def check_example(model: type[BaseModel], example: Any) -> None:
    """The example validates as JSON against its model, and says nothing the model would silently drop."""
    assert isinstance(example, dict), f"{model.__name__}: an example must be a JSON object"
    instance = model.model_validate_json(json.dumps(example))
    fields = set(model.model_fields)
    if model is Problem:
        # RFC 9457 extension members (page_id, current_revision, conflicts, ...) are allowed beyond the fields.
        example = {key: value for key, value in example.items() if key in fields}
    else:
        assert set(example) <= fields, f"{model.__name__}: unknown keys {sorted(set(example) - fields)}"
    assert instance.model_dump(mode="json", exclude_unset=True) == example, f"{model.__name__}: not a round trip"


def test_every_model_example_validates_against_its_model(openapi: dict[str, Any]) -> None:
    for model in documented_models(openapi):
        examples = model.model_json_schema().get("examples")
        assert examples, f"{model.__name__} has no model-level example"
        for example in examples:
            check_example(model, example)


def test_examples_in_the_document_are_the_models_examples(openapi: dict[str, Any]) -> None:
    """/docs shows exactly the examples the models define, nulls included (FastAPI drops them;
    app.errors.document_problems puts them back, see fastapi/fastapi#5559)."""
    components = openapi["components"]["schemas"]
    for model in documented_models(openapi):
        name = component_name(model)
        assert components[name]["examples"] == model.model_json_schema()["examples"], name


def test_examples_as_published_validate(openapi: dict[str, Any]) -> None:
    components = openapi["components"]["schemas"]
    for model in documented_models(openapi):
        for example in components[component_name(model)]["examples"]:
            model.model_validate_json(json.dumps(example))


def test_page_examples_link_to_the_next_page(openapi: dict[str, Any]) -> None:
    for model in page_models(openapi):
        (example,) = model.model_json_schema()["examples"]
        assert example["items"], model.__name__
        assert example["next"].endswith(f"?limit={len(example['items'])}&cursor={example['next_cursor']}")
        assert decode_cursor(example["next_cursor"]), model.__name__


def problem_statuses(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    """The error statuses an operation documents as problem+json: 4xx, or 503 for GET /health."""
    responses = operation["responses"]
    wanted = ["503"] if (method, path) == ("get", "/health") else [s for s in responses if s.startswith("4")]
    return [status for status in wanted if PROBLEM_JSON in responses.get(status, {}).get("content", {})]


def test_every_operation_documents_problem_responses(openapi: dict[str, Any]) -> None:
    for path, method, operation in operations(openapi):
        assert problem_statuses(path, method, operation), f"{method.upper()} {path}: no problem+json error response"


def test_problem_responses_carry_the_problem_schema(openapi: dict[str, Any]) -> None:
    problem = {"$ref": "#/components/schemas/Problem"}
    for path, method, operation in operations(openapi):
        for status in problem_statuses(path, method, operation):
            content = operation["responses"][status]["content"]
            assert content[PROBLEM_JSON].get("schema") == problem, f"{method.upper()} {path} {status}"
            assert "application/json" not in content, f"{method.upper()} {path} {status}: errors are never JSON"


@pytest.mark.parametrize("module", [search_schemas, tagging_schemas], ids=lambda module: module.__name__)
def test_search_and_tagging_examples_validate(module: ModuleType) -> None:
    for model in schema_models(module):
        examples = model.model_json_schema().get("examples")
        assert examples, f"{model.__name__} has no model-level example"
        for example in examples:
            check_example(model, example)
