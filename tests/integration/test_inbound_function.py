"""The inbound Lambda handler driven by SQS events carrying SES notifications via SNS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from functions.inbound import handler as inbound
from local.apigw import LambdaContext
from mailman.composition import Container

from ..mail import make_mail
from .conftest import function_container
from .inbound_records import inbound_record
from .mail_helpers import MailSink, rows


@pytest.fixture
def inbound_env(
    mailbox: MailSink, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    with function_container(inbound.container, database_url, monkeypatch):
        yield


def _invoke(*records: dict[str, Any]) -> dict[str, Any]:
    return dict(inbound.handler({"Records": list(records)}, LambdaContext("mailman-inbound")))


@pytest.mark.usefixtures("inbound_env")
def test_a_notification_becomes_a_stored_message(mailbox: MailSink) -> None:
    result = _invoke(inbound_record("ses-a", make_mail(), ["support@example.com"]))

    assert result == {"batchItemFailures": []}
    assert rows(mailbox, "SELECT source, source_id FROM messages") == [("ses", "ses-a")]


@pytest.mark.usefixtures("inbound_env", "poison")
def test_a_message_the_database_refuses_fails_alone(mailbox: MailSink) -> None:
    good = inbound_record("ses-good", make_mail(), ["support@example.com"])
    bad = inbound_record(
        "ses-bad", make_mail(message_id="<bad@x>", subject="poison"), ["support@example.com"]
    )
    later = inbound_record(
        "ses-later", make_mail(message_id="<later@x>", subject="Later"), ["support@example.com"]
    )

    result = _invoke(good, bad, later)

    assert result == {"batchItemFailures": [{"itemIdentifier": "sqs-ses-bad"}]}
    stored = rows(mailbox, "SELECT source_id FROM messages ORDER BY source_id")
    assert stored == [("ses-good",), ("ses-later",)]


@pytest.mark.usefixtures("inbound_env")
def test_only_the_failing_record_is_reported_for_retry(mailbox: MailSink) -> None:
    good = inbound_record("ses-good", make_mail(), ["support@example.com"])
    missing = inbound_record("ses-missing", None, ["support@example.com"])

    result = _invoke(good, missing)

    assert result == {"batchItemFailures": [{"itemIdentifier": "sqs-ses-missing"}]}
    assert rows(mailbox, "SELECT source_id FROM messages") == [("ses-good",)]


@pytest.mark.usefixtures("inbound_env")
def test_a_redelivered_record_stores_nothing_more(mailbox: MailSink, container: Container) -> None:
    record = inbound_record("ses-twice", make_mail(), ["support@example.com"])

    _invoke(record)
    _invoke(record)

    assert rows(mailbox, "SELECT count(*) FROM messages") == [(1,)]
    assert rows(mailbox, "SELECT count(*) FROM events WHERE type = 'message.received'") == [(1,)]
