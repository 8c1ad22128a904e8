"""Webhooks on the local platform, as `make dev` runs them: the event log's deliveries go
through `webhooks.fifo`, the dispatcher, the reports queue and the recorder to a receiver on
127.0.0.1 that verifies every one with the `standardwebhooks` package, not with Mailman's
own signing code."""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from local.webhook_receiver import Answer, Received, WebhookReceiver, fail_first
from tests.e2e.conftest import LocalPlatform, poll, quickstart_inbox, running_platform

pytestmark = pytest.mark.e2e

SIMULATOR = "simulator.amazonses.com"
ARRIVAL_SECONDS = 20
RETRY_SECONDS = 30
"""The first retry waits about 5 s (±20 %), the sweep runs every second here."""


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with running_platform(
        tmp_path_factory,
        "webhooks",
        {"MAILMAN_QUICKSTART": "1", "MAILMAN_DISPATCHER_SECONDS": "1"},
    ) as running:
        yield running


@pytest.fixture(scope="module")
def inbox(client: httpx.Client) -> dict[str, Any]:
    inbox_id = quickstart_inbox(client, "agent")
    found: dict[str, Any] = client.get(f"/inboxes/{inbox_id}").json()
    return found


@pytest.fixture
def receiver(client: httpx.Client) -> Iterator[tuple[WebhookReceiver, dict[str, Any]]]:
    """A receiver with an endpoint of its own (deleted afterwards), verifying with its secret."""
    with WebhookReceiver() as running:
        created = client.post("/webhooks", json={"url": running.url, "description": "e2e"})
        assert created.status_code == 201, created.text
        endpoint = created.json()
        running.secrets = (endpoint["secret"],)
        yield running, endpoint
        client.delete(f"/webhooks/{endpoint['id']}")


def _arrived(receiver: WebhookReceiver, type_: str, subject_id: str) -> Received:
    """The first delivery of `type_` about message `subject_id` (fails if none arrives)."""
    found: list[Received] = []

    def arrived() -> bool:
        found[:] = [
            r
            for r in receiver.received
            if r.type == type_ and (r.payload or {}).get("data", {}).get("message_id") == subject_id
        ]
        return bool(found)

    assert poll(arrived, timeout=ARRIVAL_SECONDS, interval=0.1), (
        type_,
        [r.type for r in receiver.received],
    )
    return found[0]


def _verified_alone(delivery: Received, secret: str) -> Any:
    """The body, verified with `secret` by the off-the-shelf verifier (raises if it fails)."""
    return Webhook(secret).verify(delivery.body, delivery.headers)


def _smtp_port(platform: LocalPlatform) -> int:
    address = platform.printed("SMTP")
    assert address is not None
    return int(address.rpartition(":")[2])


def _mail_in(platform: LocalPlatform, to: str, subject: str) -> None:
    message = EmailMessage()
    message["From"] = "Jane Customer <jane@customer.example>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4()}@customer.example>"
    message.set_content("Where is my order?\n")
    with smtplib.SMTP("127.0.0.1", _smtp_port(platform), timeout=10) as smtp:
        smtp.send_message(message)


def _message_of(client: httpx.Client, inbox: dict[str, Any], subject: str) -> str:
    found: list[str] = []

    def stored() -> bool:
        listed = client.get(f"/inboxes/{inbox['id']}/messages").json()["data"]
        found[:] = [m["id"] for m in listed if m.get("subject") == subject]
        return bool(found)

    assert poll(stored, timeout=ARRIVAL_SECONDS, interval=0.2)
    return found[0]


def _send(client: httpx.Client, inbox: dict[str, Any], to: str) -> str:
    sent = client.post(
        f"/inboxes/{inbox['id']}/messages",
        json={"to": [to], "subject": "Webhooks e2e", "text": "Did it arrive?"},
    )
    assert sent.status_code == 202, sent.text
    return str(sent.json()["id"])


def test_mail_sent_to_the_smtp_port_arrives_as_a_verified_message_received(
    platform: LocalPlatform,
    client: httpx.Client,
    inbox: dict[str, Any],
    receiver: tuple[WebhookReceiver, dict[str, Any]],
) -> None:
    running, endpoint = receiver
    subject = f"Order {uuid.uuid4().hex[:8]}"
    _mail_in(platform, inbox["address"], subject)
    message_id = _message_of(client, inbox, subject)

    delivery = _arrived(running, "message.received", message_id)

    body = _verified_alone(delivery, endpoint["secret"])
    assert delivery.verified is True
    assert body["type"] == "message.received"
    assert body["data"]["message"]["subject"] == subject
    assert body["data"]["message"]["direction"] == "inbound"
    assert body["data"]["message"]["links"]["raw"].endswith(f"/messages/{message_id}/raw")
    assert "Where is my order?" in body["data"]["message"]["extracted_text"]
    events = client.get("/events", params={"type": "message.received", "limit": 100}).json()["data"]
    assert delivery.webhook_id in {e["id"] for e in events}


