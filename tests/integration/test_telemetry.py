"""SES's sending events through the real telemetry function (SQS batches of SNS envelopes,
built from AWS's own samples in `../shared/ses-events/`): what a message, its recipients,
the event log, the hourly counts and the suppression list become; repeats, strangers and
unreadable notifications."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import psycopg
import pytest

from functions.telemetry import handler as telemetry
from mailman.adapters.postgres.outbox import PostgresOutbox

from .sending_helpers import OutboundPipeline, outbox, sent_mail, ses_notification

__all__ = ["outbox"]

JANE, BOB = "jane@customer.example", "bob@customer.example"


def _send(outbox: OutboundPipeline, *to: str) -> tuple[str, str]:
    """Send a message to `to` and hand it to SES; (message id, SES's id)."""
    answer = outbox.tenant.api.post(
        f"/inboxes/{outbox.box.support}/messages", {"to": list(to), "subject": "Hi", "text": "x"}
    )
    assert answer.status == 202, answer.json()
    outbox.run()
    return answer.json()["id"], sent_mail()[-1].id


def _tags(outbox: OutboundPipeline, message_id: str) -> tuple[str, str]:
    return message_id, str(outbox.tenant.organization_id)


def _message(outbox: OutboundPipeline, message_id: str) -> dict[str, Any]:
    found: dict[str, Any] = outbox.tenant.api.get(f"/messages/{message_id}").json()
    return found


def _statuses(outbox: OutboundPipeline, message_id: str) -> dict[str, str]:
    return {r["address"]: r["status"] for r in _message(outbox, message_id)["recipients"]}


def _events(outbox: OutboundPipeline) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = outbox.tenant.api.get("/events").json()["data"]
    return found


def _suppressed(outbox: OutboundPipeline) -> dict[str, str]:
    return dict(outbox.rows("SELECT address, reason FROM suppressed_addresses"))


def _counts(outbox: OutboundPipeline) -> tuple[int, ...]:
    [row] = outbox.rows(
        "SELECT sum(sent), sum(delivered), sum(hard_bounced), sum(soft_bounced), "
        "sum(complained), sum(delayed) FROM delivery_counts"
    )
    return tuple(int(n or 0) for n in row)


def test_a_delivery_makes_the_message_and_its_recipient_delivered(outbox: OutboundPipeline) -> None:
    message_id, ses_id = _send(outbox, JANE)

    result = outbox.telemetry(
        ses_notification("event-delivery.json", ses_id, [JANE], tags=_tags(outbox, message_id))
    )

    assert result["batchItemFailures"] == []
    assert _message(outbox, message_id)["status"] == "delivered"
    assert _statuses(outbox, message_id) == {JANE: "delivered"}
    delivered = [e for e in _events(outbox) if e["type"] == "message.delivered"]
    assert [(e["subject_id"], e["data"]["recipient"]) for e in delivered] == [(message_id, JANE)]
    assert _counts(outbox) == (1, 1, 0, 0, 0, 0)


def test_a_hard_bounce_bounces_and_suppresses_the_address(outbox: OutboundPipeline) -> None:
    message_id, ses_id = _send(outbox, JANE, BOB)

    outbox.telemetry(
        ses_notification(
            "event-bounce-permanent-general.json", ses_id, [JANE], tags=_tags(outbox, message_id)
        )
    )
    outbox.telemetry(
        ses_notification(
            "event-delivery.json", ses_id, [BOB], tags=_tags(outbox, message_id), minutes=1
        )
    )

    assert _statuses(outbox, message_id) == {JANE: "bounced", BOB: "delivered"}
    assert _message(outbox, message_id)["status"] == "partially_delivered"
    assert _suppressed(outbox) == {JANE: "bounce"}
    [details] = outbox.rows("SELECT details FROM suppressed_addresses")
    assert details[0] == {
        "bounce_sub_type": "General",
        "smtp_status": "5.1.1",
        "diagnostic_code": "smtp; 550 5.1.1 user unknown",
    }
    [bounced] = [e for e in _events(outbox) if e["type"] == "message.bounced"]
    assert bounced["data"]["diagnostic_code"] == "smtp; 550 5.1.1 user unknown"
    history = outbox.tenant.api.get(f"/messages/{message_id}/delivery").json()["data"]
    assert [(e["type"], e["recipient"]) for e in history] == [
        ("bounce", JANE),
        ("delivery", BOB),
    ]
    assert history[0]["details"]["diagnostic_code"] == "smtp; 550 5.1.1 user unknown"
    assert _counts(outbox) == (2, 1, 1, 0, 0, 0)
    again, _ = _send(outbox, JANE, BOB)
    assert _statuses(outbox, again) == {JANE: "suppressed", BOB: "sent"}  # the last guard


def test_a_complaint_after_the_delivery_complains_and_suppresses(outbox: OutboundPipeline) -> None:
    message_id, ses_id = _send(outbox, JANE)
    tags = _tags(outbox, message_id)

    outbox.telemetry(ses_notification("event-delivery.json", ses_id, [JANE], tags=tags))
    outbox.telemetry(
        ses_notification(
            "event-complaint-with-feedback.json", ses_id, [JANE], tags=tags, minutes=60
        )
    )

    assert _statuses(outbox, message_id) == {JANE: "complained"}
    assert _message(outbox, message_id)["status"] == "complained"
    assert _suppressed(outbox) == {JANE: "complaint"}
    [row] = outbox.rows(
        "SELECT delivered_at IS NOT NULL, complaint_feedback_type FROM message_recipients"
    )
    assert row == (True, "abuse")
    assert [e["type"] for e in _events(outbox)] == [
        "message.sent",
        "message.delivered",
        "message.complained",
    ]


def test_the_third_soft_bounce_within_72_hours_suppresses_the_address(
    outbox: OutboundPipeline,
) -> None:
    for n in range(3):
        message_id, ses_id = _send(outbox, JANE)
        outbox.telemetry(
            ses_notification(
                "event-bounce-permanent-general.json",
                ses_id,
                [JANE],
                tags=_tags(outbox, message_id),
                minutes=60 * n,
                bounceType="Transient",
                bounceSubType="MailboxFull",
                feedbackId=f"soft-{n}",
            )
        )
        assert _suppressed(outbox) == ({JANE: "soft_bounce"} if n == 2 else {})

    assert _counts(outbox)[3] == 3


def test_an_event_for_a_message_we_do_not_know_is_dropped_not_retried(
    outbox: OutboundPipeline, caplog: pytest.LogCaptureFixture
) -> None:
    stranger = (str(uuid.uuid4()), str(outbox.tenant.organization_id))

    tagged = outbox.telemetry(
        ses_notification("event-delivery.json", "ses-x", [JANE], tags=stranger)
    )
    # An identity notification of mail SES took longer ago than the dispatcher waits for
    # the hand-off's record: nothing will ever record it.
    untagged = outbox.telemetry(
        ses_notification("identity-delivery.json", "ses-y", [JANE], minutes=-31)
    )

    assert tagged["batchItemFailures"] == untagged["batchItemFailures"] == []
    assert outbox.rows("SELECT count(*) FROM delivery_events") == [(0,)]
    logged = [r for r in caplog.records if "do not know" in r.getMessage()]
    assert [getattr(r, "ses_message_id", None) for r in logged] == ["ses-x", "ses-y"]
    assert all(JANE not in json.dumps(vars(r), default=str) for r in logged)


def test_a_recent_identity_notification_for_a_message_not_found_comes_back(
    outbox: OutboundPipeline, caplog: pytest.LogCaptureFixture
) -> None:
    notification = ses_notification("identity-delivery.json", "ses-y", [JANE], minutes=-28)

    result = outbox.telemetry(notification)

    assert result["batchItemFailures"] == [{"itemIdentifier": "t-1"}]
    assert outbox.rows("SELECT count(*) FROM delivery_events") == [(0,)]
    [logged] = [r for r in caplog.records if "not found yet" in r.getMessage()]
    assert getattr(logged, "ses_message_id", None) == "ses-y"
    assert JANE not in json.dumps(vars(logged), default=str)


def test_an_identity_bounce_before_the_hand_off_is_recorded_suppresses_once_it_is(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_gone(self: PostgresOutbox, *args: Any, **kwargs: Any) -> Any:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    real = PostgresOutbox.record_sent
    monkeypatch.setattr(PostgresOutbox, "record_sent", database_gone)
    message_id, ses_id = _send(outbox, JANE)  # SES took it; the function died before its record
    monkeypatch.setattr(PostgresOutbox, "record_sent", real)
    bounce = ses_notification("identity-bounce-permanent-general-with-dsn.json", ses_id, [JANE])

    early = outbox.telemetry(bounce)
    assert early["batchItemFailures"] == [{"itemIdentifier": "t-1"}]
    assert _suppressed(outbox) == {}
    send = ses_notification("event-send.json", ses_id, [JANE], tags=_tags(outbox, message_id))
    outbox.telemetry(send)  # SES's own Send event records the hand-off
    later = outbox.telemetry(bounce)  # the record comes back

    assert later["batchItemFailures"] == []
    assert _statuses(outbox, message_id) == {JANE: "bounced"}
    assert _suppressed(outbox) == {JANE: "bounce"}


def test_an_identity_notification_finds_its_message_by_ses_s_id(outbox: OutboundPipeline) -> None:
    message_id, ses_id = _send(outbox, JANE)

    outbox.telemetry(
        ses_notification("identity-bounce-permanent-general-with-dsn.json", ses_id, [JANE])
    )

    assert _statuses(outbox, message_id) == {JANE: "bounced"}
    assert _suppressed(outbox) == {JANE: "bounce"}


def test_the_same_notification_twice_is_recorded_once(outbox: OutboundPipeline) -> None:
    message_id, ses_id = _send(outbox, JANE)
    delivery = ses_notification(
        "event-delivery.json", ses_id, [JANE], tags=_tags(outbox, message_id)
    )

    first, again = outbox.telemetry(delivery), outbox.telemetry(delivery)

    assert first["batchItemFailures"] == again["batchItemFailures"] == []
    assert outbox.rows("SELECT count(*) FROM delivery_events") == [(1,)]
    assert [e["type"] for e in _events(outbox)] == ["message.sent", "message.delivered"]
    assert _counts(outbox) == (1, 1, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "SQS body is not JSON"),
        (json.dumps({"Type": "Notification", "Message": "{"}), "SNS message is not JSON"),
        (
            json.dumps({"Type": "Notification", "Message": json.dumps({"eventType": "Bounce"})}),
            "Bounce notification has no mail",
        ),
    ],
)
def test_a_notification_that_cannot_be_read_is_retried_towards_the_dead_letter_queue(
    outbox: OutboundPipeline, caplog: pytest.LogCaptureFixture, body: str, reason: str
) -> None:
    result = outbox.telemetry_body(body)

    assert result["batchItemFailures"] == [{"itemIdentifier": "t-1"}]
    [logged] = [r for r in caplog.records if r.levelname == "ERROR" and hasattr(r, "reason")]
    assert reason in logged.reason


