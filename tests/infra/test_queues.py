"""Queues, dead-letter queues, event source mappings and schedules, against the topology."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from chalicelib.topology import MAIL_FEEDBACK_HANDLER, QUEUES, SCHEDULES
from infra.components.queues import queue_names
from infra.functions import function_name, function_specs, lambda_handler

from .conftest import properties, resources, worker_functions


def _queues_by_name(template: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {properties(r)["QueueName"]: (logical_id, properties(r))
            for logical_id, r in resources(template, "AWS::SQS::Queue").items()}


def _logical_id_of(ref: Any) -> str:
    # {"Fn::GetAtt": ["Id", "Arn"]} or {"Ref": "Id"}
    return ref["Fn::GetAtt"][0] if "Fn::GetAtt" in ref else ref["Ref"]


def test_every_queue_has_its_dead_letter_queue(template: dict, stage: str) -> None:
    queues = _queues_by_name(template)
    names = queue_names(stage)
    for spec in QUEUES:
        name = names[spec.settings_field]
        _, queue = queues[name]
        dlq_id, _ = queues[f"{name}-dlq"]
        policy = queue["RedrivePolicy"]
        assert _logical_id_of(policy["deadLetterTargetArn"]) == dlq_id, name
        assert policy["maxReceiveCount"] == spec.max_receive_count, name
    # and every queue that is not a dead-letter queue (or the async failures queue) has one
    for name, (_, queue) in queues.items():
        assert name.endswith(("-dlq", "-async-failures")) or "RedrivePolicy" in queue, name


def test_visibility_timeout_exceeds_the_consumers_timeout(template: dict, stage: str) -> None:
    queues = _queues_by_name(template)
    functions = {props["Handler"] if "Handler" in props else props["ImageConfig"]["Command"][0]: props
                 for props in worker_functions(template).values()}
    for spec in QUEUES:
        visibility = queues[queue_names(stage)[spec.settings_field]][1]["VisibilityTimeout"]
        assert visibility > spec.function_timeout_s
        if spec.consumer:
            assert visibility > functions[lambda_handler(spec.consumer)]["Timeout"]


def test_every_event_source_mapping_reports_partial_batch_failures(template: dict) -> None:
    mappings = resources(template, "AWS::Lambda::EventSourceMapping")
    assert mappings
    Template.from_json(template).all_resources_properties(
        "AWS::Lambda::EventSourceMapping", {"FunctionResponseTypes": ["ReportBatchItemFailures"]})
    for mapping in mappings.values():
        assert properties(mapping)["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_a_queue_has_a_consumer_mapping_iff_its_spec_names_a_consumer(template: dict, stage: str) -> None:
    queues = _queues_by_name(template)
    functions = worker_functions(template)
    mapped: dict[str, list[tuple[str, int]]] = {}
    for mapping in resources(template, "AWS::Lambda::EventSourceMapping").values():
        props = properties(mapping)
        queue_id = _logical_id_of(props["EventSourceArn"])
        function_id = props["FunctionName"]["Ref"]
        mapped.setdefault(queue_id, []).append((function_id, props["BatchSize"]))
    for spec in QUEUES:
        queue_id = queues[queue_names(stage)[spec.settings_field]][0]
        if spec.consumer is None:
            assert queue_id not in mapped, spec.key
            continue
        [(function_id, batch_size)] = mapped[queue_id]
        assert batch_size == spec.batch_size
        function = functions[function_id]
        handler = function.get("Handler") or function["ImageConfig"]["Command"][0]
        assert handler == lambda_handler(spec.consumer)


def test_schedules_invoke_their_targets_at_the_topologys_rate(template: dict, stage: str) -> None:
    rules = {properties(r)["Name"]: properties(r) for r in resources(template, "AWS::Events::Rule").values()}
    functions = worker_functions(template)
    for schedule in SCHEDULES:
        rule = rules[f"arhivar-{stage}-{schedule.key}"]
        assert rule["ScheduleExpression"] == schedule.expression
        assert rule["State"] == "ENABLED"
        [target] = rule["Targets"]
        function = functions[_logical_id_of(target["Arn"])]
        assert function["Handler"] == lambda_handler(schedule.target)


def test_every_topology_function_is_deployed(template: dict) -> None:
    deployed = {props.get("Handler") or props["ImageConfig"]["Command"][0]
                for props in worker_functions(template).values()}
    assert deployed == {spec.handler for spec in function_specs()}
    targets = ({s.consumer for s in QUEUES if s.consumer} | {s.target for s in SCHEDULES}
               | {MAIL_FEEDBACK_HANDLER})
    assert {function_name(t) for t in targets} == {spec.name for spec in function_specs()}


def test_queues_are_encrypted_and_tls_only(template: dict) -> None:
    Template.from_json(template).all_resources_properties(
        "AWS::SQS::Queue", {"SqsManagedSseEnabled": True})
    for policy in resources(template, "AWS::SQS::QueuePolicy").values():
        statements = properties(policy)["PolicyDocument"]["Statement"]
        assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                   for s in statements)


def test_the_ses_feedback_function_is_subscribed_to_the_feedback_topic(template: dict) -> None:
    subscriptions = [r["Properties"] for r in template["Resources"].values()
                     if r["Type"] == "AWS::SNS::Subscription" and r["Properties"].get("Protocol") == "lambda"]
    functions = worker_functions(template)
    handlers = {functions[_logical_id_of(s["Endpoint"])]["Handler"] for s in subscriptions
                if _logical_id_of(s["Endpoint"]) in functions}
    assert lambda_handler(MAIL_FEEDBACK_HANDLER) in handlers
