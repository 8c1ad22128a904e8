"""The local platform's webhook plumbing: `webhooks.fifo` and the reports queue made as the
stack makes them (in moto), the SQS pump handing the dispatcher FIFO records with their
message group, and the functions' environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local.aws import WEBHOOK_QUEUE, WEBHOOK_REPORTS_QUEUE, create_work_queue
from local.platform import (
    WEBHOOK_DISPATCHER_SECONDS,
    WEBHOOK_VISIBILITY_SECONDS,
    LocalConfig,
    LocalQueues,
    function_environment,
)
from local.sqs_pump import SqsPump
from mailman.config import Settings

from .conftest import BareAws


def attributes(sqs: Any, url: str) -> dict[str, str]:
    found: dict[str, str] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"
    ]
    return found


def send(sqs: Any, url: str, body: str, group: str) -> None:
    sqs.send_message(
        QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=body
    )


def test_the_webhook_queue_and_its_dead_letters_are_fifo_as_in_the_stack(
    bare_aws: BareAws,
) -> None:
    url = create_work_queue(bare_aws.sqs, WEBHOOK_QUEUE, 60)

    queue = attributes(bare_aws.sqs, url)
    redrive = json.loads(queue["RedrivePolicy"])
    dead_letters = bare_aws.sqs.get_queue_url(QueueName="mailman-webhooks-dlq.fifo")["QueueUrl"]

    assert url.endswith("/mailman-webhooks.fifo")
    assert queue["FifoQueue"] == "true"
    assert queue["ContentBasedDeduplication"] == "false"
    assert queue["DeduplicationScope"] == "messageGroup"
    assert queue["FifoThroughputLimit"] == "perMessageGroupId"
    assert queue["VisibilityTimeout"] == "60"
    assert redrive["deadLetterTargetArn"] == attributes(bare_aws.sqs, dead_letters)["QueueArn"]
    assert attributes(bare_aws.sqs, dead_letters)["FifoQueue"] == "true"


def test_the_reports_queue_is_a_standard_queue_with_dead_letters(bare_aws: BareAws) -> None:
    url = create_work_queue(bare_aws.sqs, WEBHOOK_REPORTS_QUEUE, 60)

    queue = attributes(bare_aws.sqs, url)

    assert "FifoQueue" not in queue
    assert json.loads(queue["RedrivePolicy"])["deadLetterTargetArn"].endswith(
        ":mailman-webhook-reports-dlq"
    )


def test_the_pump_hands_the_dispatcher_fifo_records_in_group_order(bare_aws: BareAws) -> None:
    url = create_work_queue(bare_aws.sqs, WEBHOOK_QUEUE, 60)
    for body, group in (("a1", "a"), ("b1", "b"), ("a2", "a"), ("a3", "a")):
        send(bare_aws.sqs, url, body, group)
    batches: list[list[dict[str, Any]]] = []

    def dispatcher(event: dict[str, Any], context: Any) -> dict[str, Any]:
        batches.append(event["Records"])
        return {"batchItemFailures": []}

    SqsPump(bare_aws.sqs, url, dispatcher, "mailman-webhooks").poll_once()

    (records,) = batches
    by_group: dict[str, list[str]] = {}
    for record in records:
        by_group.setdefault(record["attributes"]["MessageGroupId"], []).append(record["body"])
    assert by_group == {"a": ["a1", "a2", "a3"], "b": ["b1"]}
    assert all(r["attributes"]["MessageDeduplicationId"] == r["body"] for r in records)
    assert all(r["attributes"]["SequenceNumber"] for r in records)
    assert all(r["eventSourceARN"].endswith(":mailman-webhooks.fifo") for r in records)


def test_what_the_dispatcher_fails_stays_on_the_queue_and_the_rest_is_deleted(
    bare_aws: BareAws,
) -> None:
    url = create_work_queue(bare_aws.sqs, WEBHOOK_QUEUE, 60)
    send(bare_aws.sqs, url, "ok", "a")
    send(bare_aws.sqs, url, "fails", "b")

    def dispatcher(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "fails"]
        return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}

    SqsPump(bare_aws.sqs, url, dispatcher, "mailman-webhooks").poll_once()

    queue = attributes(bare_aws.sqs, url)
    assert queue["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert queue["ApproximateNumberOfMessages"] == "0"


QUEUES = LocalQueues("in", "out", "tel", "hooks.fifo", "reports")


def local_config(tmp_path: Path) -> LocalConfig:
    return LocalConfig(
        local_dir=tmp_path,
        api_port=8181,
        aws_port=4566,
        dns_port=8053,
        smtp_port=2525,
        verifier_seconds=60,
        dispatcher_seconds=5,
        webhook_sweep_seconds=1,
        quickstart=False,
        region="us-east-1",
    )


def test_the_functions_find_the_webhook_queues_key_file_and_api_address(tmp_path: Path) -> None:
    env = function_environment(
        local_config(tmp_path), "postgresql://x", "http://aws", "dns", QUEUES
    )
    settings = Settings(**{k.lower(): v for k, v in env.items() if k != "AWS_REGION"})

    assert settings.webhook_queue_url == "hooks.fifo"
    assert settings.webhook_reports_queue_url == "reports"
    assert settings.webhook_key_file == str(tmp_path / "webhook-secrets.key")
    assert settings.webhook_kms_key_id is None
    assert settings.webhook_allow_private is True
    assert settings.api_base_url == "http://127.0.0.1:8181"


def test_the_sweep_runs_every_second_unless_told(monkeypatch: Any) -> None:
    monkeypatch.delenv("MAILMAN_WEBHOOK_SWEEP_SECONDS", raising=False)
    assert LocalConfig.from_env().webhook_sweep_seconds == 1.0

    monkeypatch.setenv("MAILMAN_WEBHOOK_SWEEP_SECONDS", "0.25")
    assert LocalConfig.from_env().webhook_sweep_seconds == 0.25


def test_the_api_answers_the_dev_stages_browser_origins_unless_told(monkeypatch: Any) -> None:
    """`make dev` allows what the dev stage deploys with (cdk.json's `cors_origins`)."""
    monkeypatch.delenv("CORS_ORIGINS", raising=False)
    stages = json.loads((Path(__file__).parents[2] / "cdk.json").read_text())["context"]["mailman"]
    config = LocalConfig.from_env()
    env = function_environment(config, "postgresql://x", "http://aws", "dns", QUEUES)
    assert env["CORS_ORIGINS"] == ",".join(stages["dev"]["cors_origins"]) != ""

    monkeypatch.setenv("CORS_ORIGINS", "https://app.example,https://admin.example")
    assert LocalConfig.from_env().cors_origins == "https://app.example,https://admin.example"


def test_the_pump_tells_the_dispatcher_its_time_as_long_as_its_batch_stays_hidden(
    bare_aws: BareAws,
) -> None:
    url = create_work_queue(bare_aws.sqs, WEBHOOK_QUEUE, WEBHOOK_VISIBILITY_SECONDS)
    send(bare_aws.sqs, url, "a1", "a")
    left: list[int] = []

    def dispatcher(event: dict[str, Any], context: Any) -> dict[str, Any]:
        left.append(context.get_remaining_time_in_millis())
        return {"batchItemFailures": []}

    pump = SqsPump(
        bare_aws.sqs,
        url,
        dispatcher,
        "mailman-webhooks",
        timeout_seconds=WEBHOOK_DISPATCHER_SECONDS,
    )
    pump.poll_once()

    [remaining] = left
    assert WEBHOOK_DISPATCHER_SECONDS <= WEBHOOK_VISIBILITY_SECONDS
    assert (WEBHOOK_DISPATCHER_SECONDS - 5) * 1000 < remaining <= WEBHOOK_DISPATCHER_SECONDS * 1000
    assert remaining > 30_000  # more than the context's default
