"""Webhooks in the stack: the dispatcher outside the VPC on `webhooks.fifo`, the recorder and
the sweep inside it, the producers' right to queue, and the KMS key's narrow grants."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from mailman.adapters.secret_box import ENCRYPTION_CONTEXT as SECRET_BOX_CONTEXT
from mailman.config import Settings
from mailman.domain.webhooks import ATTEMPT_TIMEOUT_SECONDS, LEASE
from mailman.services.webhooks.dispatch import REPORTING_SECONDS
from stacks.config import ConsumerSettings, StageSettings
from stacks.functions import ServiceFunction
from stacks.webhooks import (
    ATTEMPT_SECONDS,
    BATCH_MARGIN_SECONDS,
    ENCRYPTION_CONTEXT,
    LEASE_SECONDS,
    check_dispatcher_timeout,
)

from .support import Synthesised, actions_of, cdk_context, queue_arns, resources_of
from .test_network import service

PRODUCERS = ["api", "dispatcher", "inbound", "outbound", "telemetry", "verifier"]
"""Every function that appends to the event log, besides the webhook functions themselves."""
CONTEXT_CONDITION = {"StringEquals": {"kms:EncryptionContext:purpose": "mailman-webhook-secret"}}


def environment(synthesised: Synthesised, service: ServiceFunction) -> dict[str, Any]:
    variables: dict[str, Any] = synthesised.properties(service.function)["Environment"]["Variables"]
    return variables


def mapping_of(synthesised: Synthesised, service: ServiceFunction) -> dict[str, Any]:
    function = {"Ref": synthesised.logical_id(service.function)}
    (mapping,) = [
        dict(m["Properties"])
        for m in synthesised.resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == function
    ]
    return mapping


def named(synthesised: Synthesised, name: str) -> ServiceFunction:
    (found,) = [f for f in synthesised.service_functions if f.name == name]
    return found


def kms_statements(synthesised: Synthesised, service: ServiceFunction) -> list[dict[str, Any]]:
    return [
        s
        for s in synthesised.statements(service.function)
        if any(a.startswith("kms:") for a in actions_of(s))
    ]


def managed_policies(synthesised: Synthesised, service: ServiceFunction) -> str:
    role = service.function.role
    assert role is not None
    (logical_id,) = [
        logical_id
        for logical_id, r in synthesised.resources("AWS::IAM::Role").items()
        if {"Ref": logical_id} == synthesised.stack.resolve(role.role_name)
    ]
    properties = synthesised.resources("AWS::IAM::Role")[logical_id]["Properties"]
    return json.dumps(properties.get("ManagedPolicyArns", []))


def test_the_dispatcher_runs_outside_the_vpc(synthesised: Synthesised) -> None:
    dispatcher = synthesised.stack.webhooks.dispatcher

    props = synthesised.properties(dispatcher.function)

    assert dispatcher.name == "webhooks"
    assert "VpcConfig" not in props
    assert "AWSLambdaVPCAccessExecutionRole" not in managed_policies(synthesised, dispatcher)
    assert "AWSLambdaBasicExecutionRole" in managed_policies(synthesised, dispatcher)


def test_the_dispatcher_knows_nothing_of_the_database(synthesised: Synthesised) -> None:
    dispatcher = synthesised.stack.webhooks.dispatcher

    env = environment(synthesised, dispatcher)
    statements = synthesised.statements(dispatcher.function)

    assert not {"DB_SECRET_ARN", "DB_HOST", "DB_NAME", "DATABASE_URL"} & set(env)
    assert not any(a.startswith("secretsmanager:") for s in statements for a in actions_of(s))
    assert not any(a.startswith("rds") for s in statements for a in actions_of(s))


def test_the_dispatcher_takes_the_fifo_queue_and_reports_on_the_reports_queue(
    synthesised: Synthesised,
) -> None:
    stack = synthesised.stack
    dispatcher = stack.webhooks.dispatcher
    consumer = synthesised.settings.queues.webhooks

    mapping = mapping_of(synthesised, dispatcher)
    env = environment(synthesised, dispatcher)
    sends = [
        s for s in synthesised.statements(dispatcher.function) if "sqs:SendMessage" in actions_of(s)
    ]

    assert synthesised.properties(stack.queues.webhooks.queue)["FifoQueue"] is True
    assert mapping["EventSourceArn"] == stack.resolve(stack.queues.webhooks.queue.queue_arn)
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == consumer.batch_size
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": consumer.max_concurrency}
    assert env["WEBHOOK_REPORTS_QUEUE_URL"] == stack.resolve(
        stack.queues.webhook_reports.queue.queue_url
    )
    assert "WEBHOOK_QUEUE_URL" not in env
    assert resources_of(sends) == queue_arns(synthesised, stack.queues.webhook_reports)


@pytest.mark.parametrize("attribute", ["recorder", "sweep"])
def test_the_recorder_and_the_sweep_run_in_the_vpc(
    synthesised: Synthesised, attribute: str
) -> None:
    stack = synthesised.stack
    service: ServiceFunction = getattr(stack.webhooks, attribute)
    private = [stack.resolve(s.subnet_id) for s in stack.network.vpc.isolated_subnets]

    props = synthesised.properties(service.function)

    assert sorted(props["VpcConfig"]["SubnetIds"], key=str) == sorted(private, key=str)
    assert "DB_SECRET_ARN" in props["Environment"]["Variables"]


def test_the_recorder_takes_the_reports_queue(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    recorder = stack.webhooks.recorder

    mapping = mapping_of(synthesised, recorder)

    assert recorder.name == "webhook_reports"
    assert mapping["EventSourceArn"] == stack.resolve(stack.queues.webhook_reports.queue.queue_arn)
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "FifoQueue" not in synthesised.properties(stack.queues.webhook_reports.queue)


def test_the_sweep_runs_every_minute_without_retries(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    sweep = stack.webhooks.sweep
    target = stack.resolve(sweep.function.function_arn)

    (rule,) = [
        r["Properties"]
        for r in synthesised.resources("AWS::Events::Rule").values()
        if any(t["Arn"] == target for t in r["Properties"]["Targets"])
    ]
    (rule_target,) = rule["Targets"]

    assert sweep.name == "webhook_sweep"
    assert rule["ScheduleExpression"] == "rate(1 minute)"
    assert rule_target["RetryPolicy"]["MaximumRetryAttempts"] == 0
    assert sweep.function.timeout is not None
    assert sweep.function.timeout.to_seconds() < 60


@pytest.mark.parametrize("name", [*PRODUCERS, "webhook_reports", "webhook_sweep"])
def test_every_producer_may_queue_webhooks_and_link_to_the_api(
    synthesised: Synthesised, name: str
) -> None:
    stack = synthesised.stack
    service = named(synthesised, name)

    env = environment(synthesised, service)
    sends = [
        s for s in synthesised.statements(service.function) if "sqs:SendMessage" in actions_of(s)
    ]

    assert env["WEBHOOK_QUEUE_URL"] == stack.resolve(stack.queues.webhooks.queue.queue_url)
    assert env["API_BASE_URL"] == stack.resolve(stack.api.base_url)
    assert queue_arns(synthesised, stack.queues.webhooks)[0] in resources_of(sends)


def test_the_migrations_queue_no_webhooks(synthesised: Synthesised) -> None:
    migrate = named(synthesised, "migrate")

    env = environment(synthesised, migrate)

    assert "WEBHOOK_QUEUE_URL" not in env
    assert not any(
        "sqs:SendMessage" in actions_of(s) for s in synthesised.statements(migrate.function)
    )


def test_api_base_url_is_the_rest_api_stage_without_a_trailing_slash(
    synthesised: Synthesised,
) -> None:
    stack = synthesised.stack
    rest_api = synthesised.logical_id(stack.api.rest_api)

    url = json.dumps(stack.resolve(stack.api.base_url))

    assert url.startswith('{"Fn::Join": ["", ["https://", {"Ref": "' + rest_api + '"}')
    assert url.endswith(f'"/{synthesised.settings.stage}"]]}}')


def test_the_secrets_key_rotates(synthesised: Synthesised) -> None:
    key = synthesised.properties(synthesised.stack.webhooks.key)

    assert key["EnableKeyRotation"] is True


def test_the_stack_binds_data_keys_to_the_secret_boxs_encryption_context() -> None:
    assert ENCRYPTION_CONTEXT == SECRET_BOX_CONTEXT


def test_the_stack_knows_the_attempt_bound_and_the_lease_the_dispatcher_runs_by() -> None:
    assert ATTEMPT_SECONDS == ATTEMPT_TIMEOUT_SECONDS
    assert LEASE.total_seconds() == LEASE_SECONDS


def test_the_dispatcher_outlasts_a_batch_of_one_slow_receiver_and_reports_within_the_lease(
    synthesised: Synthesised,
) -> None:
    consumer = synthesised.settings.queues.webhooks

    timeout = synthesised.properties(synthesised.stack.webhooks.dispatcher.function)["Timeout"]

    assert timeout == consumer.timeout_seconds
    assert consumer.batch_size * ATTEMPT_TIMEOUT_SECONDS < timeout < LEASE.total_seconds()


def test_the_dispatcher_keeps_its_reporting_time_within_the_margin_of_its_timeout(
    synthesised: Synthesised,
) -> None:
    consumer = synthesised.settings.queues.webhooks
    # Before a whole batch of one group's last item, all the others may have taken their
    # full time: what is left must still let the dispatcher start it.
    before_last = consumer.timeout_seconds - (consumer.batch_size - 1) * ATTEMPT_TIMEOUT_SECONDS

    assert before_last >= ATTEMPT_TIMEOUT_SECONDS + REPORTING_SECONDS
    assert BATCH_MARGIN_SECONDS >= REPORTING_SECONDS


@pytest.mark.parametrize(("timeout", "batch_size"), [(30, 10), (169, 10), (300, 10), (40, 2)])
def test_a_dispatcher_timeout_too_short_for_its_batch_or_past_the_lease_is_refused(
    timeout: int, batch_size: int
) -> None:
    consumer = ConsumerSettings(timeout_seconds=timeout, batch_size=batch_size)

    with pytest.raises(ValueError, match=r"queues\.webhooks\.timeout_seconds must be at least"):
        check_dispatcher_timeout(consumer)


@pytest.mark.parametrize(("timeout", "batch_size"), [(170, 10), (299, 10), (50, 2)])
def test_a_dispatcher_timeout_that_fits_is_accepted(timeout: int, batch_size: int) -> None:
    check_dispatcher_timeout(ConsumerSettings(timeout_seconds=timeout, batch_size=batch_size))


@pytest.mark.parametrize(
    ("attribute", "action"), [("api", "kms:GenerateDataKey"), ("dispatcher", "kms:Decrypt")]
)
def test_the_key_grants_one_action_for_secrets_only(
    synthesised: Synthesised, attribute: str, action: str
) -> None:
    stack = synthesised.stack
    service = stack.api.function if attribute == "api" else stack.webhooks.dispatcher

    (statement,) = kms_statements(synthesised, service)
    env = environment(synthesised, service)

    assert actions_of(statement) == [action]
    assert statement["Resource"] == stack.resolve(stack.webhooks.key.key_arn)
    assert statement["Condition"] == CONTEXT_CONDITION
    assert env["WEBHOOK_KMS_KEY_ID"] == stack.resolve(stack.webhooks.key.key_arn)


def test_no_other_function_may_use_the_key(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    allowed = {stack.api.function.name, stack.webhooks.dispatcher.name}

    users = sorted(f.name for f in synthesised.service_functions if kms_statements(synthesised, f))

    assert users == sorted(allowed)


def test_the_api_reaches_kms_through_an_endpoint_that_only_generates_data_keys(
    synthesised: Synthesised,
) -> None:
    stack = synthesised.stack
    endpoint = synthesised.properties(stack.webhooks.kms_endpoint)

    (statement,) = endpoint["PolicyDocument"]["Statement"]

    assert service(endpoint) == "kms"
    assert endpoint["VpcEndpointType"] == "Interface"
    assert statement["Effect"] == "Allow"
    assert actions_of(statement) == ["kms:GenerateDataKey"]
    assert statement["Resource"] == stack.resolve(stack.webhooks.key.key_arn)
    assert statement["Condition"] == CONTEXT_CONDITION


@pytest.mark.parametrize(
    ("alarm", "of"),
    [
        ("WebhookReportsDeadLetters", "the reports queue's DLQ"),
        ("WebhooksDeadLetters", "webhooks.fifo's DLQ"),
        ("WebhooksErrors", "the dispatcher"),
        ("WebhookReportsErrors", "the recorder"),
        ("WebhookSweepErrors", "the sweep"),
    ],
)
def test_the_webhook_pieces_alarm(synthesised: Synthesised, alarm: str, of: str) -> None:
    names = [
        a["Properties"]["AlarmName"]
        for a in synthesised.resources("AWS::CloudWatch::Alarm").values()
    ]

    assert f"{synthesised.settings.stack_name}-{alarm}" in names, of


def test_no_deployed_stage_lets_webhooks_reach_private_addresses(
    synthesised: Synthesised, prod: Synthesised
) -> None:
    for stage in (synthesised, prod):
        for function in stage.service_functions:
            assert "WEBHOOK_ALLOW_PRIVATE" not in environment(stage, function), function.name


def test_a_function_without_the_setting_refuses_private_addresses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WEBHOOK_ALLOW_PRIVATE", raising=False)

    assert Settings().webhook_allow_private is False


@pytest.mark.parametrize("stage", sorted(cdk_context()["mailman"]))
def test_no_stage_may_allow_private_webhook_addresses(stage: str) -> None:
    block = {**cdk_context()["mailman"][stage], "stage": stage, "webhook_allow_private": True}

    with pytest.raises(ValidationError, match="webhook_allow_private"):
        StageSettings.model_validate(block)
