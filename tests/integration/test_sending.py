"""Sending over the API: the message stored Pending with its thread, handed to SES once by
the outbound function, recorded Sent; replies, forwards, idempotency, bad input."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import psycopg
import pytest

from functions.outbound import handler as outbound
from mailman.adapters.postgres.outbox import PostgresOutbox
from mailman.adapters.ses import SesMailer
from mailman.adapters.sqs import SqsQueue
from mailman.domain.errors import DeliveryError, DeliveryUncertain
from mailman.services.sending import ALL_SUPPRESSED, UNCONFIRMED

from ..mail import make_mail
from .conftest import BUCKET, Tenant
from .mail_helpers import receive_raw
from .sending_helpers import OutboundPipeline, outbox, parsed, sent_mail, ses_notification

__all__ = ["outbox"]

INBOX = "/inboxes/{}/messages"


def _send(o: OutboundPipeline, **body: object) -> dict[str, object]:
    answer = o.tenant.api.post(INBOX.format(o.box.support), body)
    assert answer.status == 202, answer.json()
    result: dict[str, object] = answer.json()
    return result


def test_a_message_is_stored_pending_then_sent_once(outbox: OutboundPipeline) -> None:
    sent = _send(outbox, to=["jane@customer.example"], subject="Hello", text="Hi Jane")

    assert sent["status"] == "pending"
    assert sent["thread_id"]
    assert len(outbox.jobs()) == 1
    outbox.run()

    [mail] = sent_mail()
    message = parsed(mail.raw_data)
    assert message["Message-ID"] == sent["message_id"]
    assert message["From"] == "Example Support <support@example.com>"
    after = outbox.tenant.api.get(f"/messages/{sent['id']}").json()
    assert after["status"] == "sent"
    assert after["ses_message_id"] == mail.id
    events = outbox.tenant.api.get("/events").json()["data"]
    assert [e["type"] for e in events] == ["message.sent"]


def test_a_reply_threads_with_the_whole_reference_chain(outbox: OutboundPipeline) -> None:
    receive_raw(
        outbox.box,
        make_mail(
            message_id="<m2@elsewhere.example>",
            extra="In-Reply-To: <m1@elsewhere.example>\r\nReferences: <m1@elsewhere.example>\r\n"
            "Reply-To: Alice Desk <desk@elsewhere.example>\r\n",
        ),
    )
    [received] = outbox.tenant.api.get(INBOX.format(outbox.box.support)).json()["data"]

    answer = outbox.tenant.api.post(f"/messages/{received['id']}/reply", {"text": "On its way."})

    assert answer.status == 202, answer.json()
    reply = answer.json()
    assert reply["thread_id"] == received["thread_id"]
    assert reply["subject"] == "Re: Order 1234"
    assert [r["address"] for r in reply["recipients"]] == ["desk@elsewhere.example"]
    outbox.run()
    message = parsed(sent_mail()[0].raw_data)
    assert message["In-Reply-To"] == "<m2@elsewhere.example>"
    assert message["References"].split() == ["<m1@elsewhere.example>", "<m2@elsewhere.example>"]


def test_a_forward_quotes_the_original_with_its_attachments(outbox: OutboundPipeline) -> None:
    raw = (
        b"From: alice@elsewhere.example\r\nTo: support@example.com\r\nSubject: Invoice\r\n"
        b"Message-ID: <inv@elsewhere.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\n"
        b'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="i.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )
    receive_raw(outbox.box, raw)
    [received] = outbox.tenant.api.get(INBOX.format(outbox.box.support)).json()["data"]

    forward = outbox.tenant.api.post(
        f"/messages/{received['id']}/forward", {"to": ["accounts@example.org"], "text": "FYI"}
    ).json()

    assert forward["subject"] == "Fwd: Invoice"
    assert forward["thread_id"] == received["thread_id"]
    assert [a["filename"] for a in forward["attachments"]] == ["i.pdf"]
    outbox.run()
    message = parsed(sent_mail()[0].raw_data)
    body = message.get_payload()[0].get_payload(decode=True).decode().replace("\r\n", "\n")
    assert body.startswith("FYI\n\n---------- Forwarded message ---------")
    assert "See attached." in body
    [pdf] = [p for p in message.walk() if p.get_filename() == "i.pdf"]
    assert pdf.get_payload(decode=True) == b"%PDF-1.4\n"


def test_the_same_idempotency_key_and_body_sends_once(outbox: OutboundPipeline) -> None:
    body = {"to": ["jane@customer.example"], "subject": "Once", "text": "Only once"}
    key = {"Idempotency-Key": "order-1234-confirmation"}

    first = outbox.tenant.api.post(INBOX.format(outbox.box.support), body, headers=key)
    again = outbox.tenant.api.post(INBOX.format(outbox.box.support), body, headers=key)
    other = outbox.tenant.api.post(
        INBOX.format(outbox.box.support), {**body, "text": "Changed"}, headers=key
    )

    assert (first.status, again.status) == (202, 202)
    assert again.json()["id"] == first.json()["id"]
    assert again.header("Idempotent-Replayed") == "true"
    assert first.header("Idempotent-Replayed") is None
    assert other.status == 409
    assert other.json()["error"]["field"] == "Idempotency-Key"
    outbox.run()
    assert len(sent_mail()) == 1
    assert outbox.rows("SELECT count(*) FROM messages WHERE direction = 'outbound'") == [(1,)]


def test_html_only_gets_a_derived_text_part_and_attachments_inline(
    outbox: OutboundPipeline,
) -> None:
    sent = _send(
        outbox,
        to=["jane@customer.example"],
        subject="Report",
        html="<p>Numbers <b>up</b></p>",
        headers={"X-Campaign": "q4"},
        attachments=[{"filename": "r.csv", "content": "YSxiCjEsMgo="}],
        labels=["reports"],
        metadata={"customer": 42},
    )
    assert sent["labels"] == ["reports"]
    assert sent["metadata"] == {"customer": 42}
    outbox.run()

    message = parsed(sent_mail()[0].raw_data)
    assert message["X-Campaign"] == "q4"
    parts = {p.get_content_type(): p for p in message.walk()}
    assert "Numbers up" in parts["text/plain"].get_payload(decode=True).decode()
    assert parts["text/csv"].get_payload(decode=True) == b"a,b\n1,2\n"


def _outbound_count(o: OutboundPipeline) -> int:
    return int(o.rows("SELECT count(*) FROM messages WHERE direction = 'outbound'")[0][0])


PLAIN = {"to": ["a@b.example"], "text": "x"}
UNKNOWN = "6f0b3c56-2a4e-4d59-9a43-0a6b1d4c8e21"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**PLAIN, "to": ["not an address"]}, "to[0]"),
        ({**PLAIN, "subject": "Hi\r\nBcc: x@y.example"}, "subject"),
        ({**PLAIN, "headers": {"From": "x@y.example"}}, "headers.From"),
        ({**PLAIN, "headers": {"X-A": "1\nBcc: x@y.example"}}, "headers.X-A"),
        ({"text": "nobody to send it to"}, "to"),
        ({"to": ["a@b.example"]}, "text"),
        ({**PLAIN, "to": [f"a{n}@b.example" for n in range(30)],
          "cc": [f"c{n}@b.example" for n in range(30)]}, "to"),
        ({**PLAIN, "reply_to": ["Bad\r\n <x@y.example>"]}, "reply_to[0]"),
        ({**PLAIN, "attachments": [{"filename": "a.txt", "content": "%%%"}]},
         "attachments[0].content"),
        ({**PLAIN, "send_at": "2099-01-01T00:00:00Z"}, "send_at"),
        ({**PLAIN, "attachments": [{"filename": "a", "attachment_id": UNKNOWN}]},
         "attachments[0].attachment_id"),
        ({**PLAIN, "subject": "Hi\u2028Bcc: x@y.example"}, "subject"),
        ({**PLAIN, "subject": "Hi\x85there"}, "subject"),
        ({**PLAIN, "subject": "Hi\x00"}, "subject"),
        ({**PLAIN, "headers": {"X-A": "1\x1cBcc: x@y.example"}}, "headers.X-A"),
        ({**PLAIN, "headers": {"X-A": "1", "x-a": "2"}}, "headers.x-a"),
        ({**PLAIN, "to": ["a" * 65 + "@b.example"]}, "to[0]"),
        ({**PLAIN, "reply_to": ["R\u2029 <r@b.example>"]}, "reply_to[0]"),
        ({**PLAIN, "attachments": [{"filename": "a\u2028.txt", "content": "eA=="}]},
         "attachments[0].filename"),
        ({**PLAIN, "list_unsubscribe": "mailto:" + "u" * 65 + "@example.com"},
         "list_unsubscribe"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    outbox: OutboundPipeline, body: dict[str, object], field: str
) -> None:
    answer = outbox.tenant.api.post(INBOX.format(outbox.box.support), body)

    assert answer.status in (400, 404), answer.json()
    assert answer.json()["error"]["field"] == field
    assert _outbound_count(outbox) == 0
    assert outbox.jobs() == []


@pytest.mark.parametrize(
    ("header", "why"),
    [
        ("X-SES-CONFIGURATION-SET", "X-SES-* headers instruct Amazon SES"),
        ("x-ses-message-tags", "X-SES-* headers instruct Amazon SES"),
        ("Return-Path", "trace or authentication header"),
        ("DKIM-Signature", "trace or authentication header"),
        ("Received", "trace or authentication header"),
        ("Authentication-Results", "trace or authentication header"),
        ("ARC-Seal", "trace or authentication header"),
        ("Resent-To", "trace or authentication header"),
        ("List-Unsubscribe", "use the list_unsubscribe field"),
        ("Disposition-Notification-To", "not a header a message may set"),
    ],
)
def test_a_header_a_customer_may_not_set_is_a_400_saying_why(
    outbox: OutboundPipeline, header: str, why: str
) -> None:
    answer = outbox.tenant.api.post(
        INBOX.format(outbox.box.support), {**PLAIN, "headers": {"X-Campaign": "q4", header: "x"}}
    )

    assert answer.status == 400
    error = answer.json()["error"]
    assert (error["type"], error["field"]) == ("validation_error", f"headers.{header}")
    assert why in error["message"]
    assert error["trace_id"] == answer.header("X-Trace-Id")
    assert _outbound_count(outbox) == 0
    assert outbox.jobs() == []


def test_a_stored_message_email_cannot_compose_fails_once_and_is_never_retried(
    outbox: OutboundPipeline,
) -> None:
    sent = _send(outbox, to=["a@b.example"], subject="Hello", text="x")
    [job] = outbox.jobs()
    outbox.rows(  # as the API stored it before it refused U+2028
        "UPDATE messages SET subject = %s WHERE id = %s RETURNING id",
        "Hello\u2028Bcc: victim@x.example",
        sent["id"],
    )

    first = outbox.run()
    outbox.sqs.send_message(QueueUrl=outbox.queue_url, MessageBody=job["Body"])
    again = outbox.run()

    assert (first["batchItemFailures"], again["batchItemFailures"]) == ([], [])
    failed = outbox.tenant.api.get(f"/messages/{sent['id']}").json()
    reason = "the message could not be composed: subject cannot be written (ValueError)"
    assert (failed["status"], failed["status_reason"]) == ("failed", reason)
    [event] = outbox.tenant.api.get("/events").json()["data"]
    assert (event["type"], event["data"]["reason"]) == ("message.failed", reason)
    assert outbox.jobs() == []
    assert sent_mail() == []


def test_an_inbox_of_another_organisation_or_deleted_is_not_found(
    outbox: OutboundPipeline, other_tenant: Tenant
) -> None:
    body = {"to": ["a@b.example"], "text": "x"}
    assert other_tenant.api.post(INBOX.format(outbox.box.support), body).status == 404
    assert outbox.tenant.api.delete(f"/inboxes/{outbox.box.support}").status == 204

    gone = outbox.tenant.api.post(INBOX.format(outbox.box.support), body)

    assert gone.status == 404
    assert gone.json()["error"]["field"] == "inbox_id"
    assert _outbound_count(outbox) == 0


def test_a_domain_not_verified_for_sending_is_refused_at_the_api(outbox: OutboundPipeline) -> None:
    outbox.rows("UPDATE domains SET ses_dkim_status = 'PENDING' RETURNING id")

    answer = outbox.tenant.api.post(
        INBOX.format(outbox.box.support), {"to": ["a@b.example"], "text": "x"}
    )

    assert answer.status == 403
    assert answer.json()["error"]["type"] == "domain_not_verified"
    assert _outbound_count(outbox) == 0


def _domain_id(o: OutboundPipeline) -> str:
    return str(o.rows("SELECT id FROM domains")[0][0])


def test_a_request_too_large_for_lambda_is_413_attachment_too_large(
    outbox: OutboundPipeline,
) -> None:
    big = base64.b64encode(b"x" * (4 * 2**20 + 600_000)).decode()

    answer = outbox.tenant.api.post(
        INBOX.format(outbox.box.support),
        {"to": ["a@b.example"], "attachments": [{"filename": "big.bin", "content": big}]},
    )

    assert answer.status == 413
    assert answer.json()["error"]["type"] == "attachment_too_large"
    assert _outbound_count(outbox) == 0


def test_an_uploaded_file_is_attached_by_id(outbox: OutboundPipeline) -> None:
    upload = outbox.upload("deck.pdf", b"%PDF-deck")
    assert upload["content_type"] == "application/pdf"

    sent = _send(
        outbox,
        to=["a@b.example"],
        text="The deck",
        attachments=[{"filename": "deck.pdf", "attachment_id": upload["id"]}],
    )
    outbox.run()

    assert [a["size_bytes"] for a in sent["attachments"]] == [9]  # type: ignore[union-attr]
    message = parsed(sent_mail()[0].raw_data)
    [deck] = [p for p in message.walk() if p.get_filename() == "deck.pdf"]
    assert deck.get_payload(decode=True) == b"%PDF-deck"


def test_sent_mail_shows_its_size_as_sent_and_an_uploads_digest(outbox: OutboundPipeline) -> None:
    """Its size and an uploaded file's SHA-256 are known once the outbound function has
    written the mail (the API never reads an upload's bytes); a file sent inline had its
    digest from the start, and keeps it."""
    upload = outbox.upload("deck.pdf", b"%PDF-deck")
    sent = _send(
        outbox,
        to=["a@b.example"],
        text="The deck",
        attachments=[
            {"filename": "deck.pdf", "attachment_id": upload["id"]},
            {"filename": "notes.txt", "content": base64.b64encode(b"notes").decode()},
        ],
    )
    assert sent["size_bytes"] == 0
    assert {a["filename"]: a["sha256"] for a in sent["attachments"]} == {  # type: ignore[union-attr]
        "deck.pdf": "",
        "notes.txt": hashlib.sha256(b"notes").hexdigest(),
    }

    outbox.run()

    shown = outbox.tenant.api.get(f"/messages/{sent['id']}").json()
    assert shown["size_bytes"] == len(sent_mail()[0].raw_data)
    assert {a["filename"]: a["sha256"] for a in shown["attachments"]} == {
        "deck.pdf": hashlib.sha256(b"%PDF-deck").hexdigest(),
        "notes.txt": hashlib.sha256(b"notes").hexdigest(),
    }


def test_recipients_suppressed_after_the_send_are_skipped_by_the_outbound_function(
    outbox: OutboundPipeline,
) -> None:
    sent = _send(outbox, to=["Gone@B.example", "here@b.example"], text="x")
    only = _send(outbox, to=["gone@b.example"], text="y")
    outbox.rows(
        "INSERT INTO suppressed_addresses (organization_id, address, reason) "
        "VALUES (%s, 'gone@b.example', 'bounce') RETURNING id",
        outbox.tenant.organization_id,
    )

    outbox.run()

    [mail] = sent_mail()
    assert mail.destinations[0] == "here@b.example"
    recipients = outbox.tenant.api.get(f"/messages/{sent['id']}").json()["recipients"]
    assert [(r["address"], r["status"], r["status_reason"]) for r in recipients] == [
        ("Gone@b.example", "suppressed", "suppressed (bounce)"),
        ("here@b.example", "sent", None),
    ]
    failed = outbox.tenant.api.get(f"/messages/{only['id']}").json()
    assert (failed["status"], failed["status_reason"]) == ("failed", ALL_SUPPRESSED)
    types = [e["type"] for e in outbox.tenant.api.get("/events").json()["data"]]
    assert sorted(types) == ["message.failed", "message.sent"]


def test_the_outbound_function_counts_the_recipients_sent_per_sending_domain(
    outbox: OutboundPipeline,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Mailman")
    _send(outbox, to=["Gone@B.example", "here@b.example"], cc=["ann@b.example"], text="x")
    _send(outbox, to=["gone@b.example"], text="y")  # every recipient suppressed: not sent
    outbox.rows(
        "INSERT INTO suppressed_addresses (organization_id, address, reason) "
        "VALUES (%s, 'gone@b.example', 'bounce') RETURNING id",
        outbox.tenant.organization_id,
    )
    capsys.readouterr()

    outbox.run()

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    per_domain = [b for b in lines if "Domain" in b]
    assert [(b["Domain"], b["RecipientsSent"]) for b in per_domain] == [("example.com", [2.0])]
    [directive] = per_domain[0]["_aws"]["CloudWatchMetrics"]
    assert directive["Dimensions"] == [["Domain"]]


def test_ses_throttling_is_retried_later_and_sends_once(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = SesMailer.send
    calls: list[int] = []

    def throttled_once(self: SesMailer, raw: bytes, **kwargs: Any) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise DeliveryError("SES refused the message: TooManyRequestsException", transient=True)
        return real(self, raw, **kwargs)

    monkeypatch.setattr(SesMailer, "send", throttled_once)
    sent = _send(outbox, to=["a@b.example"], text="x")

    assert len(outbox.run()["batchItemFailures"]) == 1
    assert outbox.status(str(sent["id"])) == "pending"
    assert outbox.jobs() == []  # backing off
    outbox.wait_out_backoff()
    outbox.run()

    assert outbox.status(str(sent["id"])) == "sent"
    assert len(sent_mail()) == 1


def test_a_refusal_by_ses_fails_the_message_with_its_reason(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(self: SesMailer, raw: bytes, **kwargs: Any) -> str:
        raise DeliveryError("SES refused the message: MessageRejected", transient=False)

    monkeypatch.setattr(SesMailer, "send", refused)
    sent = _send(outbox, to=["a@b.example"], text="x")

    assert outbox.run()["batchItemFailures"] == []

    failed = outbox.tenant.api.get(f"/messages/{sent['id']}").json()
    assert (failed["status"], failed["status_reason"]) == (
        "failed",
        "SES refused the message: MessageRejected",
    )
    [event] = outbox.tenant.api.get("/events").json()["data"]
    assert event["type"] == "message.failed"


def test_a_crash_after_ses_took_the_mail_never_sends_twice_and_the_send_event_records_it(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = PostgresOutbox.record_sent

    def database_gone(self: PostgresOutbox, *args: Any, **kwargs: Any) -> Any:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(PostgresOutbox, "record_sent", database_gone)
    sent = _send(outbox, to=["a@b.example"], text="x")

    assert len(outbox.run()["batchItemFailures"]) == 1  # the record comes back...
    monkeypatch.setattr(PostgresOutbox, "record_sent", real)
    assert outbox.run()["batchItemFailures"] == []  # ...and finds the hand-off begun

    [mail] = sent_mail()
    assert outbox.status(str(sent["id"])) == "sending"
    event = ses_notification(
        "event-send.json",
        mail.id,
        ["a@b.example"],
        tags=(str(sent["id"]), str(outbox.tenant.organization_id)),
    )
    outbox.telemetry(event)
    outbox.telemetry(event)

    found = outbox.tenant.api.get(f"/messages/{sent['id']}").json()
    assert (found["status"], found["ses_message_id"]) == ("sent", mail.id)
    assert [e["type"] for e in outbox.tenant.api.get("/events").json()["data"]] == ["message.sent"]
    assert len(sent_mail()) == 1


def test_a_hand_off_ses_never_confirms_is_reported_failed(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    def timed_out(self: SesMailer, raw: bytes, **kwargs: Any) -> str:
        raise DeliveryUncertain("SES did not answer: ReadTimeoutError")

    monkeypatch.setattr(SesMailer, "send", timed_out)
    sent = _send(outbox, to=["a@b.example"], text="x")
    assert outbox.run()["batchItemFailures"] == []
    assert outbox.status(str(sent["id"])) == "sending"
    outbox.dispatch()
    assert outbox.status(str(sent["id"])) == "sending"  # within the window: wait for SES

    outbox.rows("UPDATE messages SET handed_off_at = now() - interval '1 hour' RETURNING id")
    assert outbox.dispatch()["unconfirmed"] == 1

    failed = outbox.tenant.api.get(f"/messages/{sent['id']}").json()
    assert (failed["status"], failed["status_reason"]) == ("failed", UNCONFIRMED)
    assert sent_mail() == []


def test_a_message_the_queue_refused_is_queued_by_the_dispatcher(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(self: SqsQueue, bodies: Any, *, delay_seconds: int = 0) -> None:
        raise DeliveryError("the queue could not take the jobs")

    real = SqsQueue.send
    monkeypatch.setattr(SqsQueue, "send", refused)
    sent = _send(outbox, to=["a@b.example"], text="x")
    assert outbox.jobs() == []
    monkeypatch.setattr(SqsQueue, "send", real)

    assert outbox.dispatch()["queued"] == 1
    assert outbox.dispatch()["queued"] == 0
    outbox.run()

    assert outbox.status(str(sent["id"])) == "sent"


def test_a_scheduled_message_waits_for_its_time(outbox: OutboundPipeline) -> None:
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    sent = _send(outbox, to=["a@b.example"], text="x", send_at=later)

    assert (sent["status"], outbox.jobs()) == ("scheduled", [])
    assert outbox.dispatch()["queued"] == 0
    outbox.rows("UPDATE messages SET send_at = now() - interval '1 second' RETURNING id")
    assert outbox.dispatch()["queued"] == 1
    outbox.run()

    assert outbox.status(str(sent["id"])) == "sent"
    assert len(sent_mail()) == 1


def test_a_message_due_within_the_minute_is_queued_with_the_rest_as_delay(
    outbox: OutboundPipeline,
) -> None:
    soon = (datetime.now(UTC) + timedelta(seconds=40)).isoformat()
    _send(outbox, to=["a@b.example"], text="x", send_at=soon)

    assert outbox.dispatch()["queued"] == 1

    assert outbox.jobs() == []  # the queue holds it until its time
    [(delayed,)] = outbox.rows("SELECT queued_at IS NOT NULL FROM messages")
    assert delayed


def test_the_id_ses_gives_the_mail_threads_replies_to_it(outbox: OutboundPipeline) -> None:
    sent = _send(outbox, to=["jane@customer.example"], subject="Quote", text="Our quote")
    outbox.run()
    [mail] = sent_mail()

    receive_raw(
        outbox.box,
        make_mail(
            message_id="<answer@customer.example>",
            subject="Re: Quote",
            extra=f"In-Reply-To: <{mail.id}@us-east-1.amazonses.com>\r\n",
        ),
    )

    answer = next(
        m
        for m in outbox.tenant.api.get(INBOX.format(outbox.box.support)).json()["data"]
        if m["direction"] == "inbound"
    )
    assert (answer["thread_id"], answer["match_reason"]) == (sent["thread_id"], "in_reply_to")


def test_the_sending_client_makes_one_attempt_per_call(outbox: OutboundPipeline) -> None:
    mailer = outbound.container().outbound.mailer

    assert isinstance(mailer, SesMailer)
    assert mailer._client.meta.config.retries["total_max_attempts"] == 1


def test_a_message_whose_attachment_is_gone_fails_rather_than_retrying(
    outbox: OutboundPipeline,
) -> None:
    sent = _send(
        outbox,
        to=["a@b.example"],
        text="x",
        attachments=[{"filename": "r.csv", "content": "YSxiCg=="}],
    )
    boto3.client("s3", region_name="us-east-1").delete_object(
        Bucket=BUCKET,
        Key=outbox.rows("SELECT storage_key FROM attachments")[0][0],
    )

    assert outbox.run()["batchItemFailures"] == []

    failed = outbox.tenant.api.get(f"/messages/{sent['id']}").json()
    assert failed["status"] == "failed"
    assert failed["status_reason"].startswith("an attachment could not be read")
    assert sent_mail() == []


def test_an_idempotency_key_older_than_a_day_is_free_again(outbox: OutboundPipeline) -> None:
    key = {"Idempotency-Key": "k-1"}
    first = outbox.tenant.api.post(INBOX.format(outbox.box.support), PLAIN, headers=key)
    outbox.rows("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' RETURNING 1")

    other = outbox.tenant.api.post(
        INBOX.format(outbox.box.support), {**PLAIN, "text": "another"}, headers=key
    )

    assert other.status == 202
    assert other.json()["id"] != first.json()["id"]
    outbox.rows("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' RETURNING 1")
    assert outbox.dispatch()["keys_forgotten"] == 1
    assert outbox.rows("SELECT count(*) FROM idempotency_keys") == [(0,)]


@pytest.mark.parametrize("action", ["reply", "reply-all", "forward"])
def test_a_message_of_another_organisation_cannot_be_answered(
    outbox: OutboundPipeline, other_tenant: Tenant, action: str
) -> None:
    receive_raw(outbox.box, make_mail())
    [received] = outbox.tenant.api.get(INBOX.format(outbox.box.support)).json()["data"]

    answer = other_tenant.api.post(f"/messages/{received['id']}/{action}", PLAIN)

    assert answer.status == 404
    assert answer.json()["error"]["field"] == "message_id"
    assert _outbound_count(outbox) == 0


def test_list_unsubscribe_comes_from_the_domain_unless_the_message_has_its_own(
    outbox: OutboundPipeline,
) -> None:
    patched = outbox.tenant.api.patch(
        f"/domains/{_domain_id(outbox)}", {"list_unsubscribe": "https://example.com/u?l=news"}
    )
    assert patched.json()["list_unsubscribe"] == "https://example.com/u?l=news"

    defaulted = _send(outbox, to=["a@b.example"], text="x")
    mailto = _send(outbox, to=["a@b.example"], text="x", list_unsubscribe="mailto:u@example.com")
    without = _send(outbox, to=["a@b.example"], text="x", list_unsubscribe="")
    outbox.run()

    headers = {parsed(m.raw_data)["Message-ID"]: parsed(m.raw_data) for m in sent_mail()}
    one_click = headers[str(defaulted["message_id"])]
    assert one_click["List-Unsubscribe"] == "<https://example.com/u?l=news>"
    assert one_click["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    by_mail = headers[str(mailto["message_id"])]
    assert by_mail["List-Unsubscribe"] == "<mailto:u@example.com>"
    assert by_mail["List-Unsubscribe-Post"] is None
    assert headers[str(without["message_id"])]["List-Unsubscribe"] is None


@pytest.mark.parametrize(
    "value", ["http://example.com/u", "https://", "mailto:not-an-address", "<https://a.b/u>"]
)
def test_a_bad_list_unsubscribe_is_refused(outbox: OutboundPipeline, value: str) -> None:
    on_domain = outbox.tenant.api.patch(
        f"/domains/{_domain_id(outbox)}", {"list_unsubscribe": value}
    )
    on_message = outbox.tenant.api.post(
        INBOX.format(outbox.box.support), {**PLAIN, "list_unsubscribe": value}
    )

    assert (on_domain.status, on_message.status) == (400, 400)
    assert on_domain.json()["error"]["field"] == "list_unsubscribe"
    assert on_message.json()["error"]["field"] == "list_unsubscribe"
    assert _outbound_count(outbox) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"from_name": "Support\u2028Bcc: x@y.example"}, "from_name"),
        ({"from_name": "Sup\x85port"}, "from_name"),
        ({"reply_to": "r" * 65 + "@example.com"}, "reply_to"),
        ({"bounce_address": "b" * 65 + "@example.com"}, "bounce_address"),
    ],
)
def test_domain_settings_that_become_headers_are_checked_as_a_send_is(
    outbox: OutboundPipeline, change: dict[str, str], field: str
) -> None:
    before = outbox.tenant.api.get(f"/domains/{_domain_id(outbox)}").json()

    answer = outbox.tenant.api.patch(f"/domains/{_domain_id(outbox)}", change)

    assert answer.status == 400
    assert answer.json()["error"]["field"] == field
    assert outbox.tenant.api.get(f"/domains/{_domain_id(outbox)}").json() == before
