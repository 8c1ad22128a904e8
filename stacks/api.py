"""The REST API: API Gateway in front of the API function, every path proxied to it.

The function authenticates (Bearer API keys and JWTs) and answers `/health`,
`/openapi.json` and `/docs` without a key, so API Gateway has no authorizer. It throttles the
stage as a whole (and, where the stage asks for it, a web ACL limits each source address),
writes JSON access logs, answers CORS preflights for the configured origins, and shapes its
own errors (throttling, timeouts) like the function's.
"""

from __future__ import annotations

import json

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config import StageSettings
from stacks.firewall import ApiFirewall
from stacks.functions import FunctionDefaults, ServiceFunction
from stacks.mail import Ses
from stacks.nag import acknowledge
from stacks.storage import Storage

CORS_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key"]

GATEWAY_ERRORS: dict[apigw.ResponseType, str] = {
    apigw.ResponseType.THROTTLED: "rate_limited",
    apigw.ResponseType.REQUEST_TOO_LARGE: "payload_too_large",
    apigw.ResponseType.INTEGRATION_TIMEOUT: "timeout",
    apigw.ResponseType.DEFAULT_4_XX: "bad_request",
    apigw.ResponseType.DEFAULT_5_XX: "internal_error",
}
"""API Gateway's own errors, in the function's envelope `{"error": {type, message, trace_id}}`
(the function's trace id is the request id)."""


def _error_template(error_type: str) -> str:
    return (
        f'{{"error": {{"type": {json.dumps(error_type)}, '
        '"message": $context.error.messageString, "trace_id": "$context.requestId"}}'
    )


ACCESS_LOG_FORMAT = apigw.AccessLogFormat.custom(
    json.dumps(
        {
            "requestId": apigw.AccessLogField.context_request_id(),
            "ip": apigw.AccessLogField.context_identity_source_ip(),
            "requestTime": apigw.AccessLogField.context_request_time(),
            "httpMethod": apigw.AccessLogField.context_http_method(),
            "resourcePath": apigw.AccessLogField.context_resource_path(),
            "status": apigw.AccessLogField.context_status(),
            "responseLength": apigw.AccessLogField.context_response_length(),
            "integrationLatency": apigw.AccessLogField.context_integration_latency(),
            "error": apigw.AccessLogField.context_error_message(),
            "xrayTraceId": apigw.AccessLogField.context_xray_trace_id(),
        }
    )
)


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        defaults: FunctionDefaults,
        storage: Storage,
        mail: Ses,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = ServiceFunction(
            self,
            "Handler",
            name="api",
            defaults=defaults,
            description="Mailman: the REST API",
            timeout=Duration.seconds(settings.api.timeout_seconds),
            memory_size=settings.api.memory_mb,
            environment={
                "RATE_LIMIT_PER_MINUTE": str(settings.api.rate_limit_per_minute),
                "ORGANIZATION_RATE_LIMIT_PER_MINUTE": str(
                    settings.api.organization_rate_limit_per_minute
                ),
                "MAX_API_KEYS_PER_ORGANIZATION": str(settings.api.max_api_keys_per_organization),
                "TOKEN_AUDIENCE": settings.api.token_audience,
                "TOKEN_MAX_LIFETIME_SECONDS": str(settings.api.token_max_lifetime_seconds),
                "BUCKET_NAME": storage.bucket.bucket_name,
                "CORS_ORIGINS": ",".join(settings.cors_origins),
                "RESERVED_DOMAINS": ",".join(settings.mail_domains),
            },
        )
        # Presigned links are signed with the function's own permissions: downloads of any
        # stored message or attachment, uploads of files to send.
        storage.grant_objects(
            self.function.function,
            ["s3:GetObject", "s3:PutObject"],
            "The function hands out presigned links to stored messages and attachments and"
            " writes the attachments of mail it sends (keys are per message)",
        )
        storage.grant_objects(
            self.function.function,
            ["s3:DeleteObject"],
            "The function erases mail in trash: its raw copy and attachments, under keys made"
            " per message",
        )
        # It checks whether an upload arrived, or a long body is stored whole yet (HEAD), and
        # lists what an erased message stored beside its attachments.
        storage.grant_existence_checks(self.function.function)
        mail.enable_domain_management(self.function.function)
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=settings.log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        cors = (
            apigw.CorsOptions(
                allow_origins=settings.cors_origins,
                allow_headers=CORS_HEADERS,
                allow_methods=apigw.Cors.ALL_METHODS,
                max_age=Duration.hours(1),
            )
            if settings.cors_origins
            else None
        )
        self.rest_api = apigw.LambdaRestApi(
            self,
            "RestApi",
            handler=self.function.function,
            proxy=True,
            rest_api_name=settings.resource_name,
            description="Mailman: email for applications and agents",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            default_cors_preflight_options=cors,
            deploy_options=apigw.StageOptions(
                stage_name=settings.stage,
                throttling_rate_limit=settings.api.throttle_rate_limit,
                throttling_burst_limit=settings.api.throttle_burst_limit,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=ACCESS_LOG_FORMAT,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
            ),
        )
        for response_type, error_type in GATEWAY_ERRORS.items():
            self.rest_api.add_gateway_response(
                f"Error{response_type.response_type}",
                type=response_type,
                templates={"application/json": _error_template(error_type)},
            )
        self.firewall = (
            ApiFirewall(self, "Firewall", settings=settings, stage=self.rest_api.deployment_stage)
            if settings.api.web_acl
            else None
        )
        self._stage_name = settings.stage
        self._acknowledge()

    @property
    def base_url(self) -> str:
        """The stage's address, without a trailing slash: where the links a webhook carries
        point. Built from the API's id and the stage's name, not `rest_api.url`, so that the
        API function may carry it too (`url` names the deployment, which needs the function)."""
        stack = Stack.of(self)
        return (
            f"https://{self.rest_api.rest_api_id}.execute-api.{stack.region}"
            f".{stack.url_suffix}/{self._stage_name}"
        )

    def _acknowledge(self) -> None:
        for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
            acknowledge(
                self.rest_api,
                rule,
                "The function authenticates every request itself (hashed API keys and"
                " customer-signed JWTs, both looked up in Postgres); /health and the docs are"
                " public on purpose",
            )
        acknowledge(
            self.rest_api,
            "AwsSolutions-APIG2",
            "The function validates every request body and parameter against its models and"
            " answers in the API's error envelope",
        )
        if self.firewall is None:
            acknowledge(
                self.rest_api,
                "AwsSolutions-APIG3",
                "This stage has no web ACL (api.web_acl is off: an ACL costs a monthly fee per"
                " ACL and rule); the stage is throttled, every key and organisation rate-limited"
                " and failed authentications limited per source address by the function",
            )
        acknowledge(
            self.rest_api,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's own policy for the account-wide role that lets it write access logs",
        )
