"""Reading what SES publishes (`functions.telemetry.notifications`): every sample SES
notification of `../shared/ses-events/` (read where it lies), the shapes no sample shows (our
own fixtures), ids that deduplicate, and what is refused or passed over."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from functions.telemetry.notifications import MalformedNotification, read_notification
from mailman.domain.delivery import BounceType, SesEvent, SesEventType

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "ses-events"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "events"
TOPIC = "arn:aws:sns:us-east-1:000000000000:mailman-events"

T = SesEventType
PERMANENT, TRANSIENT = BounceType.PERMANENT, BounceType.TRANSIENT
EXAMPLE_ID = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"
EXAMPLE_FEEDBACK = "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000"
RELAY_ID = "0100017e6dde5594-4912fac5-bd85-4358-98d4-7b8d8b89fc60-000000"
RELAY_FEEDBACK = "0100017e6dde5726-6164bdc9-7da9-42f7-ba58-8f4692799d89-000000"
UNKNOWN_USER = "smtp; 550 5.1.1 user unknown"
ON_ACCOUNT_LIST = "Amazon SES did not send the message to this address because it is on"
SUPPRESSED = "Amazon SES has suppressed sending to this address because it has a recent"
SIMULATOR = "simulator.amazonses.com"

OWN_OBJECT = {
    T.SEND: "send",
    T.DELIVERY: "delivery",
    T.BOUNCE: "bounce",
    T.COMPLAINT: "complaint",
    T.REJECT: "reject",
    T.DELIVERY_DELAY: "deliveryDelay",
    T.RENDERING_FAILURE: "failure",
    T.OPEN: "open",
    T.CLICK: "click",
}
"""Where SES puts each kind's own object (a Rendering Failure's is `failure`)."""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Expected:
    """What a sample says, as read from the file."""

    type: SesEventType
    message_id: str
    occurred_at: datetime
    recipients: tuple[str, ...]
    feedback_id: str | None = None
    """None: SES gives none, so the id is a digest."""
    report: Mapping[str, object] = field(default_factory=dict)
    """Fields every recipient's report has."""
    diagnostic_starts: str = ""


def _bounce(
    kind: BounceType, sub: str, action: str | None, status: str | None, diagnostic: str | None
) -> dict[str, object]:
    report: dict[str, object] = {
        "bounce_type": kind,
        "bounce_sub_type": sub,
        "action": action,
        "smtp_status": status,
    }
    return report if diagnostic is None else {**report, "diagnostic_code": diagnostic}


HARD_UNKNOWN = _bounce(PERMANENT, "General", "failed", "5.1.1", UNKNOWN_USER)
NOTHING_SAID = {"action": None, "smtp_status": None, "diagnostic_code": None}

