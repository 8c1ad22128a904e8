"""Sending helpers shared by the integration tests: a domain verified for sending, the
outbound queue, and the outbound, dispatcher and telemetry functions driven as AWS drives
them (SQS batches, the scheduled event), with SES's notifications built from its samples."""

from __future__ import annotations

import copy
import email
import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import psycopg
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from functions.dispatcher import handler as dispatcher
from functions.outbound import handler as outbound
from functions.telemetry import handler as telemetry
from local.apigw import LambdaContext
from local.sqs_pump import sqs_event
from mailman.services.sending import TAG_MESSAGE, TAG_ORGANIZATION

from .conftest import BUCKET, Tenant, function_container
from .mail_helpers import MailSink

QUEUE = "mailman-outbound"

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "ses-events"
"""AWS's own samples of SES's notifications, beside the repository (never copied into it)."""


@cache
def _sample(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SAMPLES / name).read_text())
    return loaded


def _at(minutes: float) -> str:
    moment = datetime.now(UTC) + timedelta(minutes=minutes)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ses_notification(
    sample: str,
    ses_id: str,
    to: list[str],
    *,
    tags: tuple[str, str] | None = None,
    minutes: float = 0,
    **own: Any,
) -> dict[str, Any]:
    """`sample` about the mail SES knows as `ses_id`, naming `to` (its bounced, complained,
    delivered or delayed recipients as the kind has them), at now plus `minutes`, with our
    tags (message, organisation) unless it is an identity notification; `own` replaces
    fields of the event's own object."""
    found = copy.deepcopy(_sample(sample))
    mail = found["mail"]
    mail.update(messageId=ses_id, destination=to, timestamp=_at(minutes))
    if tags is not None:
        mail["tags"] = {**mail.get("tags", {}), TAG_MESSAGE: [tags[0]], TAG_ORGANIZATION: [tags[1]]}
    key = next(k for k in found if k not in {"mail", "eventType", "notificationType"})
    body = found[key]
    if key != "send":  # a Send has no time of its own: the mail's is its
        mail["timestamp"] = _at(minutes - 1)
        body["timestamp"] = _at(minutes)
    for named in ("bouncedRecipients", "complainedRecipients", "delayedRecipients"):
        if named in body:
            body[named] = [{**body[named][0], "emailAddress": address} for address in to]
    if "recipients" in body:
        body["recipients"] = to
    body.update(own)
    return found


def verify_for_sending(database_url: str, domain: str = "example.com") -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE domains SET dkim_verified = true, ses_dkim_status = 'SUCCESS', "
            "from_name = 'Example Support' WHERE name = %s",
            [domain],
        )


def sent_mail() -> list[Any]:
    """What moto's SES took, oldest first."""
    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def parsed(raw: str) -> Message:
    return email.message_from_string(raw)


@dataclass
class OutboundPipeline:
    """The outbound queue and the functions that work it."""

    box: MailSink
    tenant: Tenant
    queue_url: str
    backing_off: list[str] = field(default_factory=list)

    @property
    def sqs(self) -> Any:
        return boto3.client("sqs", region_name="us-east-1")

    def jobs(self) -> list[dict[str, Any]]:
        """Take every message waiting on the queue (they are not deleted: run them or not)."""
        found: list[dict[str, Any]] = []
        while True:
            got = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=10,
                AttributeNames=["All"],
                VisibilityTimeout=0,
            ).get("Messages", [])
            new = [m for m in got if m["MessageId"] not in {f["MessageId"] for f in found}]
            if not new:
                return found
            found.extend(new)

    def run(self) -> dict[str, Any]:
        """Hand every queued job to the outbound function, as one SQS batch; delete the ones
        it did not report failed (as the event source does)."""
        messages = self.jobs()
        if not messages:
            return {"batchItemFailures": []}
        arn = f"arn:aws:sqs:us-east-1:{DEFAULT_ACCOUNT_ID}:{QUEUE}"
        result: dict[str, Any] = outbound.handler(
            sqs_event(messages, arn, "us-east-1"), LambdaContext("mailman-outbound")
        )
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        for m in messages:
            if m["MessageId"] in failed:
                self.backing_off.append(m["ReceiptHandle"])
            else:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return result

    def wait_out_backoff(self) -> None:
        """Let the records the function failed come back now rather than after its backoff."""
        for handle in self.backing_off:
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=handle, VisibilityTimeout=0
            )
        self.backing_off.clear()

    def dispatch(self) -> dict[str, Any]:
        result: dict[str, Any] = dispatcher.handler(
            {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}},
            LambdaContext("mailman-dispatcher"),
        )
        return result

    def telemetry(self, ses_event: dict[str, Any]) -> dict[str, Any]:
        """Hand the telemetry function one SES notification, as SNS puts it on the queue."""
        return self.telemetry_body(
            json.dumps({"Type": "Notification", "Message": json.dumps(ses_event)})
        )

    def telemetry_body(self, body: str) -> dict[str, Any]:
        """Hand the telemetry function one SQS record with this body (its id: `t-1`)."""
        return self.telemetry_bodies([body])

    def telemetry_batch(self, ses_events: list[dict[str, Any]]) -> dict[str, Any]:
        """Hand the telemetry function SES notifications in one SQS batch (`t-1`, ...)."""
        return self.telemetry_bodies(
            [json.dumps({"Type": "Notification", "Message": json.dumps(e)}) for e in ses_events]
        )

    def telemetry_bodies(self, bodies: list[str]) -> dict[str, Any]:
        """Hand the telemetry function one SQS batch of records with these bodies, their ids
        `t-1`, `t-2`, ..."""
        messages = [
            {
                "MessageId": f"t-{n}",
                "ReceiptHandle": f"r-{n}",
                "Body": body,
                "MD5OfBody": "",
                "Attributes": {"ApproximateReceiveCount": "1"},
            }
            for n, body in enumerate(bodies, 1)
        ]
        arn = f"arn:aws:sqs:us-east-1:{DEFAULT_ACCOUNT_ID}:mailman-telemetry"
        result: dict[str, Any] = telemetry.handler(
            sqs_event(messages, arn, "us-east-1"), LambdaContext("mailman-telemetry")
        )
        return result

    def status(self, message_id: str) -> str:
        found = self.tenant.api.get(f"/messages/{message_id}").json()
        return str(found["status"])

    def upload(self, filename: str, content: bytes) -> dict[str, Any]:
        """`POST /attachments`, then the PUT its URL asks for (straight to moto's S3)."""
        created = self.tenant.api.post("/attachments", {"filename": filename})
        assert created.status == 201, created.json()
        upload: dict[str, Any] = created.json()
        key = urlsplit(upload["upload_url"]).path.lstrip("/").removeprefix(f"{BUCKET}/")
        boto3.client("s3", region_name="us-east-1").put_object(
            Bucket=BUCKET, Key=key, Body=content, ContentType=upload["content_type"]
        )
        return upload

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.box.database_url) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture
def outbox(
    mailbox: MailSink, tenant: Tenant, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[OutboundPipeline]:
    verify_for_sending(database_url)
    queue_url = boto3.client("sqs", region_name="us-east-1").create_queue(QueueName=QUEUE)[
        "QueueUrl"
    ]
    monkeypatch.setenv("OUTBOUND_QUEUE_URL", queue_url)
    from functions.api import dependencies

    with ExitStack() as stack:
        for cached in (
            dependencies.container,
            outbound.container,
            dispatcher.container,
            telemetry.container,
        ):
            stack.enter_context(function_container(cached, database_url, monkeypatch))
        yield OutboundPipeline(mailbox, tenant, queue_url)
