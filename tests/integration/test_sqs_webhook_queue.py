"""`SqsWebhookQueue` against moto's SQS: FIFO groups, deduplication by claim, batches of
ten, and the queue's refusals as `DeliveryError`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from unittest import mock
from uuid import uuid4

import pytest
from botocore.exceptions import ClientError

from mailman.adapters.sqs import SqsWebhookQueue
from mailman.domain.errors import DeliveryError
from mailman.domain.webhooks import WebhookWork

from .conftest import BareAws


def _work(group: str, n: int) -> WebhookWork:
    return WebhookWork(
        delivery_id=uuid4(),
        organization_id=uuid4(),
        endpoint_id=uuid4(),
        lease=uuid4(),
        lease_expires_at=datetime(2100, 1, 1, tzinfo=UTC),
        webhook_id=str(uuid4()),
        url="https://hooks.example.test/in",
        secrets=["c2VhbGVk"],
        body=json.dumps({"n": n}),
        trigger="automatic",
        group=group,
    )


def _fifo(aws: BareAws) -> str:
    created = aws.sqs.create_queue(QueueName="webhooks.fifo", Attributes={"FifoQueue": "true"})
    return str(created["QueueUrl"])


def _received(aws: BareAws, url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        answer = aws.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]
        )
        messages = answer.get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(message)
            aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_work_is_queued_in_order_in_its_group_deduplicated_by_its_claim(
    bare_aws: BareAws,
) -> None:
    url = _fifo(bare_aws)
    queue = SqsWebhookQueue(bare_aws.sqs, url)
    work = [_work("endpoint:thread", n) for n in range(23)]

    queue.send(work)
    queue.send(work[:3])

    messages = _received(bare_aws, url)
    assert [WebhookWork.model_validate_json(m["Body"]) for m in messages] == work
    assert {m["Attributes"]["MessageGroupId"] for m in messages} == {"endpoint:thread"}
    first = messages[0]["Attributes"]["MessageDeduplicationId"]
    assert first == f"{work[0].delivery_id}:{work[0].lease}"


def test_a_queue_that_refuses_is_a_delivery_error(bare_aws: BareAws) -> None:
    queue = SqsWebhookQueue(bare_aws.sqs, _fifo(bare_aws) + "-missing")

    with pytest.raises(DeliveryError):
        queue.send([_work("g", 0)])


def test_a_batch_with_failed_entries_is_a_delivery_error() -> None:
    client = mock.Mock()
    client.send_message_batch.return_value = {
        "Successful": [],
        "Failed": [{"Id": "0", "Code": "InternalError", "SenderFault": False}],
    }

    with pytest.raises(DeliveryError, match="InternalError"):
        SqsWebhookQueue(client, "url").send([_work("g", 0)])


def test_an_sdk_failure_is_a_transient_delivery_error() -> None:
    client = mock.Mock()
    client.send_message_batch.side_effect = ClientError(
        {"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "SendMessageBatch"
    )

    with pytest.raises(DeliveryError) as raised:
        SqsWebhookQueue(client, "url").send([_work("g", 0)])
    assert raised.value.transient