EXPECTED: Mapping[str, Expected] = {
    "event-bounce-permanent-general-simulator.json": Expected(
        T.BOUNCE,
        "0100015f6d84a6e6-6c7dd360-d2e7-46c8-b038-514a6f037e20-000000",
        at("2017-10-30T13:42:11.941"),
        (f"bounce@{SIMULATOR}",),
        "0100015f6d84aa15-81ff6d38-6a3e-4460-9808-e353c00c8736-000000",
        HARD_UNKNOWN,
    ),
    "event-bounce-permanent-general.json": Expected(
        T.BOUNCE,
        EXAMPLE_ID,
        at("2017-08-05T00:41:02.669"),
        ("recipient@example.com",),
        EXAMPLE_FEEDBACK,
        HARD_UNKNOWN,
    ),
    "event-click.json": Expected(
        T.CLICK, EXAMPLE_ID, at("2017-08-09T23:51:25.570"), ("recipient@example.com",)
    ),
    "event-complaint-onaccountsuppressionlist-constructed.json": Expected(
        T.COMPLAINT,
        EXAMPLE_ID,
        at("2017-08-05T00:41:02.669"),
        ("recipient@example.com",),
        EXAMPLE_FEEDBACK,
        {"complaint_feedback_type": None},
    ),
    "event-complaint-with-feedback.json": Expected(
        T.COMPLAINT,
        EXAMPLE_ID,
        at("2017-08-05T00:41:02.669"),
        ("recipient@example.com",),
        EXAMPLE_FEEDBACK,
        {"complaint_feedback_type": "abuse"},
    ),
    "event-delivery.json": Expected(
        T.DELIVERY,
        EXAMPLE_ID,
        at("2016-10-19T23:21:04.133"),
        ("recipient@example.com",),
        report={"diagnostic_code": "250 2.6.0 Message received"},
    ),
    "event-deliverydelay-transientcommunicationfailure.json": Expected(
        T.DELIVERY_DELAY,
        EXAMPLE_ID,
        at("2020-06-16T00:25:40.095"),
        ("recipient@example.com",),
        report={
            "delay_type": "TransientCommunicationFailure",
            "delay_expires_at": at("2020-06-16T00:25:40.914"),
            "smtp_status": "4.4.1",
            "diagnostic_code": "smtp; 421 4.4.1 Unable to connect to remote host",
        },
    ),
    "event-open.json": Expected(
        T.OPEN, EXAMPLE_ID, at("2017-08-09T22:00:19.652"), ("recipient@example.com",)
    ),
    "event-reject.json": Expected(
        T.REJECT,
        EXAMPLE_ID,
        at("2016-10-14T17:38:15.211"),
        ("sender@example.com",),
        report={"diagnostic_code": "Bad content"},
    ),
    "event-renderingfailure.json": Expected(
        T.RENDERING_FAILURE,
        EXAMPLE_ID,
        at("2018-01-22T18:43:06.197"),
        ("recipient@example.com",),
        report={
            "diagnostic_code": "Attribute 'attributeName' is not present in the rendering data."
        },
    ),
    "event-send-captured.json": Expected(
        T.SEND,
        "0100018e77d94dc5-c421e265-f034-4575-9ecc-3ca34038e91f-000000",
        at("2024-03-25T23:01:53.733"),
        (f"success@{SIMULATOR}",),
    ),
    "event-send.json": Expected(
        T.SEND, EXAMPLE_ID, at("2016-10-14T05:02:16.645"), ("recipient@example.com",)
    ),
    "identity-bounce-permanent-general-simulator.json": Expected(
        T.BOUNCE,
        "0100018264c6505e-66ca92ab-0593-41de-8df9-38b09a02a206-000000",
        at("2022-08-03T17:34:55"),
        (f"bounce@{SIMULATOR}",),
        "0100018264c6525d-e8967b05-82f8-4575-9413-34faff769528-000000",
        HARD_UNKNOWN,
    ),
    "identity-bounce-permanent-general-suppressionlist-simulator.json": Expected(
        T.BOUNCE,
        "0100018264cb1724-66162d8a-49a7-47dc-97bf-c2ff5ece42fe-000000",
        at("2022-08-03T17:40:08"),
        (f"suppressionlist@{SIMULATOR}",),
        "0100018264cb1933-e973f0c7-a4ba-483e-b8bc-baa99e217b9f-000000",
        _bounce(
            PERMANENT,
            "General",
            "failed",
            "5.1.1",
            f"{UNKNOWN_USER} ( blacklisted address: suppressionlist@{SIMULATOR} )",
        ),
    ),
    "identity-bounce-permanent-general-with-dsn.json": Expected(
        T.BOUNCE,
        "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000",
        at("2016-01-27T14:59:38.237"),
        ("jane@example.com",),
        "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000",
        _bounce(
            PERMANENT, "General", "failed", "5.1.1", "smtp; 550 5.1.1 <jane@example.com>... User"
        ),
    ),
    "identity-bounce-permanent-general-without-dsn.json": Expected(
        T.BOUNCE,
        "00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000",
        at("2016-01-27T14:59:38.237"),
        ("jane@example.com", "richard@example.com"),
        "00000137860315fd-869464a4-8680-4114-98d3-716fe35851f9-000000",
        {"bounce_type": PERMANENT, "bounce_sub_type": "General", **NOTHING_SAID},
    ),
    "identity-bounce-permanent-onaccountsuppressionlist.json": Expected(
        T.BOUNCE,
        "1111111111111111-22222222-3333-4444-5555-666666666666-000000",
        at("2021-05-08T14:35:45"),
        ("test123123123123123@gmail.com",),
        "aaaaaaaaaaaaaaaa-bbbbbbbb-cccc-dddd-eeee-ffffffffffff-000000",
        _bounce(PERMANENT, "OnAccountSuppressionList", "failed", "5.1.1", None),
        ON_ACCOUNT_LIST,
    ),
    "identity-bounce-permanent-suppressed-2014.json": Expected(
        T.BOUNCE,
        "000001438fa3405c-0320ffd1-faa9-4b29-9305-c53432279b7c-000000",
        at("2014-01-14T07:24:37.621"),
        (f"hi@{SIMULATOR}",),
        "000001438fa3411b-eca1a734-7cec-11e3-8dd2-7bd5ede3b8f3-000000",
        _bounce(PERMANENT, "Suppressed", "failed", "5.1.1", None),
        SUPPRESSED,
    ),
    "identity-bounce-transient-general-simulator.json": Expected(
        T.BOUNCE,
        "0100018264c78eba-a9093e0f-c835-49b7-ae65-36cfc8f953e8-000000",
        at("2022-08-03T17:36:16"),
        (f"ooto@{SIMULATOR}",),
        "0100018264c790f6-4eca7ee8-dd82-4f94-8b91-3b4917f769ec-000000",
        {"bounce_type": TRANSIENT, "bounce_sub_type": "General", **NOTHING_SAID},
    ),
    "identity-complaint-simulator.json": Expected(
        T.COMPLAINT,
        "0100018264c99e08-1aae1638-c00a-4c2b-93dd-acf9752adf56-000000",
        at("2022-08-03T17:38:31"),
        (f"complaint@{SIMULATOR}",),
        "0100018264c9a044-451ca066-90ad-47ac-ae48-df21fb8a2fe8-000000",
        {"complaint_feedback_type": "abuse"},
    ),
    "identity-complaint-with-feedback.json": Expected(
        T.COMPLAINT,
        "000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000",
        at("2016-01-27T14:59:38.237"),
        ("richard@example.com",),
        "000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000",
        {"complaint_feedback_type": "abuse"},
    ),
    "identity-complaint-without-feedback.json": Expected(
        T.COMPLAINT,
        "0000013786031775-163e3910-53eb-4c8e-a04a-f29debf88a84-000000",
        at("2016-01-27T14:59:38.237"),
        ("richard@example.com",),
        "0000013786031775-fea503bc-7497-49e1-881b-a0379bb037d3-000000",
        {"complaint_feedback_type": None},
    ),
    "identity-delivery-simulator.json": Expected(
        T.DELIVERY,
        "0100018264c36c7b-ac2351f4-6f04-48b4-b7e8-6103fd770c00-000000",
        at("2022-08-03T17:31:45.690"),
        (f"success@{SIMULATOR}",),
        report={"diagnostic_code": "250 2.6.0 Message received"},
    ),
    "identity-delivery.json": Expected(
        T.DELIVERY,
        "0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000",
        at("2016-01-27T14:59:38.237"),
        ("jane@example.com",),
        report={"diagnostic_code": "250 ok:  Message 64111812 accepted"},
    ),
    "sns-envelope-event-bounce-permanent-general.json": Expected(
        T.BOUNCE,
        "0100015f6d84a6e6-6c7dd360-d2e7-46c8-b038-514a6f037e20-000000",
        at("2017-10-30T13:42:11.941"),
        (f"bounce@{SIMULATOR}",),
        "0100015f6d84aa15-81ff6d38-6a3e-4460-9808-e353c00c8736-000000",
        HARD_UNKNOWN,
    ),
    "sns-envelope-identity-bounce-permanent-onaccountsuppressionlist.json": Expected(
        T.BOUNCE,
        RELAY_ID,
        at("2022-01-18T15:46:34"),
        ("relayuser@test.com",),
        RELAY_FEEDBACK,
        _bounce(PERMANENT, "OnAccountSuppressionList", "failed", "5.1.1", None),
        ON_ACCOUNT_LIST,
    ),
    "sns-envelope-identity-bounce-permanent-suppressed.json": Expected(
        T.BOUNCE,
        "0102016498525570-510337dc-eb7d-4acf-8ac8-07ae4b0417f1-000000",
        at("2018-07-14T10:24:50.776"),
        (f"suppressionlist@{SIMULATOR}",),
        "010201649852581b-c3ef3128-b920-4dfa-aaf9-b9af96e9e0ed-000000",
        _bounce(PERMANENT, "Suppressed", "failed", "5.1.1", None),
        SUPPRESSED,
    ),
    "sns-envelope-identity-bounce-transient-contentrejected-modified.json": Expected(
        T.BOUNCE,
        RELAY_ID,
        at("2022-01-18T15:46:34"),
        ("relayuser@test.com",),
        RELAY_FEEDBACK,
        _bounce(TRANSIENT, "ContentRejected", "failed", "5.1.1", "Message considered as spam."),
    ),
    "sns-envelope-identity-bounce-transient-mailboxfull-modified.json": Expected(
        T.BOUNCE,
        RELAY_ID,
        at("2022-01-18T15:46:34"),
        ("relayuser@test.com",),
        RELAY_FEEDBACK,
        _bounce(TRANSIENT, "MailboxFull", "failed", "5.1.1", None),
        ON_ACCOUNT_LIST[:26],
    ),
}