def test_what_is_not_a_sending_event_is_ignored(outbox: OutboundPipeline) -> None:
    confirmation = json.dumps({"Type": "SubscriptionConfirmation", "Message": "You have chosen"})

    assert outbox.telemetry_body(confirmation)["batchItemFailures"] == []


def test_a_delivery_before_its_send_records_the_hand_off_then_the_delivery(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_gone(self: PostgresOutbox, *args: Any, **kwargs: Any) -> Any:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    real = PostgresOutbox.record_sent
    monkeypatch.setattr(PostgresOutbox, "record_sent", database_gone)
    message_id, ses_id = _send(outbox, JANE)  # SES took it; its record was lost
    monkeypatch.setattr(PostgresOutbox, "record_sent", real)
    outbox.run()  # the record comes back, and finds the hand-off begun
    assert _message(outbox, message_id)["status"] == "sending"
    tags = _tags(outbox, message_id)

    send = ses_notification("event-send.json", ses_id, [JANE], tags=tags, minutes=-1)
    outbox.telemetry(ses_notification("event-delivery.json", ses_id, [JANE], tags=tags, minutes=1))
    outbox.telemetry(send)

    found = _message(outbox, message_id)
    assert (found["status"], found["ses_message_id"]) == ("delivered", ses_id)
    assert _statuses(outbox, message_id) == {JANE: "delivered"}
    assert [e["type"] for e in _events(outbox)] == ["message.sent", "message.delivered"]
    assert len(sent_mail()) == 1
    [(sent_at,)] = outbox.rows("SELECT sent_at FROM message_recipients")
    assert sent_at == datetime.fromisoformat(send["mail"]["timestamp"])  # SES's time of it


def _bounce(outbox: OutboundPipeline, message_id: str, ses_id: str, to: str) -> dict[str, Any]:
    return ses_notification(
        "event-bounce-permanent-general.json", ses_id, [to], tags=_tags(outbox, message_id)
    )


def test_a_batch_is_recorded_whole_and_a_malformed_record_fails_alone(
    outbox: OutboundPipeline, caplog: pytest.LogCaptureFixture
) -> None:
    first, first_ses = _send(outbox, JANE)
    second, second_ses = _send(outbox, BOB)
    delivered = ses_notification(
        "event-delivery.json", first_ses, [JANE], tags=_tags(outbox, first)
    )
    bounced = _bounce(outbox, second, second_ses, BOB)

    result = outbox.telemetry_bodies(
        [
            json.dumps({"Type": "Notification", "Message": json.dumps(delivered)}),
            "not json",
            json.dumps({"Type": "Notification", "Message": json.dumps(bounced)}),
        ]
    )

    assert result["batchItemFailures"] == [{"itemIdentifier": "t-2"}]
    assert (_message(outbox, first)["status"], _message(outbox, second)["status"]) == (
        "delivered",
        "bounced",
    )
    assert _suppressed(outbox) == {BOB: "bounce"}
    [logged] = [r for r in caplog.records if r.levelname == "ERROR" and hasattr(r, "reason")]
    assert "SQS body is not JSON" in logged.reason


def test_a_failing_batch_is_recorded_event_by_event_and_only_the_failing_record_comes_back(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, first_ses = _send(outbox, JANE)
    second, second_ses = _send(outbox, BOB)
    real = PostgresOutbox.record_sent_many

    def refuses_bob(self: PostgresOutbox, sent: Any) -> Any:
        if any(s.ses_message_id == second_ses for s in sent):
            raise psycopg.errors.SerializationFailure("could not serialize access")
        return real(self, sent)

    monkeypatch.setattr(PostgresOutbox, "record_sent_many", refuses_bob)
    result = outbox.telemetry_batch(
        [
            ses_notification("event-delivery.json", first_ses, [JANE], tags=_tags(outbox, first)),
            ses_notification("event-delivery.json", second_ses, [BOB], tags=_tags(outbox, second)),
        ]
    )

    assert result["batchItemFailures"] == [{"itemIdentifier": "t-2"}]
    assert _message(outbox, first)["status"] == "delivered"
    assert _message(outbox, second)["status"] == "sent"


def test_hard_bounces_past_the_brake_pause_the_domain_once(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRAKE_MIN_SENT", "3")
    monkeypatch.setenv("BRAKE_MIN_EVENTS", "2")
    telemetry.container.cache_clear()  # its settings are read when it is built
    sent = [_send(outbox, f"reader{n}@customer.example") for n in range(3)]
    [domain] = outbox.tenant.api.get("/domains").json()["data"]

    first = outbox.telemetry_batch(
        [
            _bounce(outbox, pk, ses, f"reader{n}@customer.example")
            for n, (pk, ses) in enumerate(sent[:2])
        ]
    )
    again = outbox.telemetry_batch([_bounce(outbox, *sent[2], "reader2@customer.example")])

    assert first["batchItemFailures"] == again["batchItemFailures"] == []
    paused = [e for e in _events(outbox) if e["type"] == "domain.sending_paused"]
    assert [e["subject_id"] for e in paused] == [domain["id"]]
    assert paused[0]["data"]["figures"]["hard_bounced"] == 2
    assert outbox.tenant.api.get(f"/domains/{domain['id']}").json()["sending"]["paused"] is True


def test_each_batch_writes_its_counts_per_domain_as_metrics(
    outbox: OutboundPipeline, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    message_id, ses_id = _send(outbox, JANE, BOB)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    capsys.readouterr()

    outbox.telemetry_batch(
        [
            ses_notification("event-delivery.json", ses_id, [JANE], tags=_tags(outbox, message_id)),
            _bounce(outbox, message_id, ses_id, BOB),
        ]
    )

    blocks = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    [domain] = [b for b in blocks if b.get("Domain") == "example.com"]
    assert (domain["RecipientsDelivered"], domain["RecipientsHardBounced"]) == ([1.0], [1.0])
