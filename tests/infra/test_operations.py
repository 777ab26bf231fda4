"""Running it safely: concurrency limits, failure destinations, S3 grants per prefix, tracing,
an access log without secrets, CDK's recommended feature flags."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.topology import QUEUES
from infra.functions import SIZING, function_specs
from infra.http_policy import API_ACCESS_LOG_FIELDS

from .conftest import Synthesized, api_function, properties, resources, worker_functions


def _logical_id(ref: Any) -> str:
    return ref["Fn::GetAtt"][0] if "Fn::GetAtt" in ref else ref["Ref"]


def _function_by_handler(template: dict[str, Any]) -> dict[str, str]:
    """functions/<name> -> the logical id of its Lambda."""
    found = {}
    for logical_id, props in worker_functions(template).items():
        name = next(s.name for s in function_specs() if props.get("Description", "").startswith(
            f"Arhivar {s.name} ("))
        found[name] = logical_id
    return found


def test_every_sqs_consumer_has_a_maximum_concurrency(template: dict, synthesized: Synthesized,
                                                      stage: str) -> None:
    # GIVEN the stage's limits WHEN the event source mappings are read
    params = synthesized.params[stage]
    expected = {"sync": params.sync_max_concurrency, "render": params.render_max_concurrency,
                "notify": params.notify_max_concurrency, "export": params.export_max_concurrency,
                "import": params.import_max_concurrency,
                "integrity": params.integrity_max_concurrency,
                "s3delivery": params.s3_delivery_max_concurrency,
                "webhook": params.webhook_max_concurrency}
    queue_ids = {properties(q)["QueueName"]: i for i, q in resources(template, "AWS::SQS::Queue").items()}
    found = {}
    for mapping in resources(template, "AWS::Lambda::EventSourceMapping").values():
        props = properties(mapping)
        queue_id = _logical_id(props["EventSourceArn"])
        key = next(spec.key for spec in QUEUES if queue_ids.get(f"arhivar-{stage}-{spec.key}") == queue_id)
        found[key] = props["ScalingConfig"]["MaximumConcurrency"]
    # THEN every consumer is capped, at least at SQS's minimum of 2
    assert found == expected
    assert all(value >= 2 for value in found.values())


def test_the_api_function_has_reserved_concurrency(template: dict, synthesized: Synthesized, stage: str) -> None:
    reserved = api_function(template)["ReservedConcurrentExecutions"]
    assert reserved == synthesized.params[stage].api_reserved_concurrency > 0


def test_asynchronously_invoked_functions_send_failures_to_an_alarmed_queue(template: dict) -> None:
    # GIVEN the functions EventBridge and SNS invoke (asynchronously)
    by_name = _function_by_handler(template)
    asynchronous = {s.name for s in function_specs() if s.schedule_keys or s.mail_feedback}
    assert asynchronous >= {"dispatch", "ses_feedback"}
    configs = {_logical_id(properties(c)["FunctionName"]): properties(c)
               for c in resources(template, "AWS::Lambda::EventInvokeConfig").values()}
    # THEN each has an on-failure destination: the async failures queue
    failures = {i for i, q in resources(template, "AWS::SQS::Queue").items()
                if properties(q)["QueueName"].endswith("-async-failures")}
    assert len(failures) == 1
    for name in asynchronous:
        config = configs[by_name[name]]
        assert _logical_id(config["DestinationConfig"]["OnFailure"]["Destination"]) in failures, name
        assert config["MaximumRetryAttempts"] == 2
    # AND that queue raises an alarm as soon as anything lands there
    alarmed = [properties(a) for a in resources(template, "AWS::CloudWatch::Alarm").values()]
    assert any(d["Value"] == {"Fn::GetAtt": [next(iter(failures)), "QueueName"]}
               for a in alarmed for d in a.get("Dimensions", []))


def _archive_id(template: dict[str, Any]) -> str:
    return api_function(template)["Environment"]["Variables"]["ARHIVAR_ARCHIVE_BUCKET"]["Ref"]


def _s3_grants(template: dict[str, Any], role_id: str) -> dict[str, set[str]]:
    """S3 action -> the archive object key patterns the role may use it on."""
    archive = _archive_id(template)
    grants: dict[str, set[str]] = {}
    policies = [*resources(template, "AWS::IAM::Policy").values(),
                *resources(template, "AWS::IAM::ManagedPolicy").values()]
    for policy in policies:
        if {"Ref": role_id} not in properties(policy).get("Roles", []):
            continue
        for statement in properties(policy)["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for target in targets:
                if "Fn::Join" not in target:
                    continue
                head, *tail = target["Fn::Join"][1]
                if head != {"Fn::GetAtt": [archive, "Arn"]}:
                    continue
                for action in actions:
                    if action.startswith("s3:"):
                        grants.setdefault(action, set()).add("".join(tail).lstrip("/"))
    return grants


def _role_of(props: dict[str, Any]) -> str:
    return props["Role"]["Fn::GetAtt"][0]


def test_each_function_reaches_only_its_archive_prefixes(template: dict) -> None:
    # GIVEN every function's role WHEN its S3 object grants are read
    functions = worker_functions(template)
    by_name = _function_by_handler(template)
    render = _s3_grants(template, _role_of(functions[by_name["render_pdf"]]))
    export = _s3_grants(template, _role_of(functions[by_name["build_export"]]))
    sync = _s3_grants(template, _role_of(functions[by_name["sync_company"]]))
    imports = _s3_grants(template, _role_of(functions[by_name["import_archive"]]))
    api = _s3_grants(template, _role_of(api_function(template)))
    # THEN nobody has the whole bucket
    for grants in (render, export, sync, imports, api):
        assert all(pattern != "*" for patterns in grants.values() for pattern in patterns)
    # AND the renderer reads invoice XML and writes only PDFs (and the integrity reports' PDFs)
    assert render["s3:GetObject*"] == {"documents/*/invoice.xml", "reports/integrity/*"}
    assert render["s3:PutObject"] == {"documents/*/invoice.pdf", "reports/integrity/*"}
    # AND exports read documents and originals, write only exports/
    assert export["s3:GetObject*"] == {"documents/*", "originals/*"}
    assert export["s3:PutObject"] == {"exports/*"}
    # AND archiving (sync, the SPV import worker) writes originals and the two XMLs
    archived = {"originals/*", "documents/*/invoice.xml", "documents/*/signature.xml"}
    assert sync["s3:PutObject"] == archived == imports["s3:PutObject"]
    assert sync["s3:GetObject*"] == {"config/*"}  # the MF certificates, nothing archived
    assert imports["s3:GetObject*"] == {"config/*", "imports/*"}  # and the uploads it imports
    # AND the API archives nothing: it signs the browser's upload of an SPV import, and presigns reads
    assert api["s3:PutObject"] == {"imports/*"}
    assert api["s3:GetObject*"] == {"documents/*", "originals/*", "exports/*", "config/*", "imports/*",
                                    "reports/integrity/*"}  # presigning
    # AND the integrity check reads what archiving wrote and writes only its reports
    checker = _s3_grants(template, _role_of(functions[by_name["check_integrity"]]))
    assert checker["s3:GetObject*"] == {*archived, "config/*", "reports/integrity/*"}
    assert checker["s3:PutObject"] == {"reports/integrity/*"}
    assert checker["s3:GetObjectRetention"] == {"originals/*"}  # else GetObject hides the lock
    # AND functions without archive access have no archive grant at all
    for name, sizing in SIZING.items():
        if not (sizing.access.archive_read or sizing.access.archive_write):
            assert _s3_grants(template, _role_of(functions[by_name[name]])) == {}, name


def test_functions_and_the_api_stage_are_traced(template: dict) -> None:
    for logical_id, props in worker_functions(template).items():
        assert props["TracingConfig"] == {"Mode": "Active"}, logical_id
    assert api_function(template)["Tracing"] == "Active"
    assert properties(template["Resources"]["RestAPI"])["TracingEnabled"] is True


def test_the_api_access_log_holds_the_route_template_never_the_path_or_query(template: dict) -> None:
    # GIVEN the API stage's access log setting
    setting = properties(template["Resources"]["RestAPI"])["AccessLogSetting"]
    fields = json.loads(setting["Format"])
    # THEN it logs the resource path ("/api/anaf/link/{token}"), never what the caller sent
    assert fields == API_ACCESS_LOG_FIELDS
    assert fields["resourcePath"] == "$context.resourcePath"
    assert "$context.path" not in setting["Format"]
    assert not any(v.startswith(("$context.requestOverride", "$input", "$method.request"))
                   for v in fields.values())
    # AND it goes to a log group of the stack, which API Gateway may write with its account role
    log_group = _logical_id(setting["DestinationArn"])
    assert template["Resources"][log_group]["Type"] == "AWS::Logs::LogGroup"
    [account] = resources(template, "AWS::ApiGateway::Account").values()
    assert "CloudWatchRoleArn" in properties(account)
    assert template["Resources"]["RestAPI"]["DependsOn"] == [next(iter(
        resources(template, "AWS::ApiGateway::Account")))]