NOT_SENDING_EVENTS = {
    "event-subscription.json": "SES's Subscription event (a contact list preference)",
    "sns-envelope-validation-message.json": "SES's test message when a topic is added",
    "sns-envelope-receipt-received-s3-action.json": "a receipt notification, not sending",
}
NOT_SES = {"sns-envelope-notification-generic.json": "SNS message is not JSON"}


def _sample_names() -> list[str]:
    prefixes = ("event-", "identity-", "sns-envelope-")
    return sorted(p.name for p in SAMPLES.glob("*.json") if p.name.startswith(prefixes))


def envelope(message: str, *, subject: str | None = None, **extra: str) -> str:
    """An SQS body as SNS writes it without raw message delivery."""
    body = {
        "Type": "Notification",
        "MessageId": str(uuid4()),
        "TopicArn": TOPIC,
        "Message": message,
        "Timestamp": datetime.now(UTC).isoformat(),
        "SignatureVersion": "1",
        "Signature": "EXAMPLE",
        **extra,
    }
    if subject is not None:
        body["Subject"] = subject
    return json.dumps(body)


def sample_body(name: str) -> str:
    """A sample as it would come off the queue: an inner message is put in an envelope,
    ending in a newline as event publishing's do and without one as identity ones."""
    text = (SAMPLES / name).read_text()
    if name.startswith("sns-"):
        return text
    if name.startswith("event-"):
        return envelope(text.rstrip("\n") + "\n", subject="Amazon SES Email Event Notification")
    return envelope(text.rstrip("\n"))


