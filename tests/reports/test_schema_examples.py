"""The reports schemas' OpenAPI examples validate against their own models (the checks of tests/test_openapi.py)."""

from __future__ import annotations

import pytest

from app.reports import schemas
from tests.test_openapi import check_example, schema_models

MODELS = schema_models(schemas)


def test_the_models_are_found():
    assert {"SkillsGapReport", "TopicGapRead", "ProfileRead", "ProfileWrite", "SkillsGapChanges", "DemandReport",
            "TeamRead"} <= {model.__name__ for model in MODELS}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_examples_validate_and_round_trip(model):
    examples = model.model_json_schema().get("examples")
    assert examples, f"{model.__name__} has no model-level example"
    for example in examples:
        check_example(model, example)
