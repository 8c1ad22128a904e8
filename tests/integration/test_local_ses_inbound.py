"""The local stand-ins for SES receiving and the SQS event source, against moto."""

import json
import smtplib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.durable_files import DurableFolder
from local.smtp_receiver import DroppedMail, LocalSmtp, SesInbound, Unsettled, rule_matches
from local.sqs_pump import SqsPump

from .conftest import BareAws

TOPIC = "arn:aws:sns:us-east-1:000000000000:mailman-inbound"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def moto_env(bare_aws: BareAws) -> dict[str, Any]:
    sqs = bare_aws.sqs
    dlq = sqs.create_queue(QueueName="inbound-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue = sqs.create_queue(
        QueueName="inbound",
        Attributes={
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
        },
    )["QueueUrl"]
    return {"s3": bare_aws.s3, "sqs": sqs, "queue": queue, "dlq": dlq}


@pytest.fixture
def smtp(moto_env: dict[str, Any]) -> Iterator[LocalSmtp]:
    inbound = SesInbound(moto_env["s3"], moto_env["sqs"], "mail", moto_env["queue"], TOPIC)
    server = LocalSmtp(lambda: ["example.com"], inbound, port=_free_port()).start()
    yield server
    server.stop()


MESSAGE = (
    b"From: Alice <alice@elsewhere.example>\r\nTo: support@example.com\r\n"
    b"Subject: Hello\r\nMessage-ID: <m1@elsewhere.example>\r\n\r\nHi there\r\n"
)


def test_mail_for_an_accepted_domain_is_stored_and_announced(
    smtp: LocalSmtp, moto_env: dict[str, Any]
) -> None:
    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        client.sendmail("alice@elsewhere.example", ["support@example.com"], MESSAGE)

    body = moto_env["sqs"].receive_message(QueueUrl=moto_env["queue"])["Messages"][0]["Body"]
    envelope = json.loads(body)
    notification = json.loads(envelope["Message"])
    action = notification["receipt"]["action"]
    stored = moto_env["s3"].get_object(Bucket=action["bucketName"], Key=action["objectKey"])
    assert envelope["Type"] == "Notification"
    assert envelope["TopicArn"] == TOPIC
    assert notification["notificationType"] == "Received"
    assert notification["receipt"]["recipients"] == ["support@example.com"]
    assert notification["receipt"]["virusVerdict"] == {"status": "PASS"}
    assert action["type"] == "S3"
    assert action["objectKey"] == "raw/" + notification["mail"]["messageId"]
    assert stored["Body"].read() == MESSAGE
    assert {"name": "Subject", "value": "Hello"} in notification["mail"]["headers"]