def inner(name: str) -> dict[str, Any]:
    text = (SAMPLES / name).read_text()
    message: dict[str, Any] = json.loads(
        json.loads(text)["Message"] if name.startswith("sns-") else text
    )
    return message


def read(notification: Mapping[str, object]) -> SesEvent:
    event = read_notification(envelope(json.dumps(notification)))
    assert event is not None
    return event


def test_every_sample_is_expected_to_be_read_passed_over_or_refused() -> None:
    names = set(_sample_names())

    assert len(names) >= 30
    assert names == set(EXPECTED) | set(NOT_SENDING_EVENTS) | set(NOT_SES)


@pytest.mark.parametrize("name", [n for n in _sample_names() if n in EXPECTED])
def test_each_sample_reads_as_ses_published_it(name: str) -> None:
    expected = EXPECTED[name]

    event = read_notification(sample_body(name))

    assert event is not None
    assert event.type == expected.type
    assert event.ses_message_id == expected.message_id
    assert event.occurred_at == expected.occurred_at
    assert event.occurred_at.utcoffset() == timedelta(0)
    assert tuple(r.address for r in event.recipients) == expected.recipients
    for report in event.recipients:
        assert {name: getattr(report, name) for name in expected.report} == expected.report
        assert (report.diagnostic_code or "").startswith(expected.diagnostic_starts)
    if expected.feedback_id is None:
        assert re.fullmatch(r"[0-9a-f]{64}", event.source_event_id)
    else:
        assert event.source_event_id == expected.feedback_id
    assert event.details == inner(name).get(OWN_OBJECT[expected.type], {})
    assert (event.message_pk, event.organization_id) == (None, None)


@pytest.mark.parametrize("name", [n for n in _sample_names() if n in NOT_SENDING_EVENTS])
def test_what_is_not_a_sending_event_is_passed_over(name: str) -> None:
    assert read_notification(sample_body(name)) is None


