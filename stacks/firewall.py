"""The API's web firewall: a WAFv2 web ACL on the REST API stage, blocking any source address
that sends more than the stage's `web_acl_requests_per_minute`.

It stands in front of the function's own limits (per key, per organisation, and failed
authentications per address, all in PostgreSQL) and of the stage's throttling, and stops a
flood from one address before it costs a Lambda invocation. A web ACL costs a monthly fee, so
it is a stage setting (`api.web_acl`): on for `prod`, off for the cheaper stages.
"""

from __future__ import annotations

import json

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from stacks.config import StageSettings

RATE_RULE = "RequestsPerSourceAddress"
BLOCKED_BODY = "rate-limited"
BLOCKED_RESPONSE = json.dumps(
    {
        "error": {
            "type": "rate_limited",
            "message": "too many requests from this address; slow down and retry in a minute",
        }
    }
)
"""What a blocked request gets: the API's error envelope (WAF knows no trace id)."""


class ApiFirewall(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: StageSettings, stage: apigw.Stage
    ) -> None:
        super().__init__(scope, construct_id)
        metric_prefix = f"{settings.resource_name}-api"
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=f"{settings.resource_name}-api",
            description="Mailman: blocks a source address that floods the API",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            custom_response_bodies={
                BLOCKED_BODY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON", content=BLOCKED_RESPONSE
                )
            },
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name=RATE_RULE,
                    priority=0,
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            aggregate_key_type="IP",
                            limit=settings.api.web_acl_requests_per_minute,
                            evaluation_window_sec=60,
                        )
                    ),
                    action=wafv2.CfnWebACL.RuleActionProperty(
                        block=wafv2.CfnWebACL.BlockActionProperty(
                            custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                                response_code=429, custom_response_body_key=BLOCKED_BODY
                            )
                        )
                    ),
                    visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                        cloud_watch_metrics_enabled=True,
                        metric_name=f"{metric_prefix}-{RATE_RULE}",
                        sampled_requests_enabled=True,
                    ),
                )
            ],
            visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True,
                metric_name=metric_prefix,
                sampled_requests_enabled=True,
            ),
        )
        self.association = wafv2.CfnWebACLAssociation(
            self, "Association", resource_arn=stage.stage_arn, web_acl_arn=self.web_acl.attr_arn
        )
