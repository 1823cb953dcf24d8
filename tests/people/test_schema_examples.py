"""The people and topic schemas' OpenAPI examples validate against their own models (the checks of
tests/test_openapi.py, applied to app/people/schemas.py and app/topics/schemas.py)."""

from __future__ import annotations

import pytest

from app.people import schemas
from app.topics import schemas as topic_schemas
from tests.test_openapi import check_example, schema_models

MODELS = schema_models(schemas) + schema_models(topic_schemas)


def test_the_models_are_found():
    assert {"PersonRead", "TagRead", "PersonProfile", "ExpertResults", "TopicRead", "ImportResult"} <= {
        model.__name__ for model in MODELS}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_examples_validate_and_round_trip(model):
    examples = model.model_json_schema().get("examples")
    assert examples, f"{model.__name__} has no model-level example"
    for example in examples:
        check_example(model, example)