@pytest.mark.parametrize("name", [n for n in _sample_names() if n in NOT_SES])
def test_an_sns_message_that_is_not_from_ses_is_refused(name: str) -> None:
    with pytest.raises(MalformedNotification, match=NOT_SES[name]):
        read_notification(sample_body(name))


@pytest.mark.parametrize(
    "name",
    [
        "sns-subscription-confirmation.json",
        "sns-subscription-confirmation-captured.json",
        "sns-unsubscribe-confirmation.json",
    ],
)
def test_snss_own_subscription_messages_are_passed_over(name: str) -> None:
    assert read_notification((SAMPLES / name).read_text()) is None


def test_a_lambda_records_sns_object_reads_as_the_sqs_body_does() -> None:
    record = json.loads((SAMPLES / "lambda-sns-record-event-send.json").read_text())

    event = read_notification(json.dumps(record["Records"][0]["Sns"]))

    assert event is not None
    assert (event.type, event.recipients[0].address) == (T.SEND, f"success@{SIMULATOR}")


# The objects of SES's notification contents page, in a notification of their own.


def _fragment(name: str) -> dict[str, Any]:
    fragment: dict[str, Any] = json.loads((SAMPLES / f"fragment-identity-{name}.json").read_text())
    return fragment


def test_a_mail_timestamp_with_a_space_and_an_offset_without_colon_is_read() -> None:
    event = read({"eventType": "Send", "mail": _fragment("mail"), "send": {}})

    assert event.occurred_at == datetime(2018, 10, 8, 14, 5, 45, tzinfo=UTC)


def test_a_bounce_fragment_keeps_each_recipients_action_status_and_diagnostic() -> None:
    bounce = _fragment("bounce")

    event = read({"notificationType": "Bounce", "mail": _fragment("mail"), "bounce": bounce})

    failed, delayed = event.recipients
    assert (failed.address, failed.action, failed.smtp_status, failed.diagnostic_code) == (
        "recipient1@example.com",
        "failed",
        "5.0.0",
        "smtp; 550 user unknown",
    )
    assert (delayed.address, delayed.action, delayed.smtp_status, delayed.diagnostic_code) == (
        "recipient2@example.com",
        "delayed",
        "4.0.0",
        None,
    )
    assert event.occurred_at == at("2012-05-25T14:59:38.605")
    assert event.details["reportingMTA"] == "example.com"


def test_an_action_ses_capitalised_reads_in_lower_case() -> None:
    bounce = _fragment("bounce")
    bounce["bouncedRecipients"][0]["action"] = "Failed"

    event = read({"notificationType": "Bounce", "mail": _fragment("mail"), "bounce": bounce})

    assert event.recipients[0].action == "failed"


def test_a_timestamp_with_a_numeric_offset_is_read_in_utc() -> None:
    complaint = _fragment("complaint")
    complaint["timestamp"] = complaint["arrivalDate"]

    event = read(
        {"notificationType": "Complaint", "mail": _fragment("mail"), "complaint": complaint}
    )

    assert event.occurred_at == datetime(2009, 12, 3, 9, 24, 21, tzinfo=UTC)
    assert event.occurred_at.utcoffset() == timedelta(0)
    assert event.recipients[0].complaint_feedback_type == "abuse"
    assert event.source_event_id == complaint["feedbackId"]


def test_a_delivery_fragment_reads_its_recipients() -> None:
    event = read(
        {
            "notificationType": "Delivery",
            "mail": _fragment("mail"),
            "delivery": _fragment("delivery"),
        }
    )

    assert [r.address for r in event.recipients] == [f"success@{SIMULATOR}"]
    assert event.occurred_at == at("2014-05-28T22:41:01.184")


def test_a_complaints_sub_type_is_kept_absent_null_or_named() -> None:
    constructed = "event-complaint-onaccountsuppressionlist-constructed.json"
    sub_types = {
        name: read(inner(name)).details.get("complaintSubType", "absent")
        for name in (
            constructed,
            "identity-complaint-simulator.json",
            "event-complaint-with-feedback.json",
        )
    }

    assert sub_types == {
        constructed: "OnAccountSuppressionList",
        "identity-complaint-simulator.json": None,
        "event-complaint-with-feedback.json": "absent",
    }


