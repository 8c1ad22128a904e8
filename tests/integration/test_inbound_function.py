"""The inbound Lambda handler driven by SQS events carrying SES notifications via SNS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from functions.inbound import handler as inbound
from local.apigw import LambdaContext
from local.ses_inbound import received_notification, sns_envelope
from mailman.composition import Container

from ..mail import make_mail
from .conftest import BUCKET, function_container
from .mail_helpers import MailSink, rows

TOPIC = "arn:aws:sns:us-east-1:000000000000:mailman-inbound"


@pytest.fixture
def inbound_env(
    mailbox: MailSink, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    with function_container(inbound.container, database_url, monkeypatch):
        yield


def _record(ses_id: str, raw: bytes | None, recipients: list[str]) -> dict[str, Any]:
    key = f"raw/{ses_id}"
    if raw is not None:
        boto3.client("s3", region_name="us-east-1").put_object(Bucket=BUCKET, Key=key, Body=raw)
    notification = received_notification(
        message_id=ses_id,
        source="alice@elsewhere.example",
        recipients=recipients,
        headers=[],
        bucket=BUCKET,
        object_key=key,
        topic_arn=TOPIC,
    )
    return {
        "messageId": f"sqs-{ses_id}",
        "receiptHandle": "handle",
        "body": sns_envelope(notification, TOPIC),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:mailman-inbound",
        "awsRegion": "us-east-1",
    }


def _invoke(*records: dict[str, Any]) -> dict[str, Any]:
    return dict(inbound.handler({"Records": list(records)}, LambdaContext("mailman-inbound")))


@pytest.mark.usefixtures("inbound_env")
def test_a_notification_becomes_a_stored_message(mailbox: MailSink) -> None:
    result = _invoke(_record("ses-a", make_mail(), ["support@example.com"]))

    assert result == {"batchItemFailures": []}
    assert rows(mailbox, "SELECT source, source_id FROM messages") == [("ses", "ses-a")]


@pytest.mark.usefixtures("inbound_env", "poison")
def test_a_message_the_database_refuses_fails_alone(mailbox: MailSink) -> None:
    good = _record("ses-good", make_mail(), ["support@example.com"])
    bad = _record(
        "ses-bad", make_mail(message_id="<bad@x>", subject="poison"), ["support@example.com"]
    )
    later = _record(
        "ses-later", make_mail(message_id="<later@x>", subject="Later"), ["support@example.com"]
    )

    result = _invoke(good, bad, later)

    assert result == {"batchItemFailures": [{"itemIdentifier": "sqs-ses-bad"}]}
    stored = rows(mailbox, "SELECT source_id FROM messages ORDER BY source_id")
    assert stored == [("ses-good",), ("ses-later",)]


@pytest.mark.usefixtures("inbound_env")
def test_only_the_failing_record_is_reported_for_retry(mailbox: MailSink) -> None:
    good = _record("ses-good", make_mail(), ["support@example.com"])
    missing = _record("ses-missing", None, ["support@example.com"])

    result = _invoke(good, missing)

    assert result == {"batchItemFailures": [{"itemIdentifier": "sqs-ses-missing"}]}
    assert rows(mailbox, "SELECT source_id FROM messages") == [("ses-good",)]


@pytest.mark.usefixtures("inbound_env")
def test_a_redelivered_record_stores_nothing_more(mailbox: MailSink, container: Container) -> None:
    record = _record("ses-twice", make_mail(), ["support@example.com"])

    _invoke(record)
    _invoke(record)

    assert rows(mailbox, "SELECT count(*) FROM messages") == [(1,)]
    assert rows(mailbox, "SELECT count(*) FROM events WHERE type = 'message.received'") == [(1,)]
