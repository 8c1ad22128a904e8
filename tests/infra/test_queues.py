"""Every work queue: a dead-letter queue, a redrive policy, a visibility timeout of six times
its consumer's timeout, encryption, TLS only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mailman.services.sending import CONFIRMATION_WINDOW
from stacks.queues import WorkQueue

from .support import Synthesised

QUEUES = ["inbound", "outbound", "telemetry", "webhooks", "webhook_reports"]


def work_queue(synthesised: Synthesised, name: str) -> WorkQueue:
    found: WorkQueue = getattr(synthesised.stack.queues, name)
    return found


def policy_statements(synthesised: Synthesised, queue_logical_id: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in synthesised.resources("AWS::SQS::QueuePolicy").values()
        if {"Ref": queue_logical_id} in policy["Properties"]["Queues"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_there_are_five_work_queues(synthesised: Synthesised) -> None:
    names = [w.name for w in synthesised.stack.queues.all]

    assert names == ["Inbound", "Outbound", "Telemetry", "Webhooks", "WebhookReports"]


@pytest.mark.parametrize("name", QUEUES)
def test_queue_redrives_to_its_dead_letter_queue(synthesised: Synthesised, name: str) -> None:
    work = work_queue(synthesised, name)

    props = synthesised.properties(work.queue)

    assert props["RedrivePolicy"] == {
        "deadLetterTargetArn": {
            "Fn::GetAtt": [synthesised.logical_id(work.dead_letter_queue), "Arn"]
        },
        "maxReceiveCount": work.consumer.max_receive_count,
    }


@pytest.mark.parametrize("name", QUEUES)
def test_queue_visibility_is_six_times_its_consumer_timeout(
    synthesised: Synthesised, name: str
) -> None:
    work = work_queue(synthesised, name)
    configured = getattr(synthesised.settings.queues, name)

    props = synthesised.properties(work.queue)

    assert props["VisibilityTimeout"] == 6 * configured.timeout_seconds


@pytest.mark.parametrize("name", QUEUES)
def test_queue_and_its_dead_letter_queue_are_encrypted(synthesised: Synthesised, name: str) -> None:
    work = work_queue(synthesised, name)

    for queue in (work.queue, work.dead_letter_queue):
        assert synthesised.properties(queue)["SqsManagedSseEnabled"] is True


@pytest.mark.parametrize("name", QUEUES)
def test_queue_and_its_dead_letter_queue_refuse_plain_http(
    synthesised: Synthesised, name: str
) -> None:
    work = work_queue(synthesised, name)

    for queue in (work.queue, work.dead_letter_queue):
        statements = policy_statements(synthesised, synthesised.logical_id(queue))
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        )


def test_dead_letter_queues_keep_messages_fourteen_days(synthesised: Synthesised) -> None:
    retention = [
        synthesised.properties(w.dead_letter_queue)["MessageRetentionPeriod"]
        for w in synthesised.stack.queues.all
    ]

    assert retention == [14 * 24 * 3600] * len(QUEUES)


def test_webhooks_queue_and_its_dead_letter_queue_are_fifo(synthesised: Synthesised) -> None:
    webhooks = synthesised.stack.queues.webhooks

    queue = synthesised.properties(webhooks.queue)
    dead_letters = synthesised.properties(webhooks.dead_letter_queue)

    assert queue["FifoQueue"] is True
    assert queue["ContentBasedDeduplication"] is False
    assert queue["DeduplicationScope"] == "messageGroup"
    assert queue["FifoThroughputLimit"] == "perMessageGroupId"
    assert dead_letters["FifoQueue"] is True


@pytest.mark.parametrize("name", ["inbound", "outbound", "telemetry", "webhook_reports"])
def test_other_queues_are_standard(synthesised: Synthesised, name: str) -> None:
    work = work_queue(synthesised, name)

    for queue in (work.queue, work.dead_letter_queue):
        assert "FifoQueue" not in synthesised.properties(queue)


def test_telemetry_messages_outlast_the_confirmation_window_before_the_dead_letter_queue(
    synthesised: Synthesised,
) -> None:
    telemetry = work_queue(synthesised, "telemetry")

    patience = telemetry.consumer.max_receive_count * telemetry.consumer.visibility_timeout_seconds

    assert timedelta(seconds=patience) > CONFIRMATION_WINDOW