# Shapes SES documents that no sample shows: our own fixtures.


def fixture(name: str) -> dict[str, Any]:
    notification: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return notification


def test_an_undetermined_bounce_reads_with_the_messages_tags() -> None:
    event = read(fixture("event-bounce-undetermined.json"))

    [report] = event.recipients
    assert (report.address, report.bounce_type, report.bounce_sub_type) == (
        "dana@example.org",
        BounceType.UNDETERMINED,
        "Undetermined",
    )
    assert (report.action, report.smtp_status, report.diagnostic_code) == (None, None, None)
    assert event.message_pk == UUID("5f0c2a8e-4b1d-4e6f-9a3c-7d2e1b0a9c8f")
    assert event.organization_id == UUID("0b9e7c6d-5a4f-4e3d-8c2b-1a0f9e8d7c6b")
    assert event.occurred_at == at("2026-03-02T09:15:07.412")


def test_a_transient_bounce_names_only_its_delayed_recipient_and_a_bad_tag_is_none() -> None:
    event = read(fixture("event-bounce-transient-general-delayed.json"))

    [report] = event.recipients
    assert (report.address, report.bounce_type, report.action, report.smtp_status) == (
        "erin@example.net",
        BounceType.TRANSIENT,
        "delayed",
        "4.4.7",
    )
    assert report.diagnostic_code == "smtp; 451 4.4.7 Delivery time expired"
    assert (event.message_pk, event.organization_id) == (None, None)


def test_a_mailbox_full_delay_reads_each_delayed_recipient() -> None:
    event = read(fixture("event-deliverydelay-mailboxfull.json"))

    grace, heidi = event.recipients
    assert event.type == T.DELIVERY_DELAY
    assert event.occurred_at == at("2026-03-03T11:30:00.500")
    assert (grace.address, grace.smtp_status, grace.diagnostic_code) == (
        "grace@example.com",
        "4.2.2",
        "smtp; 452 4.2.2 Mailbox full",
    )
    assert (heidi.address, heidi.diagnostic_code) == ("heidi@example.com", None)
    for report in event.recipients:
        assert report.delay_type == "MailboxFull"
        assert report.delay_expires_at == at("2026-03-04T11:00:00")


def test_an_unknown_bounce_type_is_kept_as_ses_spelled_it() -> None:
    notification = fixture("event-bounce-undetermined.json")
    notification["bounce"]["bounceType"] = "Provisional"

    assert read(notification).recipients[0].bounce_type == "Provisional"


# Addresses.


def _send(*destination: str, **mail: object) -> dict[str, Any]:
    return {
        "eventType": "Send",
        "mail": {
            "timestamp": "2026-01-02T03:04:05.678Z",
            "messageId": "0100-ses-1",
            "destination": list(destination),
            **mail,
        },
        "send": {},
    }


def test_recipients_are_canonical_and_named_once() -> None:
    event = read(_send("Ann@Example.COM", "ann@example.com", "Bob <bob@bücher.example>"))

    assert [r.address for r in event.recipients] == [
        "ann@example.com",
        "bob@xn--bcher-kva.example",
    ]


# Ids that deduplicate.


def test_the_same_notification_delivered_twice_has_one_id() -> None:
    notification = inner("event-delivery.json")
    reordered = json.dumps(dict(reversed(list(notification.items()))), indent=2)

    first = read_notification(envelope(json.dumps(notification)))
    again = read_notification(envelope(reordered, subject="Amazon SES Email Event Notification"))

    assert first is not None
    assert again is not None
    assert first.source_event_id == again.source_event_id


def test_a_delivery_reported_in_either_shape_has_one_id() -> None:
    published = inner("event-delivery.json")
    identity = {"notificationType": "Delivery", **{k: published[k] for k in ("mail", "delivery")}}

    assert read(identity).source_event_id == read(published).source_event_id