def test_mail_for_other_domains_is_refused_with_550(
    smtp: LocalSmtp, moto_env: dict[str, Any]
) -> None:
    with (
        smtplib.SMTP("127.0.0.1", smtp.port) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        client.sendmail("alice@elsewhere.example", ["someone@other.example"], MESSAGE)

    assert refused.value.recipients["someone@other.example"][0] == 550
    assert "Messages" not in moto_env["sqs"].receive_message(QueueUrl=moto_env["queue"])


def test_with_mixed_recipients_only_the_accepted_ones_are_announced(
    smtp: LocalSmtp, moto_env: dict[str, Any]
) -> None:
    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        refused = client.sendmail(
            "alice@elsewhere.example", ["support@example.com", "someone@other.example"], MESSAGE
        )

    body = moto_env["sqs"].receive_message(QueueUrl=moto_env["queue"])["Messages"][0]["Body"]
    notification = json.loads(json.loads(body)["Message"])
    assert list(refused) == ["someone@other.example"]
    assert refused["someone@other.example"][0] == 550
    assert notification["receipt"]["recipients"] == ["support@example.com"]


def test_a_failed_delivery_is_a_temporary_451_without_the_error_text(
    moto_env: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    # S3 "down": the bucket does not exist, so storing the raw message raises NoSuchBucket.
    broken = SesInbound(moto_env["s3"], moto_env["sqs"], "no-such-bucket", moto_env["queue"], TOPIC)
    server = LocalSmtp(lambda: ["example.com"], broken, port=_free_port()).start()
    try:
        with (
            smtplib.SMTP("127.0.0.1", server.port) as client,
            pytest.raises(smtplib.SMTPDataError) as failed,
        ):
            client.sendmail("alice@elsewhere.example", ["support@example.com"], MESSAGE)
    finally:
        server.stop()

    reply = failed.value.smtp_error
    assert failed.value.smtp_code == 451
    assert isinstance(reply, bytes)
    assert reply.startswith(b"4.3.0 ")
    assert b"NoSuchBucket" not in reply
    assert "Messages" not in moto_env["sqs"].receive_message(QueueUrl=moto_env["queue"])
    [logged] = [r for r in caplog.records if r.name == "local.smtp_receiver"]
    assert logged.exc_info is not None
    assert "NoSuchBucket" in str(logged.exc_info[1])


def _received(moto_env: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """The notification on the queue, and the raw message it points at."""
    body = moto_env["sqs"].receive_message(QueueUrl=moto_env["queue"])["Messages"][0]["Body"]
    notification = json.loads(json.loads(body)["Message"])
    action = notification["receipt"]["action"]
    stored = moto_env["s3"].get_object(Bucket=action["bucketName"], Key=action["objectKey"])
    return notification, stored["Body"].read()


def test_the_local_verdicts_header_sets_this_messages_verdicts_and_is_not_stored(
    smtp: LocalSmtp, moto_env: dict[str, Any]
) -> None:
    judged = (
        b"X-Mailman-Local-Verdicts: spam=FAIL; virus=FAIL; dmarc=FAIL; dmarc-policy=reject\r\n"
        + MESSAGE
    )

    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        client.sendmail("alice@elsewhere.example", ["support@example.com"], judged)
    notification, stored = _received(moto_env)

    receipt = notification["receipt"]
    assert receipt["spamVerdict"] == {"status": "FAIL"}
    assert receipt["virusVerdict"] == {"status": "FAIL"}
    assert receipt["dmarcVerdict"] == {"status": "FAIL"}
    assert receipt["dmarcPolicy"] == "reject"
    assert receipt["spfVerdict"] == {"status": "GRAY"}
    assert stored == MESSAGE
    header_names = {h["name"].lower() for h in notification["mail"]["headers"]}
    assert "x-mailman-local-verdicts" not in header_names


def test_the_next_message_without_the_header_passes_again(
    smtp: LocalSmtp, moto_env: dict[str, Any]
) -> None:
    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        client.sendmail(
            "alice@elsewhere.example",
            ["support@example.com"],
            b"X-Mailman-Local-Verdicts: spam=FAIL\r\n" + MESSAGE,
        )
        client.sendmail("alice@elsewhere.example", ["support@example.com"], MESSAGE)

    received = moto_env["sqs"].receive_message(QueueUrl=moto_env["queue"], MaxNumberOfMessages=10)[
        "Messages"
    ]
    receipts = [json.loads(json.loads(m["Body"])["Message"])["receipt"] for m in received]

    assert sorted(r["spamVerdict"]["status"] for r in receipts) == ["FAIL", "PASS"]


def test_a_local_verdicts_header_setting_nothing_ses_has_is_refused_with_550(
    smtp: LocalSmtp, moto_env: dict[str, Any]
) -> None:
    with (
        smtplib.SMTP("127.0.0.1", smtp.port) as client,
        pytest.raises(smtplib.SMTPDataError) as refused,
    ):
        client.sendmail(
            "alice@elsewhere.example",
            ["support@example.com"],
            b"X-Mailman-Local-Verdicts: spam=MAYBE\r\n" + MESSAGE,
        )

    assert refused.value.smtp_code == 550
    assert "Messages" not in moto_env["sqs"].receive_message(QueueUrl=moto_env["queue"])


@pytest.mark.parametrize(
    ("recipient", "rule", "matches"),
    [
        ("a@example.com", ["example.com"], True),
        ("a@sub.example.com", ["example.com"], False),
        ("a@sub.example.com", [".example.com"], True),
        ("A@Example.com", ["a@example.com"], True),
        ("b@example.com", ["a@example.com"], False),
    ],
)
def test_receipt_rule_matching(recipient: str, rule: list[str], matches: bool) -> None:
    assert rule_matches(recipient, rule) is matches


def _send(moto_env: dict[str, Any], *bodies: str) -> None:
    for body in bodies:
        moto_env["sqs"].send_message(QueueUrl=moto_env["queue"], MessageBody=body)


def test_the_pump_deletes_processed_records_and_keeps_reported_failures(
    moto_env: dict[str, Any],
) -> None:
    _send(moto_env, "ok", "fail")
    seen: list[list[str]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append([r["body"] for r in event["Records"]])
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "fail"]
        return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}

    pump = SqsPump(moto_env["sqs"], moto_env["queue"], handler, "inbound")
    pump.poll_once()
    pump.poll_once()

    assert sorted(seen[0]) == ["fail", "ok"]
    assert seen[1] == ["fail"]


def test_a_record_failing_past_max_receive_count_moves_to_the_dlq(
    moto_env: dict[str, Any],
) -> None:
    _send(moto_env, "poison")

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    pump = SqsPump(moto_env["sqs"], moto_env["queue"], handler, "inbound")
    received = [pump.poll_once() for _ in range(3)]

    dead = moto_env["sqs"].receive_message(QueueUrl=moto_env["dlq"])["Messages"]
    assert received == [1, 1, 0]
    assert [m["Body"] for m in dead] == ["poison"]


def test_events_carry_the_sqs_record_shape(moto_env: dict[str, Any]) -> None:
    _send(moto_env, "x")
    events: list[dict[str, Any]] = []
    pump = SqsPump(
        moto_env["sqs"], moto_env["queue"], lambda e, c: events.append(e) or {}, "inbound"
    )

    pump.poll_once()

    record = events[0]["Records"][0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":inbound")
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"messageId", "receiptHandle", "body", "md5OfBody", "awsRegion"} <= set(record)


# -- the journal: announcements a lost queue message would lose ----------------------------


def _journaled(moto_env: dict[str, Any], folder: Path) -> SesInbound:
    return SesInbound(
        moto_env["s3"], moto_env["sqs"], "mail", moto_env["queue"], TOPIC, DurableFolder(folder)
    )


def _store_all(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"batchItemFailures": []}


def test_mail_is_journaled_until_the_inbound_function_is_done_with_it(
    moto_env: dict[str, Any], tmp_path: Path
) -> None:
    inbound = _journaled(moto_env, tmp_path / "journal")
    message_id = inbound.deliver(MESSAGE, "alice@elsewhere.example", ["support@example.com"])
    journaled = list(DurableFolder(tmp_path / "journal").names())

    pump = SqsPump(
        moto_env["sqs"], moto_env["queue"], _store_all, "inbound", on_done=inbound.settle
    )
    pump.poll_once()

    assert journaled == [message_id]
    assert list(DurableFolder(tmp_path / "journal").names()) == []


def test_mail_whose_queue_message_was_lost_is_announced_again_at_start(
    moto_env: dict[str, Any], tmp_path: Path
) -> None:
    first = _journaled(moto_env, tmp_path / "journal")
    message_id = first.deliver(MESSAGE, "alice@elsewhere.example", ["support@example.com"])
    moto_env["sqs"].purge_queue(QueueUrl=moto_env["queue"])  # what moto loses in a crash

    announced = _journaled(moto_env, tmp_path / "journal").announce_unsettled()

    notification, raw = _received(moto_env)
    assert announced == Unsettled(announced=1)
    assert notification["mail"]["messageId"] == message_id
    assert raw == MESSAGE


def _fail_all(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise RuntimeError("the inbound function fails this mail every time")


def test_mail_the_inbound_function_gives_up_on_is_announced_at_three_starts_then_dropped(
    moto_env: dict[str, Any], tmp_path: Path
) -> None:
    journal = tmp_path / "journal"
    message_id = _journaled(moto_env, journal).deliver(
        MESSAGE, "alice@elsewhere.example", ["support@example.com"]
    )
    starts = []
    for _ in range(4):
        # Each run of the platform: announce what is unsettled, then the function fails the
        # mail until the queue moves it to the dead-letter queue.
        inbound = _journaled(moto_env, journal)
        starts.append(inbound.announce_unsettled())
        pump = SqsPump(
            moto_env["sqs"], moto_env["queue"], _fail_all, "inbound", on_done=inbound.settle
        )
        while pump.poll_once():
            pass

    raw = moto_env["s3"].get_object(Bucket="mail", Key=f"raw/{message_id}")["Body"].read()
    assert starts == [
        Unsettled(announced=1),
        Unsettled(announced=1),
        Unsettled(announced=1),
        Unsettled(dropped=[DroppedMail(message_id, "mail", f"raw/{message_id}")]),
    ]
    assert list(DurableFolder(journal).names()) == []
    assert _journaled(moto_env, journal).announce_unsettled() == Unsettled()
    assert raw == MESSAGE


def test_mail_stored_after_an_announcement_again_leaves_nothing_to_count(
    moto_env: dict[str, Any], tmp_path: Path
) -> None:
    journal = tmp_path / "journal"
    _journaled(moto_env, journal).deliver(
        MESSAGE, "alice@elsewhere.example", ["support@example.com"]
    )
    moto_env["sqs"].purge_queue(QueueUrl=moto_env["queue"])
    inbound = _journaled(moto_env, journal)
    announced = inbound.announce_unsettled()

    SqsPump(
        moto_env["sqs"], moto_env["queue"], _store_all, "inbound", on_done=inbound.settle
    ).poll_once()

    assert announced == Unsettled(announced=1)
    assert list(DurableFolder(journal).names()) == []
    assert list(DurableFolder(journal / ".announced").names()) == []


def test_mail_the_queue_refused_is_not_journaled(moto_env: dict[str, Any], tmp_path: Path) -> None:
    broken = SesInbound(
        moto_env["s3"],
        moto_env["sqs"],
        "mail",
        moto_env["queue"] + "-gone",
        TOPIC,
        DurableFolder(tmp_path / "journal"),
    )

    with pytest.raises(ClientError):
        broken.deliver(MESSAGE, "alice@elsewhere.example", ["support@example.com"])

    assert list(DurableFolder(tmp_path / "journal").names()) == []
