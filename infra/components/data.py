"""DynamoDB: one table per pynamodb model, read from the model classes themselves."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct
from pynamodb.models import Model

from chalicelib.storage.models import ALL_MODELS, ttl_attribute_name

_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER,
          "B": dynamodb.AttributeType.BINARY}
_PROJECTIONS = {"ALL": dynamodb.ProjectionType.ALL, "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
                "INCLUDE": dynamodb.ProjectionType.INCLUDE}


def _key(schema: dict, key_type: str) -> dynamodb.Attribute | None:
    types = {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}
    for element in schema["key_schema"]:
        if element["KeyType"] == key_type:
            name = element["AttributeName"]
            return dynamodb.Attribute(name=name, type=_TYPES[types[name]])
    return None


class Tables(Construct):
    """Every table of ALL_MODELS: on demand, point-in-time recovery, deletion protection,
    retained on stack deletion, TTL and global secondary indexes as the model declares."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        # settings field (e.g. "documents_table") -> table
        self.by_setting: dict[str, dynamodb.Table] = {}
        for model in ALL_MODELS:
            self.by_setting[model.Meta.settings_field] = self._table(model)

    def _table(self, model: type[Model]) -> dynamodb.Table:
        schema = model._get_schema()
        table = dynamodb.Table(
            self, model.__name__.removesuffix("Model"),
            partition_key=_key(schema, "HASH"),
            sort_key=_key(schema, "RANGE"),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            time_to_live_attribute=ttl_attribute_name(model),
        )
        for index in schema.get("global_secondary_indexes", []):
            projection = index["projection"]
            table.add_global_secondary_index(
                index_name=index["index_name"],
                partition_key=_key(index, "HASH"),
                sort_key=_key(index, "RANGE"),
                projection_type=_PROJECTIONS[projection["ProjectionType"]],
                non_key_attributes=projection.get("NonKeyAttributes"),
            )
        if schema.get("local_secondary_indexes"):
            raise NotImplementedError(f"{model.__name__}: local secondary indexes are not deployed")
        return table
