"""The REST API: every path to the API function, no authorizer (the function authenticates),
throttled, access-logged, traced, CORS from the settings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .support import Synthesised, actions_of


def methods(synthesised: Synthesised, http_method: str) -> list[dict[str, Any]]:
    return [
        m["Properties"]
        for m in synthesised.resources("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == http_method
    ]


def stage(synthesised: Synthesised) -> dict[str, Any]:
    (found,) = synthesised.resources("AWS::ApiGateway::Stage").values()
    properties: dict[str, Any] = found["Properties"]
    return properties


def test_api_is_a_regional_rest_api(synthesised: Synthesised) -> None:
    props = synthesised.properties(synthesised.stack.api.rest_api)

    assert props["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert synthesised.resources("AWS::ApiGatewayV2::Api") == {}


def test_root_and_every_path_proxy_to_the_api_function(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    root = stack.api.rest_api.root
    proxy = root.get_resource("{proxy+}")
    assert proxy is not None
    expected = [stack.resolve(r.resource_id) for r in (root, proxy)]
    function_arn = stack.resolve(stack.api.function.function.function_arn)

    anys = methods(synthesised, "ANY")

    assert sorted(json.dumps(m["ResourceId"]) for m in anys) == sorted(map(json.dumps, expected))
    for method in anys:
        assert method["Integration"]["Type"] == "AWS_PROXY"
        assert function_arn in method["Integration"]["Uri"]["Fn::Join"][1]


def test_no_method_has_an_authorizer(synthesised: Synthesised) -> None:
    everything = [
        m["Properties"] for m in synthesised.resources("AWS::ApiGateway::Method").values()
    ]

    assert everything
    assert {m["AuthorizationType"] for m in everything} == {"NONE"}
    assert synthesised.resources("AWS::ApiGateway::Authorizer") == {}


def test_stage_is_throttled_as_configured(synthesised: Synthesised) -> None:
    api = synthesised.settings.api

    (settings,) = stage(synthesised)["MethodSettings"]

    assert settings["ThrottlingRateLimit"] == api.throttle_rate_limit
    assert settings["ThrottlingBurstLimit"] == api.throttle_burst_limit
    assert settings["DataTraceEnabled"] is False


def test_stage_writes_json_access_logs_to_a_log_group_with_retention(
    synthesised: Synthesised,
) -> None:
    access_log = stage(synthesised)["AccessLogSetting"]
    (group_id,) = [
        part["Ref"]
        for part in access_log["DestinationArn"]["Fn::Join"][1]
        if isinstance(part, dict) and "Ref" in part and part["Ref"] != "AWS::AccountId"
    ]

    fields = json.loads(access_log["Format"])
    group = synthesised.resources("AWS::Logs::LogGroup")[group_id]["Properties"]

    assert fields["requestId"] == "$context.requestId"
    assert fields["status"] == "$context.status"
    assert group["RetentionInDays"] == synthesised.settings.log_retention_days


def test_stage_is_traced(synthesised: Synthesised) -> None:
    assert stage(synthesised)["TracingEnabled"] is True


def test_api_function_gets_the_rate_limit(synthesised: Synthesised) -> None:
    props = synthesised.properties(synthesised.stack.api.function.function)

    assert props["Environment"]["Variables"]["RATE_LIMIT_PER_MINUTE"] == str(
        synthesised.settings.api.rate_limit_per_minute
    )
    assert props["Timeout"] == synthesised.settings.api.timeout_seconds


def test_api_function_refuses_the_platforms_own_mail_domains(synthesised: Synthesised) -> None:
    props = synthesised.properties(synthesised.stack.api.function.function)

    reserved = props["Environment"]["Variables"]["RESERVED_DOMAINS"]
    assert reserved.split(",") == synthesised.settings.mail_domains


def test_cors_preflight_answers_the_configured_origins(synthesised: Synthesised) -> None:
    preflights = methods(synthesised, "OPTIONS")

    origins = {
        m["Integration"]["IntegrationResponses"][0]["ResponseParameters"][
            "method.response.header.Access-Control-Allow-Origin"
        ]
        for m in preflights
    }

    assert len(preflights) == 2
    assert origins == {f"'{o}'" for o in synthesised.settings.cors_origins}


@pytest.mark.parametrize(
    ("response_type", "error_type"),
    [
        ("THROTTLED", "rate_limited"),
        ("DEFAULT_4XX", "bad_request"),
        ("DEFAULT_5XX", "internal_error"),
    ],
)
def test_gateway_errors_use_the_api_error_envelope(
    synthesised: Synthesised, response_type: str, error_type: str
) -> None:
    (response,) = [
        r["Properties"]
        for r in synthesised.resources("AWS::ApiGateway::GatewayResponse").values()
        if r["Properties"]["ResponseType"] == response_type
    ]

    template = response["ResponseTemplates"]["application/json"]
    rendered = template.replace("$context.error.messageString", '"message"')

    assert json.loads(rendered) == {
        "error": {"type": error_type, "message": "message", "trace_id": "$context.requestId"}
    }


def api_statements(synthesised: Synthesised) -> list[dict[str, Any]]:
    return synthesised.statements(synthesised.stack.api.function.function)


def test_api_function_finds_the_bucket_and_the_ses_resources(synthesised: Synthesised) -> None:
    stack = synthesised.stack

    env = synthesised.properties(stack.api.function.function)["Environment"]["Variables"]

    assert env["BUCKET_NAME"] == stack.resolve(stack.storage.bucket.bucket_name)
    assert env["SES_CONFIGURATION_SET"] == f"mailman-{synthesised.settings.stage}"
    assert env["RECEIPT_RULE_SET_NAME"] == f"mailman-{synthesised.settings.stage}"
    assert env["RECEIPT_RULE_NAME"] == "store-and-notify"


def test_api_function_may_only_read_write_and_erase_raw_mail_and_attachments(
    synthesised: Synthesised,
) -> None:
    (statement,) = [s for s in api_statements(synthesised) if "s3:GetObject" in actions_of(s)]

    suffixes = sorted(r["Fn::Join"][1][-1] for r in statement["Resource"])

    assert actions_of(statement) == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert suffixes == ["/attachments/*", "/raw/*"]


def test_api_function_may_tell_a_missing_object_from_a_forbidden_one(
    synthesised: Synthesised,
) -> None:
    (statement,) = [s for s in api_statements(synthesised) if "s3:ListBucket" in actions_of(s)]

    logical_id, attribute = statement["Resource"]["Fn::GetAtt"]
    assert actions_of(statement) == ["s3:ListBucket"]
    assert (logical_id, attribute) in {(b, "Arn") for b in synthesised.resources("AWS::S3::Bucket")}


def test_api_function_manages_ses_identities_and_the_receipt_rule(
    synthesised: Synthesised,
) -> None:
    actions = {a for s in api_statements(synthesised) for a in actions_of(s)}

    assert {
        "ses:CreateEmailIdentity",
        "ses:GetEmailIdentity",
        "ses:DeleteEmailIdentity",
        "ses:PutEmailIdentityMailFromAttributes",
        "ses:DescribeReceiptRule",
        "ses:UpdateReceiptRule",
    } <= actions
    assert not any(a in ("ses:*", "*") for a in actions)