def test_a_send_is_heard_of_as_sent_then_delivered_and_a_bounce_as_bounced(
    client: httpx.Client,
    inbox: dict[str, Any],
    receiver: tuple[WebhookReceiver, dict[str, Any]],
) -> None:
    running, endpoint = receiver
    delivered = _send(client, inbox, f"success@{SIMULATOR}")
    bounced = _send(client, inbox, f"bounce@{SIMULATOR}")

    sent = _arrived(running, "message.sent", delivered)
    arrived = _arrived(running, "message.delivered", delivered)
    bounce = _arrived(running, "message.bounced", bounced)

    for delivery in (sent, arrived, bounce):
        _verified_alone(delivery, endpoint["secret"])
    assert sent.at <= arrived.at
    assert arrived.payload is not None
    assert arrived.payload["data"]["recipient"] == (f"success@{SIMULATOR}")
    assert bounce.payload is not None
    assert bounce.payload["data"]["bounce_type"] == "Permanent"


def test_a_failing_receiver_is_retried_under_the_same_webhook_id_and_the_log_shows_each_attempt(
    client: httpx.Client,
    inbox: dict[str, Any],
    receiver: tuple[WebhookReceiver, dict[str, Any]],
) -> None:
    running, endpoint = receiver
    running.script(fail_first(1, 503))
    message_id = _send(client, inbox, f"success@{SIMULATOR}")

    def twice() -> bool:
        tries = [
            r
            for r in running.received
            if (r.payload or {}).get("data", {}).get("message_id") == message_id
            and r.type == "message.sent"
        ]
        return len(tries) >= 2

    assert poll(twice, timeout=RETRY_SECONDS, interval=0.2), [r.type for r in running.received]
    tries = [
        r
        for r in running.received
        if r.type == "message.sent" and (r.payload or {})["data"]["message_id"] == message_id
    ]
    assert [t.status for t in tries[:2]] == [503, 204]
    assert tries[0].webhook_id == tries[1].webhook_id
    assert tries[0].body == tries[1].body

    def logged() -> list[dict[str, Any]]:
        listed = client.get(
            f"/webhooks/{endpoint['id']}/deliveries", params={"event_type": "message.sent"}
        ).json()["data"]
        return [d for d in listed if d["event_id"] == tries[0].webhook_id]

    assert poll(lambda: bool(logged()) and logged()[0]["status"] == "delivered", timeout=10)
    attempts = logged()[0]["attempts"]
    assert [(a["outcome"], a["status_code"]) for a in attempts] == [
        ("failed", 503),
        ("delivered", 204),
    ]
    assert all(a["latency_ms"] >= 0 and a["attempted_at"] for a in attempts)


def test_recover_resends_a_failed_delivery_with_the_same_webhook_id(
    client: httpx.Client,
    inbox: dict[str, Any],
    receiver: tuple[WebhookReceiver, dict[str, Any]],
) -> None:
    running, endpoint = receiver
    since = datetime.now(UTC).isoformat()
    running.script([Answer(410, b"gone")])
    message_id = _send(client, inbox, f"success@{SIMULATOR}")
    first = _arrived(running, "message.sent", message_id)
    assert first.status == 410

    def disabled() -> bool:
        shown = client.get(f"/webhooks/{endpoint['id']}").json()
        return shown["enabled"] is False and shown["disabled_reason"] == "gone"

    assert poll(disabled, timeout=10, interval=0.2)
    enabled = client.patch(f"/webhooks/{endpoint['id']}", json={"enabled": True})
    assert enabled.status_code == 200, enabled.text

    recovered = client.post(f"/webhooks/{endpoint['id']}/recover", json={"since": since})
    assert recovered.status_code == 202, recovered.text
    assert recovered.json()["recovered"] >= 1

    def again() -> bool:
        return any(r.webhook_id == first.webhook_id and r.status == 204 for r in running.received)

    assert poll(again, timeout=ARRIVAL_SECONDS, interval=0.2)
    replay = next(
        r for r in running.received if r.webhook_id == first.webhook_id and r.status == 204
    )
    assert replay.body == first.body
    _verified_alone(replay, endpoint["secret"])


def test_during_a_rotation_each_delivery_verifies_with_the_old_secret_and_with_the_new(
    client: httpx.Client, receiver: tuple[WebhookReceiver, dict[str, Any]]
) -> None:
    running, endpoint = receiver
    rotated = client.post(f"/webhooks/{endpoint['id']}/rotate-secret", json={})
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != endpoint["secret"]
    running.secrets = (new_secret,)

    tested = client.post(f"/webhooks/{endpoint['id']}/test")

    assert tested.status_code == 200, tested.text
    assert tested.json()["attempt"]["outcome"] == "delivered"
    delivery = next(r for r in running.received if r.type == "webhook.test")
    assert len(delivery.headers["webhook-signature"].split(" ")) == 2
    _verified_alone(delivery, endpoint["secret"])
    _verified_alone(delivery, new_secret)
    assert delivery.webhook_id == tested.json()["event_id"]


def test_a_webhook_to_the_metadata_address_spelled_in_decimal_is_refused_even_locally(
    client: httpx.Client,
) -> None:
    refused = client.post("/webhooks", json={"url": "http://2852039166/latest/meta-data"})

    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "url"
