"""SES sending played locally (`local.ses_outbound`): what the post office does with a
message moto's SES took, against moto's S3 and SQS; the events it publishes are read by the
telemetry function's own reader."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from email import message_from_bytes
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from functions.telemetry.notifications import read_notification
from local.ses_outbound import Handed, PostOffice
from local.smtp_receiver import SesInbound
from mailman.domain.delivery import BounceType, SesEvent, SesEventType
from mailman.services.sending import TAG_MESSAGE, TAG_ORGANIZATION

from .conftest import BareAws

T = SesEventType
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

    def raw(self, queue: str) -> list[dict[str, Any]]:
        """The SNS envelopes on `queue`, taken off it."""
        found = []
        while got := self.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for m in got:
                found.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        return found

    def bodies(self, queue: str) -> list[dict[str, Any]]:
        return [json.loads(envelope["Message"]) for envelope in self.raw(queue)]

    def events(self) -> list[SesEvent]:
        """The telemetry queue's events, read as the telemetry function reads them."""
        read = [read_notification(json.dumps(e)) for e in self.raw(self.telemetry)]
        assert None not in read
        return [e for e in read if e is not None]


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


SIMULATOR = "simulator.amazonses.com"
MESSAGE, ORGANIZATION = uuid4(), uuid4()
TAGS = {TAG_MESSAGE: str(MESSAGE), TAG_ORGANIZATION: str(ORGANIZATION)}


def _outcomes(events: list[SesEvent]) -> dict[str, list[tuple[object, ...]]]:
    """Per recipient, what each event after the Send said of it, in order."""
    found: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    for event in events[1:]:
        for r in event.recipients:
            found[r.address].append((event.type, r.bounce_type, r.bounce_sub_type, r.action))
    return dict(found)


def test_each_simulator_address_gets_the_events_ses_would_publish(office: Office) -> None:
    simulator = [
        f"{name}@{SIMULATOR}"
        for name in ("success", "bounce", "complaint", "ooto", "suppressionlist")
    ]

    office.office.handle(Handed("ses-1", "alice@mailman.test", tuple(simulator), TAGS, RAW))

    events = office.events()
    send = events[0]
    assert (send.type, send.message_pk, send.organization_id) == (T.SEND, MESSAGE, ORGANIZATION)
    assert [r.address for r in send.recipients] == simulator
    assert {e.ses_message_id for e in events} == {"ses-1"}
    assert {(e.message_pk, e.organization_id) for e in events} == {(MESSAGE, ORGANIZATION)}
    hard = (T.BOUNCE, BounceType.PERMANENT, "General", "failed")
    assert _outcomes(events) == {
        simulator[0]: [(T.DELIVERY, None, None, None)],
        simulator[1]: [hard],
        simulator[2]: [(T.DELIVERY, None, None, None), (T.COMPLAINT, None, None, None)],
        simulator[3]: [
            (T.DELIVERY, None, None, None),
            (T.BOUNCE, BounceType.TRANSIENT, "General", None),
        ],
        simulator[4]: [hard],
    }


def test_the_simulators_hard_bounces_say_what_ses_says_in_one_bounce(office: Office) -> None:
    office.office.handle(
        Handed(
            "ses-3",
            "alice@mailman.test",
            (f"suppressionlist@{SIMULATOR}", f"Bounce+label-1@{SIMULATOR}"),
            TAGS,
            RAW,
        )
    )

    [send, bounce] = office.events()
    assert send.type == T.SEND
    assert bounce.type == T.BOUNCE
    listed, unknown = bounce.recipients
    assert (unknown.address, unknown.smtp_status, unknown.diagnostic_code) == (
        f"bounce+label-1@{SIMULATOR}",
        "5.1.1",
        "smtp; 550 5.1.1 user unknown",
    )
    assert listed.diagnostic_code == (
        f"smtp; 550 5.1.1 user unknown ( blacklisted address: suppressionlist@{SIMULATOR} )"
    )
    assert bounce.occurred_at >= send.occurred_at


def test_a_complaint_carries_its_feedback_type_and_no_sub_type(office: Office) -> None:
    office.office.handle(
        Handed("ses-4", "alice@mailman.test", (f"complaint@{SIMULATOR}",), {}, RAW)
    )

    complaint = office.events()[-1]
    assert complaint.type == T.COMPLAINT
    assert complaint.recipients[0].complaint_feedback_type == "abuse"
    assert complaint.details["complaintSubType"] is None
    assert complaint.source_event_id == complaint.details["feedbackId"]


def test_other_addresses_are_delivered_a_domain_at_a_time(office: Office) -> None:
    to = ("a@elsewhere.example", "b@elsewhere.example", f"success@{SIMULATOR}")

    office.office.handle(Handed("ses-5", "alice@mailman.test", to, {}, RAW))

    deliveries = [[r.address for r in e.recipients] for e in office.events()[1:]]
    assert deliveries == [["a@elsewhere.example", "b@elsewhere.example"], [f"success@{SIMULATOR}"]]


def test_events_come_in_ses_envelope_with_ses_tags_beside_the_mails(office: Office) -> None:
    office.office.handle(
        Handed("ses-6", "alice@mailman.test", (f"success@{SIMULATOR}",), TAGS, RAW, "mailman")
    )

    [body, *_] = office.raw(office.telemetry)
    assert body["Subject"] == "Amazon SES Email Event Notification"
    mail = json.loads(body["Message"])["mail"]
    assert mail["tags"] == {
        "ses:operation": ["SendEmail"],
        "ses:from-domain": ["mailman.test"],
        "ses:configuration-set": ["mailman"],
        TAG_MESSAGE: [str(MESSAGE)],
        TAG_ORGANIZATION: [str(ORGANIZATION)],
    }


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
