"""SES sending played locally (`local.ses_outbound`): what the post office does with a
message moto's SES took, against moto's S3 and SQS."""

from __future__ import annotations

import json
from dataclasses import dataclass
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from local.ses_outbound import Handed, PostOffice
from local.smtp_receiver import SesInbound

from .conftest import BareAws

TOPIC = "arn:aws:sns:us-east-1:000000000000:mailman-events"
RAW = (
    b"From: Alice <alice@mailman.test>\r\nTo: many\r\nSubject: Hi\r\n"
    b"Message-ID: <ours@mailman.test>\r\n\r\nHello\r\n"
)


@dataclass(frozen=True)
class Office:
    office: PostOffice
    sqs: Any
    s3: Any
    telemetry: str
    inbound: str
    outbox: Path

    def bodies(self, queue: str) -> list[dict[str, Any]]:
        found = []
        while got := self.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for m in got:
                found.append(json.loads(json.loads(m["Body"])["Message"]))
                self.sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        return found


@pytest.fixture
def office(tmp_path: Path, bare_aws: BareAws) -> Office:
    s3, sqs = bare_aws.s3, bare_aws.sqs
    telemetry = sqs.create_queue(QueueName="telemetry")["QueueUrl"]
    inbound = sqs.create_queue(QueueName="inbound")["QueueUrl"]
    post = PostOffice(
        sqs=sqs,
        telemetry_queue=telemetry,
        topic_arn=TOPIC,
        inbound=SesInbound(s3, sqs, bare_aws.bucket, inbound, "arn:aws:sns:us-east-1:0:in"),
        local_domains=lambda: ["mailman.test"],
        outbox=tmp_path / "outbox",
        region="us-east-1",
    )
    return Office(post, sqs, s3, telemetry, inbound, tmp_path / "outbox")


def _recipient(event: dict[str, Any]) -> str:
    if event["eventType"] == "Delivery":
        return str(event["delivery"]["recipients"][0])
    if event["eventType"] == "Bounce":
        return str(event["bounce"]["bouncedRecipients"][0]["emailAddress"])
    return str(event["complaint"]["complainedRecipients"][0]["emailAddress"])


def test_each_recipient_gets_the_event_ses_would_publish(office: Office) -> None:
    simulator = [
        f"{name}@simulator.amazonses.com"
        for name in ("success", "bounce", "complaint", "ooto", "suppressionlist")
    ]

    office.office.handle(
        Handed("ses-1", "alice@mailman.test", tuple(simulator), {"mailman_message_id": "m"}, RAW)
    )

    events = office.bodies(office.telemetry)
    assert events[0]["eventType"] == "Send"
    assert events[0]["mail"]["tags"] == {"mailman_message_id": ["m"]}
    outcomes = {_recipient(e): e["eventType"] for e in events[1:]}
    assert outcomes == dict(
        zip(simulator, ["Delivery", "Bounce", "Complaint", "Delivery", "Bounce"], strict=True)
    )
    bounces = {
        e["bounce"]["bouncedRecipients"][0]["emailAddress"]: e["bounce"]["bounceSubType"]
        for e in events
        if e["eventType"] == "Bounce"
    }
    assert bounces == {simulator[1]: "General", simulator[4]: "OnAccountSuppressionList"}


def test_local_mail_comes_in_with_the_id_ses_gives_it_and_all_lands_in_the_outbox(
    office: Office,
) -> None:
    office.office.handle(
        Handed("ses-2", "alice@mailman.test", ("bob@mailman.test", "x@elsewhere.example"), {}, RAW)
    )

    [notification] = office.bodies(office.inbound)
    assert notification["receipt"]["recipients"] == ["bob@mailman.test"]
    stored = office.s3.get_object(
        Bucket="mail", Key=notification["receipt"]["action"]["objectKey"]
    )["Body"].read()
    assert message_from_bytes(stored)["Message-ID"] == "<ses-2@us-east-1.amazonses.com>"
    [kept] = office.outbox.glob("*-ses-2.eml")
    assert kept.read_bytes() == stored
