"""Every pynamodb model has its table, declared from the model itself."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.storage.models import ALL_MODELS, ttl_attribute_name

from .conftest import api_function, properties, resources


def _tables_by_setting(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """settings field -> table resource, through the API function's environment."""
    variables = api_function(template)["Environment"]["Variables"]
    tables = resources(template, "AWS::DynamoDB::Table")
    found = {}
    for model in ALL_MODELS:
        field = model.Meta.settings_field
        reference = variables[f"ARHIVAR_{field.upper()}"]
        found[field] = tables[reference["Ref"]]
    return found


def _keys(key_schema: list[dict[str, str]]) -> dict[str, str]:
    return {element["KeyType"]: element["AttributeName"] for element in key_schema}


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_every_model_has_its_table_with_keys_and_indexes(template: dict, model: type) -> None:
    table = _tables_by_setting(template)[model.Meta.settings_field]
    props = properties(table)
    schema = model._get_schema()
    assert _keys(props["KeySchema"]) == _keys(schema["key_schema"])
    declared = {d["AttributeName"]: d["AttributeType"] for d in props["AttributeDefinitions"]}
    for definition in schema["attribute_definitions"]:
        assert declared[definition["AttributeName"]] == definition["AttributeType"]
    expected_indexes = {i["index_name"]: i for i in schema.get("global_secondary_indexes", [])}
    deployed_indexes = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes", [])}
    assert set(deployed_indexes) == set(expected_indexes)
    for name, index in expected_indexes.items():
        deployed = deployed_indexes[name]
        assert _keys(deployed["KeySchema"]) == _keys(index["key_schema"]), name
        assert deployed["Projection"]["ProjectionType"] == index["projection"]["ProjectionType"], name
        assert sorted(deployed["Projection"].get("NonKeyAttributes", [])) == sorted(
            index["projection"].get("NonKeyAttributes", [])), name


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_ttl_where_the_model_has_a_ttl_attribute(template: dict, model: type) -> None:
    props = properties(_tables_by_setting(template)[model.Meta.settings_field])
    ttl = ttl_attribute_name(model)
    if ttl is None:
        assert "TimeToLiveSpecification" not in props
    else:
        assert props["TimeToLiveSpecification"] == {"AttributeName": ttl, "Enabled": True}


def test_every_table_is_on_demand_recoverable_and_protected(template: dict) -> None:
    tables = resources(template, "AWS::DynamoDB::Table")
    assert len(tables) == len(ALL_MODELS)
    for logical_id, table in tables.items():
        props = properties(table)
        assert props["BillingMode"] == "PAY_PER_REQUEST", logical_id
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, logical_id
        assert props["DeletionProtectionEnabled"] is True, logical_id
        assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain", logical_id
