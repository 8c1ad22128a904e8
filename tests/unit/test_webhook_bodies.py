"""Webhook bodies: the event, the message as it stands, and the caps that keep a body
within `MAX_BODY_BYTES` (cut and flagged, never dropped)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import pytest

from mailman.domain.events import Event
from mailman.domain.webhook_bodies import (
    MessageSnapshot,
    SnapshotRecipient,
    body_size,
    render_body,
    snapshot_of,
)
from mailman.domain.webhook_targets import MAX_URL_LENGTH
from mailman.domain.webhook_work import WebhookWork
from mailman.domain.webhooks import EXTRACTED_TEXT_CAP, MAX_BODY_BYTES

API = "https://api.example.test/v1"
MESSAGE = UUID("6f1c0b1e-5a55-4c39-9d43-6a9f1d7f0e01")
THREAD = UUID("0d6a1a7e-77b6-46cf-8d1e-2b0f3c9e4a11")
INBOX = UUID("a3b1c2d4-0000-4000-8000-000000000001")
AT = datetime(2026, 11, 21, 13, 0, 0, 250000, tzinfo=timezone(timedelta(hours=1)))


def _event(type_: str = "message.sent", **payload: Any) -> Event:
    return Event(
        seq=7,
        id=uuid4(),
        type=type_,
        subject_id=MESSAGE,
        payload={"message_id": str(MESSAGE), "thread_id": str(THREAD), **payload},
        created_at=AT,
    )


def _recipients(n: int, kind: str = "to") -> tuple[SnapshotRecipient, ...]:
    return tuple(
        SnapshotRecipient(
            kind=kind, address=f"person{k}@customer.example", name=f"Person {k}", status="sent"
        )
        for k in range(n)
    )


def _snapshot(**changes: Any) -> MessageSnapshot:
    fields: dict[str, Any] = {
        "id": MESSAGE,
        "thread_id": THREAD,
        "inbox_id": INBOX,
        "direction": "outbound",
        "from_address": "support@example.com",
        "from_name": "Example Support",
        "subject": "Your order",
        "preview": "It ships today",
        "extracted_text": "It ships today.",
        "verdicts": {"spam": "PASS"},
        "status": "delivered",
        "recipients": (
            SnapshotRecipient(kind="to", address="jane@customer.example", name="Jane"),
            SnapshotRecipient(
                kind="cc", address="ops@customer.example", status="bounced", status_reason="5.1.1"
            ),
        ),
        **changes,
    }
    return MessageSnapshot(**fields)


def _render(event: Event, message: MessageSnapshot | None) -> tuple[str, dict[str, Any]]:
    body = render_body(event, message, api_base_url=API)
    return body, json.loads(body)


def test_an_events_body_is_its_type_time_and_payload() -> None:
    event = Event(
        seq=1,
        id=uuid4(),
        type="domain.verified",
        subject_id=uuid4(),
        payload={"domain": "example.com", "n": 1},
        created_at=AT,
    )

    body, parsed = _render(event, None)

    assert parsed == {
        "type": "domain.verified",
        "timestamp": "2026-11-21T12:00:00.250000Z",
        "data": {"domain": "example.com", "n": 1},
    }
    assert body == json.dumps(parsed, separators=(",", ":"), sort_keys=True)


def test_a_messages_event_carries_the_message_as_it_stands() -> None:
    _, parsed = _render(_event(ses_message_id="abc"), _snapshot())

    data = parsed["data"]
    assert data["ses_message_id"] == "abc"
    assert data["message"] == {
        "id": str(MESSAGE),
        "thread_id": str(THREAD),
        "inbox_id": str(INBOX),
        "direction": "outbound",
        "from": {"address": "support@example.com", "name": "Example Support"},
        "to": [{"address": "jane@customer.example", "name": "Jane"}],
        "cc": [{"address": "ops@customer.example", "name": None}],
        "subject": "Your order",
        "preview": "It ships today",
        "extracted_text": "It ships today.",
        "extracted_text_truncated": False,
        "verdicts": {"spam": "PASS"},
        "status": "delivered",
        "recipients": [
            {"kind": "to", "address": "jane@customer.example", "status": None, "reason": None},
            {
                "kind": "cc",
                "address": "ops@customer.example",
                "status": "bounced",
                "reason": "5.1.1",
            },
        ],
        "links": {
            "message": f"{API}/messages/{MESSAGE}",
            "raw": f"{API}/messages/{MESSAGE}/raw",
        },
    }
    assert "truncated" not in data


def test_mail_received_lists_no_delivery_status() -> None:
    _, parsed = _render(_event("message.received"), _snapshot(direction="inbound", status=None))

    assert parsed["data"]["message"]["recipients"] == []
    assert parsed["data"]["message"]["to"] == [{"address": "jane@customer.example", "name": "Jane"}]


def test_a_message_gone_since_its_event_is_null() -> None:
    _, parsed = _render(_event(), None)

    assert parsed["data"]["message"] is None


def test_only_a_messages_event_names_a_message_to_carry() -> None:
    assert snapshot_of(_event()) == MESSAGE
    assert snapshot_of(_event("domain.verified")) is None
    unroutable = _event("message.unroutable")
    assert snapshot_of(unroutable.model_copy(update={"payload": {"domain": "x"}})) is None
    assert snapshot_of(unroutable.model_copy(update={"payload": {"message_id": "nope"}})) is None


def test_the_extracted_text_is_capped_and_says_so() -> None:
    exactly = "a" * EXTRACTED_TEXT_CAP
    _, whole = _render(_event(), _snapshot(extracted_text=exactly))
    _, cut = _render(_event(), _snapshot(extracted_text=exactly + "b"))

    assert whole["data"]["message"]["extracted_text"] == exactly
    assert whole["data"]["message"]["extracted_text_truncated"] is False
    assert cut["data"]["message"]["extracted_text"] == exactly
    assert cut["data"]["message"]["extracted_text_truncated"] is True
    assert "truncated" not in cut["data"]


def test_a_body_too_large_cuts_the_text_first_and_says_which_fields() -> None:
    text = "\u00e9\n" * (EXTRACTED_TEXT_CAP // 2)
    many = _recipients(700)

    body, parsed = _render(_event(), _snapshot(extracted_text=text, recipients=many))

    message = parsed["data"]["message"]
    assert body_size(body) <= MAX_BODY_BYTES
    assert parsed["data"]["truncated"] is True
    assert parsed["data"]["truncated_fields"] == ["/message/extracted_text"]
    assert message["extracted_text_truncated"] is True
    assert text.startswith(message["extracted_text"])
    assert len(message["to"]) == 700
    assert len(message["recipients"]) == 700


def test_then_the_recipients_until_the_body_fits() -> None:
    many = _recipients(2500) + _recipients(200, "cc")

    body, parsed = _render(_event(), _snapshot(extracted_text="x" * 1000, recipients=many))

    data = parsed["data"]
    assert body_size(body) <= MAX_BODY_BYTES
    assert data["truncated_fields"][:2] == ["/message/extracted_text", "/message/recipients"]
    assert data["message"]["extracted_text"] == ""
    assert 0 < len(data["message"]["to"]) <= 2500
    assert MAX_BODY_BYTES - body_size(body) < 256


def test_a_huge_payload_string_is_cut_where_it_is_and_the_event_still_goes() -> None:
    event = _event("domain.note", note="n" * (3 * MAX_BODY_BYTES))

    body, parsed = _render(event, None)

    assert body_size(body) <= MAX_BODY_BYTES
    assert parsed["type"] == "domain.note"
    assert parsed["data"]["truncated_fields"] == ["/note"]
    assert parsed["data"]["message_id"] == str(MESSAGE)
    assert parsed["data"]["note"].startswith("nnn")


def test_a_body_is_the_same_bytes_each_time_it_is_rendered() -> None:
    event, snapshot = _event(), _snapshot(recipients=_recipients(3000))

    assert render_body(event, snapshot, api_base_url=API) == render_body(
        event, snapshot, api_base_url=API
    )


def _work(body: str) -> WebhookWork:
    """The body in its work, with a URL as long as one may be and two secrets."""
    return WebhookWork(
        delivery_id=uuid4(),
        organization_id=uuid4(),
        endpoint_id=uuid4(),
        lease=uuid4(),
        lease_expires_at=datetime(2100, 1, 1, tzinfo=UTC),
        webhook_id=str(uuid4()),
        url="https://hooks.example.test/" + "p" * (MAX_URL_LENGTH - 27),
        secrets=["c2VhbGVk" * 20, "c2VhbGVk" * 20],
        body=body,
        trigger="automatic",
        group=f"{uuid4()}:{uuid4()}",
    )


def _queued(work: WebhookWork) -> bytes:
    """The work as `SqsWebhookQueue` queues it: JSON in ASCII."""
    return json.dumps(work.model_dump(mode="json"), separators=(",", ":")).encode("ascii")


def test_a_body_of_quotes_still_fits_the_queue_inside_its_work() -> None:
    text = '"\\' * (EXTRACTED_TEXT_CAP // 2)
    body = render_body(
        _event(), _snapshot(extracted_text=text, recipients=_recipients(900)), api_base_url=API
    )

    assert len(body.encode()) <= body_size(body) <= MAX_BODY_BYTES
    assert len(_queued(_work(body))) < 256 * 1024


@pytest.mark.parametrize(
    "text",
    [
        "\u4e2d\u6587" * 15_000,
        "\u4e2d" * 43_500,
        "\u4e2d" * 60_000,
        "\U0001f600" * 40_000,
        "\uffff\ufffe" * 30_000,
    ],
    ids=["30000-cjk", "cjk-near-the-cap-in-utf8", "60000-cjk", "emoji", "nonchars"],
)
def test_a_body_of_any_script_fits_the_queue_inside_its_work_escaped_to_ascii(text: str) -> None:
    body, parsed = _render(_event("domain.note", note=text), None)

    assert len(body.encode()) <= body_size(body) <= MAX_BODY_BYTES
    assert MAX_BODY_BYTES - body_size(body) < 256 or parsed["data"]["note"] == text
    assert text.startswith(parsed["data"]["note"])
    assert len(_queued(_work(body))) < 256 * 1024


def test_a_body_is_measured_as_it_travels_escaped() -> None:
    assert body_size("\u4e2d") == len('"\\u4e2d"') == 8
    assert body_size("\U0001f600") == len('"\\ud83d\\ude00"') == 14
    assert body_size('a"') == len('"a\\""') == 5
