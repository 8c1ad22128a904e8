"""How workers attach: SQS consumers reporting batch item failures, the verifier schedule.

No worker exists yet, so a test-only stack attaches throwaway functions."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from stacks.config import StageSettings
from stacks.queues import Queues, WorkQueue
from stacks.workers import Workers

from .support import Synthesised, cdk_context

QUEUES = ["inbound", "outbound", "telemetry", "webhooks", "webhook_reports"]


def throwaway_function(stack: Stack, construct_id: str, timeout_seconds: int) -> lambda_.Function:
    return lambda_.Function(
        stack,
        construct_id,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"),
        timeout=Duration.seconds(timeout_seconds),
    )


class WorkersStack(Stack):
    """Queues and workers of the dev settings, with a consumer on every queue and a verifier."""

    def __init__(self, scope: App, settings: StageSettings) -> None:
        super().__init__(scope, "Workers")
        self.queues = Queues(self, "Queues", settings=settings)
        self.workers = Workers(self, "Workers", settings=settings)
        self.consumers: dict[str, lambda_.Function] = {}
        for name in QUEUES:
            work: WorkQueue = getattr(self.queues, name)
            consumer = throwaway_function(self, work.name, work.consumer.timeout_seconds)
            self.workers.consume(work, consumer)
            self.consumers[name] = consumer
        self.verifier = throwaway_function(self, "Verifier", 60)
        self.workers.schedule_verifier(self.verifier)


@pytest.fixture(scope="module")
def dev_settings() -> StageSettings:
    return StageSettings.model_validate({**cdk_context()["mailman"]["dev"], "stage": "dev"})


@pytest.fixture(scope="module")
def workers_stack(dev_settings: StageSettings) -> WorkersStack:
    return WorkersStack(App(context=cdk_context()), dev_settings)


@pytest.fixture(scope="module")
def workers_template(workers_stack: WorkersStack) -> Template:
    return Template.from_stack(workers_stack)


def mapping_of(template: Template, stack: Stack, function: lambda_.Function) -> dict[str, Any]:
    (mapping,) = [
        dict(m["Properties"])
        for m in template.find_resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == stack.resolve(function.function_name)
    ]
    return mapping


@pytest.mark.parametrize("name", QUEUES)
def test_consumer_reports_batch_item_failures(
    workers_template: Template, workers_stack: WorkersStack, name: str
) -> None:
    mapping = mapping_of(workers_template, workers_stack, workers_stack.consumers[name])

    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


@pytest.mark.parametrize("name", QUEUES)
def test_consumer_reads_its_queue_in_configured_batches_and_concurrency(
    workers_template: Template, workers_stack: WorkersStack, dev_settings: StageSettings, name: str
) -> None:
    work: WorkQueue = getattr(workers_stack.queues, name)
    configured = getattr(dev_settings.queues, name)

    mapping = mapping_of(workers_template, workers_stack, workers_stack.consumers[name])

    assert mapping["EventSourceArn"] == workers_stack.resolve(work.queue.queue_arn)
    assert mapping["BatchSize"] == configured.batch_size
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": configured.max_concurrency}


def test_consumer_slower_than_its_queue_allows_is_refused(dev_settings: StageSettings) -> None:
    stack = Stack(App(), "Refused")
    queues = Queues(stack, "Queues", settings=dev_settings)
    workers = Workers(stack, "Workers", settings=dev_settings)
    slow = throwaway_function(stack, "Slow", queues.inbound.consumer.timeout_seconds + 1)

    with pytest.raises(ValueError, match="Inbound consumer must time out within"):
        workers.consume(queues.inbound, slow)


def test_verifier_runs_on_its_schedule_without_retries(
    workers_template: Template, workers_stack: WorkersStack, dev_settings: StageSettings
) -> None:
    (rule,) = workers_template.find_resources("AWS::Events::Rule").values()
    (target,) = rule["Properties"]["Targets"]

    assert dev_settings.verifier_interval_minutes == 1
    assert rule["Properties"]["ScheduleExpression"] == "rate(1 minute)"
    assert target["Arn"] == workers_stack.resolve(workers_stack.verifier.function_arn)
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 0


def test_the_inbound_function_consumes_the_inbound_queue(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    function = {"Ref": synthesised.logical_id(stack.receiving.function.function)}
    mappings = synthesised.resources("AWS::Lambda::EventSourceMapping")

    (props,) = [
        m["Properties"] for m in mappings.values() if m["Properties"]["FunctionName"] == function
    ]
    assert props["EventSourceArn"]["Fn::GetAtt"][0] == synthesised.logical_id(
        stack.queues.inbound.queue
    )
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_verifier_runs_on_the_schedule(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    verifier = synthesised.logical_id(stack.verification.function.function)

    (rule,) = [
        r
        for r in synthesised.resources("AWS::Events::Rule").values()
        if r["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][0] == verifier
    ]

    assert rule["Properties"]["ScheduleExpression"] == "rate(1 minute)"
    target = rule["Properties"]["Targets"][0]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 0


def test_the_workers_are_given_what_they_read(synthesised: Synthesised) -> None:
    stack = synthesised.stack

    inbound = synthesised.properties(stack.receiving.function.function)["Environment"]["Variables"]
    verifier = synthesised.properties(stack.verification.function.function)["Environment"][
        "Variables"
    ]

    assert inbound["BUCKET_NAME"] == {"Ref": synthesised.logical_id(stack.storage.bucket)}
    assert {"RECEIPT_RULE_SET_NAME", "RECEIPT_RULE_NAME", "SES_CONFIGURATION_SET"} <= set(verifier)