def test_different_events_have_different_ids() -> None:
    delivery = inner("event-delivery.json")
    other = json.loads(json.dumps(delivery))
    other["delivery"]["recipients"] = ["someone@example.com"]
    opened = inner("event-open.json")
    reopened = json.loads(json.dumps(opened))
    reopened["open"]["timestamp"] = "2017-08-09T22:05:00.000Z"
    rejected = {"eventType": "Reject", "mail": delivery["mail"], "reject": {}}
    sent = {"eventType": "Send", "mail": delivery["mail"], "send": {}}
    other_message = json.loads(json.dumps(sent))
    other_message["mail"]["messageId"] = "another-ses-id"

    ids = [
        read(n).source_event_id
        for n in (delivery, other, opened, reopened, rejected, sent, other_message)
    ]

    assert len(set(ids)) == len(ids)


# What is passed over, and what is refused.


@pytest.mark.parametrize(
    "notification",
    [
        {"eventType": "Quarantine", "mail": {}, "quarantine": {}},
        {"notificationType": "Received", "mail": {}, "receipt": {}},
        {"notificationType": "AmazonSnsSubscriptionSucceeded", "message": "You have..."},
    ],
)
def test_a_kind_not_of_sending_is_passed_over(notification: dict[str, Any]) -> None:
    assert read_notification(envelope(json.dumps(notification))) is None


def _without(notification: dict[str, Any], *path: str) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(notification))
    target = copy
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return copy


def _with(notification: dict[str, Any], value: object, *path: str | int) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(notification))
    target: Any = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


BOUNCE = inner("event-bounce-permanent-general.json")

MALFORMED = {
    "body not JSON": ("<html>gateway timeout</html>", "SQS body is not JSON"),
    "no Message": (json.dumps({"Type": "Notification"}), "SQS body: Message: Field required"),
    "Message not JSON": (envelope("recipient@example.com bounced"), "SNS message is not JSON"),
    "Message a list": (envelope("[1, 2]"), "SNS message is not a JSON object"),
    "no type": (envelope(json.dumps({"mail": {}})), "neither eventType nor notificationType"),
    "type not text": (envelope(json.dumps({"eventType": 7})), "type is not a string"),
    "no mail": (envelope(json.dumps(_without(BOUNCE, "mail"))), "Bounce notification has no mail"),
    "no bounce": (envelope(json.dumps(_without(BOUNCE, "bounce"))), "has no bounce"),
    "bad timestamp": (
        envelope(json.dumps(_with(BOUNCE, "yesterday at noon", "mail", "timestamp"))),
        "mail: timestamp: .*not an ISO 8601 timestamp",
    ),
    "timestamp a number": (
        envelope(json.dumps(_with(BOUNCE, 1700000000, "bounce", "timestamp"))),
        "bounce: timestamp: .*a timestamp is a string",
    ),
    "no message id": (
        envelope(json.dumps(_without(BOUNCE, "mail", "messageId"))),
        "mail: messageId: Field required",
    ),
    "no bounced recipients": (
        envelope(json.dumps(_without(BOUNCE, "bounce", "bouncedRecipients"))),
        "bounce: bouncedRecipients: Field required",
    ),
    "recipient not an address": (
        envelope(
            json.dumps(_with(BOUNCE, "Jane Doe", "bounce", "bouncedRecipients", 0, "emailAddress"))
        ),
        "bouncedRecipients.0.emailAddress: .*not an email address",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_body_is_refused_naming_the_problem_never_an_address(case: str) -> None:
    body, problem = MALFORMED[case]

    with pytest.raises(MalformedNotification, match=problem) as refused:
        read_notification(body)

    assert "@" not in str(refused.value)
    assert "Jane" not in str(refused.value)
    assert refused.value.__cause__ is None


def test_an_event_keeps_when_ses_took_the_mail_beside_its_own_time() -> None:
    event = read(
        {"notificationType": "Bounce", "mail": _fragment("mail"), "bounce": _fragment("bounce")}
    )

    assert event.sent_at == datetime(2018, 10, 8, 14, 5, 45, tzinfo=UTC)
    assert event.occurred_at == at("2012-05-25T14:59:38.605")


def test_a_body_pydantics_json_parser_refuses_but_json_reads_is_still_read() -> None:
    # A lone surrogate escape in a field the envelope ignores: JSON as Python reads it,
    # refused by pydantic's parser, which reads every other body in one pass.
    body = envelope(json.dumps(BOUNCE)).replace('"Signature": "EXAMPLE"', '"Signature": "\\ud800"')
    assert "\\ud800" in body

    event = read_notification(body)

    assert event == read(BOUNCE)
