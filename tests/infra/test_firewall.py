"""Limits in front of the API: the stage's throttling per stage, a WAF web ACL limiting each
source address where the stage asks for one (`prod`), and the function's own limits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Validations
from aws_cdk.assertions import Match

from .support import ROOT, Synthesised, cdk_context


def stage_logical_id(synthesised: Synthesised) -> str:
    (logical_id,) = synthesised.resources("AWS::ApiGateway::Stage")
    return logical_id


def test_cdk_json_puts_a_web_acl_on_prod_only() -> None:
    stages = cdk_context()["mailman"]

    assert stages["prod"]["api"]["web_acl"] is True
    assert stages["dev"]["api"]["web_acl"] is False


def test_the_dev_stage_pays_for_no_web_acl(synthesised: Synthesised) -> None:
    synthesised.template.resource_count_is("AWS::WAFv2::WebACL", 0)
    synthesised.template.resource_count_is("AWS::WAFv2::WebACLAssociation", 0)


def test_prod_blocks_a_source_address_beyond_its_rate_with_429(prod: Synthesised) -> None:
    api = prod.settings.api

    prod.template.resource_count_is("AWS::WAFv2::WebACL", 1)
    prod.template.has_resource_properties(
        "AWS::WAFv2::WebACL",
        {
            "Scope": "REGIONAL",
            "DefaultAction": {"Allow": {}},
            "Rules": [
                Match.object_like(
                    {
                        "Priority": 0,
                        "Statement": {
                            "RateBasedStatement": {
                                "AggregateKeyType": "IP",
                                "Limit": api.web_acl_requests_per_minute,
                                "EvaluationWindowSec": 60,
                            }
                        },
                        "Action": {
                            "Block": {
                                "CustomResponse": {
                                    "ResponseCode": 429,
                                    "CustomResponseBodyKey": "rate-limited",
                                }
                            }
                        },
                        "VisibilityConfig": Match.object_like(
                            {"CloudWatchMetricsEnabled": True, "SampledRequestsEnabled": True}
                        ),
                    }
                )
            ],
        },
    )


def test_prod_answers_a_blocked_address_in_the_api_error_envelope(prod: Synthesised) -> None:
    (acl,) = prod.resources("AWS::WAFv2::WebACL").values()

    body = acl["Properties"]["CustomResponseBodies"]["rate-limited"]

    assert body["ContentType"] == "APPLICATION_JSON"
    assert json.loads(body["Content"])["error"]["type"] == "rate_limited"


def test_prod_web_acl_guards_the_api_stage(prod: Synthesised) -> None:
    (acl_id,) = prod.resources("AWS::WAFv2::WebACL")

    prod.template.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)
    prod.template.has_resource_properties(
        "AWS::WAFv2::WebACLAssociation",
        {
            "WebACLArn": {"Fn::GetAtt": [acl_id, "Arn"]},
            "ResourceArn": {
                "Fn::Join": [
                    "",
                    Match.array_with([{"Ref": stage_logical_id(prod)}]),
                ]
            },
        },
    )


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_each_stage_is_throttled_as_its_cdk_json_says(
    stage: str, synthesised: Synthesised, prod: Synthesised
) -> None:
    chosen = {"dev": synthesised, "prod": prod}[stage]
    configured = cdk_context()["mailman"][stage]["api"]

    chosen.template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "MethodSettings": [
                Match.object_like(
                    {
                        "ThrottlingRateLimit": configured["throttle_rate_limit"],
                        "ThrottlingBurstLimit": configured["throttle_burst_limit"],
                    }
                )
            ]
        },
    )


def test_api_function_gets_the_organisation_limits_and_the_token_rules(
    synthesised: Synthesised,
) -> None:
    api = synthesised.settings.api

    env = synthesised.properties(synthesised.stack.api.function.function)["Environment"][
        "Variables"
    ]

    assert env["ORGANIZATION_RATE_LIMIT_PER_MINUTE"] == str(api.organization_rate_limit_per_minute)
    assert env["MAX_API_KEYS_PER_ORGANIZATION"] == str(api.max_api_keys_per_organization)
    assert env["TOKEN_AUDIENCE"] == api.token_audience
    assert env["TOKEN_MAX_LIFETIME_SECONDS"] == str(api.token_max_lifetime_seconds)


def _validation_report(synthesised: Synthesised) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(
        (Path(synthesised.assembly.directory) / "validation-report.json").read_text()
    )
    return report


def test_prod_with_its_web_acl_passes_cdk_nag_and_cfn_lint(prod: Synthesised) -> None:
    reports = _validation_report(prod)["pluginReports"]
    artifact = prod.assembly.get_stack_artifact(prod.stack.artifact_id)

    lint = subprocess.run(
        [
            str(Path(sys.executable).with_name("cfn-lint")),
            "--config-file",
            str(ROOT / ".cfnlintrc"),
            "--regions",
            prod.settings.region,
            "--",
            artifact.template_full_path,
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert {r["pluginName"]: r["conclusion"] for r in reports}["AwsSolutions"] == "success"
    assert [(r["pluginName"], r["violations"]) for r in reports if r["violations"]] == []
    assert lint.returncode == 0, lint.stdout + lint.stderr


def _acknowledged(synthesised: Synthesised) -> set[str]:
    return {
        rule
        for construct in synthesised.stack.node.find_all()
        for entry in construct.node.metadata
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for rule in entry.data
    }


def test_only_a_stage_without_a_web_acl_acknowledges_having_none(
    synthesised: Synthesised, prod: Synthesised
) -> None:
    rule = "AwsSolutions::AwsSolutions-APIG3"

    assert rule in _acknowledged(synthesised)
    assert rule not in _acknowledged(prod)
