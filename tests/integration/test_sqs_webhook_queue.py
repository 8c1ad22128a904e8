"""`SqsWebhookQueue` against moto's SQS: FIFO groups, deduplication by claim, batches of
ten and of at most 256 KiB, bodies in ASCII whatever they hold (SQS refuses U+FFFF, which
moto does not check: `SqsRules` does, in front of it), and the queue's refusals as
`DeliveryError`, counted, past which the other batches still go."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from unittest import mock
from uuid import uuid4

import pytest
from botocore.exceptions import ClientError

from mailman.adapters.sqs import SqsWebhookQueue
from mailman.domain.errors import DeliveryError, NotQueued
from mailman.domain.events import Event
from mailman.domain.webhook_bodies import MessageSnapshot, render_body
from mailman.domain.webhook_work import WebhookWork

from .conftest import BareAws


def _work(group: str, n: int, body: str | None = None) -> WebhookWork:
    return WebhookWork(
        delivery_id=uuid4(),
        organization_id=uuid4(),
        endpoint_id=uuid4(),
        lease=uuid4(),
        lease_expires_at=datetime(2100, 1, 1, tzinfo=UTC),
        webhook_id=str(uuid4()),
        url="https://hooks.example.test/in",
        secrets=["c2VhbGVk"],
        body=body if body is not None else json.dumps({"n": n}),
        trigger="automatic",
        group=group,
    )


def _fifo(aws: BareAws) -> str:
    created = aws.sqs.create_queue(
        QueueName="webhooks.fifo",
        Attributes={"FifoQueue": "true", "MaximumMessageSize": str(SQS_LIMIT)},
    )
    return str(created["QueueUrl"])


SQS_LIMIT = 256 * 1024
SQS_CHARACTERS = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
"""What SQS takes in a message body (its documentation's list of characters)."""


class SqsRules:
    """SQS's limits in front of moto's client, which checks none of them: ten messages a
    batch, 256 KiB in all and each, only the characters SQS takes. Keeps every batch."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.batches: list[list[dict[str, str]]] = []

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> Any:
        self.batches.append(Entries)
        sizes = [len(e["MessageBody"].encode()) for e in Entries]
        if len(Entries) > 10 or sum(sizes) > SQS_LIMIT:
            raise ClientError(
                {"Error": {"Code": "BatchRequestTooLong", "Message": "too long"}},
                "SendMessageBatch",
            )
        for entry in Entries:
            assert SQS_CHARACTERS.fullmatch(entry["MessageBody"]), "SQS refuses the body"
        return self._client.send_message_batch(QueueUrl=QueueUrl, Entries=Entries)


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


def test_work_travels_as_ascii_json_whatever_its_body_holds(bare_aws: BareAws) -> None:
    url = _fifo(bare_aws)
    rules = SqsRules(bare_aws.sqs)
    body = json.dumps(
        {"subject": "Re: \uffff\ufffe \u4e2d\u6587 \U0001f600 \x00"}, ensure_ascii=False
    )
    work = _work("g", 0, body)

    SqsWebhookQueue(rules, url).send([work])

    [message] = _received(bare_aws, url)
    assert message["Body"].isascii()
    assert WebhookWork.model_validate_json(message["Body"]) == work


def test_a_message_of_30000_cjk_characters_and_a_subject_with_u_ffff_is_queued(
    bare_aws: BareAws,
) -> None:
    url = _fifo(bare_aws)
    rules = SqsRules(bare_aws.sqs)
    event = Event(
        seq=1,
        id=uuid4(),
        type="message.received",
        subject_id=uuid4(),
        payload={"message_id": str(uuid4()), "note": "\u4e2d" * 30_000},
        created_at=datetime.now(UTC),
    )
    snapshot = MessageSnapshot(
        id=uuid4(),
        thread_id=None,
        inbox_id=uuid4(),
        direction="inbound",
        from_address="jane@customer.example",
        from_name="\u5f20\u4e09",
        subject="Order \uffff 1234",
        preview="\u4e2d" * 200,
        extracted_text="\u6587" * 30_000,
        verdicts={},
        status=None,
        recipients=(),
    )
    body = render_body(event, snapshot, api_base_url="https://api.example.test")
    work = [_work("g", n, body) for n in range(3)]

    SqsWebhookQueue(rules, url).send(work)

    messages = _received(bare_aws, url)
    assert [WebhookWork.model_validate_json(m["Body"]) for m in messages] == work
    assert "Order \uffff 1234" in work[0].body
    assert all(len(m["Body"]) < SQS_LIMIT for m in messages)


def test_batches_are_packed_to_256_kib_and_ten_messages_in_order(bare_aws: BareAws) -> None:
    url = _fifo(bare_aws)
    rules = SqsRules(bare_aws.sqs)
    large = [_work("g", n, json.dumps({"n": n, "pad": "x" * 100_000})) for n in range(5)]
    small = [_work("g", n) for n in range(5, 27)]

    SqsWebhookQueue(rules, url).send(large + small)

    sent = [WebhookWork.model_validate_json(e["MessageBody"]) for b in rules.batches for e in b]
    assert sent == large + small
    assert [len(b) for b in rules.batches] == [2, 2, 10, 10, 3]
    assert all(sum(len(e["MessageBody"]) for e in b) <= SQS_LIMIT for b in rules.batches)
    assert [WebhookWork.model_validate_json(m["Body"]) for m in _received(bare_aws, url)] == (
        large + small
    )


def test_the_batches_after_a_failed_one_are_sent_and_the_failures_counted() -> None:
    client = mock.Mock()
    client.send_message_batch.side_effect = [
        ClientError(
            {"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "SendMessageBatch"
        ),
        {"Successful": [], "Failed": [{"Id": "3", "Code": "InternalError", "SenderFault": False}]},
        {"Successful": [{"Id": "0"}]},
    ]
    work = [_work("g", n) for n in range(21)]

    with pytest.raises(NotQueued) as refused:
        SqsWebhookQueue(client, "url").send(work)

    assert client.send_message_batch.call_count == 3
    assert (refused.value.failed, refused.value.queued) == (11, 10)
    assert "11 of 21" in refused.value.message
    assert "ServiceUnavailable" in refused.value.message
    assert refused.value.transient
