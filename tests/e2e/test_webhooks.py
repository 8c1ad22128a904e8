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
from http import HTTPStatus
from typing import Any
from uuid import UUID

import pytest
from mailman_client import AuthenticatedClient
from mailman_client.api.events import events_list
from mailman_client.api.inboxes import inboxes_get
from mailman_client.api.mail import messages_list
from mailman_client.api.sending import messages_send
from mailman_client.api.webhooks import (
    webhooks_create,
    webhooks_delete,
    webhooks_deliveries_list,
    webhooks_get,
    webhooks_recover,
    webhooks_rotate_secret,
    webhooks_test,
    webhooks_update,
)
from mailman_client.models import (
    CreateWebhook,
    Error,
    EventsOut,
    InboxOut,
    ListOfMessageOut,
    ListOfWebhookDeliveryOut,
    MessageOut,
    RecoverIn,
    RecoverOut,
    RotateSecretIn,
    SendIn,
    UpdateWebhook,
    WebhookDeliveryOut,
    WebhookOut,
    WebhookTestOut,
    WebhookWithSecretOut,
)
from standardwebhooks import Webhook

from local.webhook_receiver import Answer, Received, WebhookReceiver, fail_first
from tests.e2e.conftest import LocalPlatform, ok, poll, quickstart_inbox, running_platform

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
def inbox(api: AuthenticatedClient) -> InboxOut:
    return ok(InboxOut, inboxes_get.sync(quickstart_inbox(api, "agent"), client=api))


Endpoint = tuple[WebhookReceiver, WebhookWithSecretOut]


@pytest.fixture
def receiver(api: AuthenticatedClient) -> Iterator[Endpoint]:
    """A receiver with an endpoint of its own (deleted afterwards), verifying with its secret."""
    with WebhookReceiver() as running:
        body = CreateWebhook(url=running.url, description="e2e")
        endpoint = ok(WebhookWithSecretOut, webhooks_create.sync(client=api, body=body))
        running.secrets = (endpoint.secret,)
        yield running, endpoint
        deleted = webhooks_delete.sync_detailed(endpoint.id, client=api)
        assert deleted.status_code == HTTPStatus.NO_CONTENT


def _arrived(receiver: WebhookReceiver, type_: str, message_id: UUID) -> Received:
    """The first delivery of `type_` about message `message_id` (fails if none arrives)."""
    found: list[Received] = []

    def arrived() -> bool:
        found[:] = [
            r for r in receiver.received if r.type == type_ and _about(r) == str(message_id)
        ]
        return bool(found)

    assert poll(arrived, timeout=ARRIVAL_SECONDS, interval=0.1), (
        type_,
        [r.type for r in receiver.received],
    )
    return found[0]


def _about(delivery: Received) -> Any:
    """The message a delivery's event is about."""
    return (delivery.payload or {}).get("data", {}).get("message_id")


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


def _message_of(api: AuthenticatedClient, inbox: InboxOut, subject: str) -> UUID:
    found: list[UUID] = []

    def stored() -> bool:
        listed = ok(ListOfMessageOut, messages_list.sync(inbox.id, client=api)).data
        found[:] = [m.id for m in listed if m.subject == subject]
        return bool(found)

    assert poll(stored, timeout=ARRIVAL_SECONDS, interval=0.2)
    return found[0]


def _send(api: AuthenticatedClient, inbox: InboxOut, to: str) -> UUID:
    body = SendIn(to=[to], subject="Webhooks e2e", text="Did it arrive?")
    return ok(MessageOut, messages_send.sync(inbox.id, client=api, body=body)).id


def test_mail_sent_to_the_smtp_port_arrives_as_a_verified_message_received(
    platform: LocalPlatform, api: AuthenticatedClient, inbox: InboxOut, receiver: Endpoint
) -> None:
    running, endpoint = receiver
    subject = f"Order {uuid.uuid4().hex[:8]}"
    _mail_in(platform, inbox.address, subject)
    message_id = _message_of(api, inbox, subject)

    delivery = _arrived(running, "message.received", message_id)

    body = _verified_alone(delivery, endpoint.secret)
    assert delivery.verified is True
    assert body["type"] == "message.received"
    assert body["data"]["message"]["subject"] == subject
    assert body["data"]["message"]["direction"] == "inbound"
    assert body["data"]["message"]["links"]["raw"].endswith(f"/messages/{message_id}/raw")
    assert "Where is my order?" in body["data"]["message"]["extracted_text"]
    events = ok(EventsOut, events_list.sync(client=api, type_=["message.received"], limit=100)).data
    assert delivery.webhook_id in {str(e.id) for e in events}


def test_a_send_is_heard_of_as_sent_then_delivered_and_a_bounce_as_bounced(
    api: AuthenticatedClient, inbox: InboxOut, receiver: Endpoint
) -> None:
    running, endpoint = receiver
    delivered = _send(api, inbox, f"success@{SIMULATOR}")
    bounced = _send(api, inbox, f"bounce@{SIMULATOR}")

    sent = _arrived(running, "message.sent", delivered)
    arrived = _arrived(running, "message.delivered", delivered)
    bounce = _arrived(running, "message.bounced", bounced)

    for delivery in (sent, arrived, bounce):
        _verified_alone(delivery, endpoint.secret)
    assert sent.at <= arrived.at
    assert arrived.payload is not None
    assert arrived.payload["data"]["recipient"] == (f"success@{SIMULATOR}")
    assert bounce.payload is not None
    assert bounce.payload["data"]["bounce_type"] == "Permanent"


def test_a_failing_receiver_is_retried_under_the_same_webhook_id_and_the_log_shows_each_attempt(
    api: AuthenticatedClient, inbox: InboxOut, receiver: Endpoint
) -> None:
    running, endpoint = receiver
    running.script(fail_first(1, 503))
    message_id = _send(api, inbox, f"success@{SIMULATOR}")

    def tries() -> list[Received]:
        return [
            r for r in running.received if r.type == "message.sent" and _about(r) == str(message_id)
        ]

    assert poll(lambda: len(tries()) >= 2, timeout=RETRY_SECONDS, interval=0.2), [
        r.type for r in running.received
    ]
    first, second = tries()[:2]
    assert [first.status, second.status] == [503, 204]
    assert first.webhook_id == second.webhook_id
    assert first.body == second.body

    def logged() -> list[WebhookDeliveryOut]:
        listed = webhooks_deliveries_list.sync(endpoint.id, client=api, event_type="message.sent")
        return [
            d
            for d in ok(ListOfWebhookDeliveryOut, listed).data
            if str(d.event_id) == first.webhook_id
        ]

    assert poll(lambda: bool(logged()) and logged()[0].status == "delivered", timeout=10)
    attempts = logged()[0].attempts
    assert [(a.outcome, a.status_code) for a in attempts] == [
        ("failed", 503),
        ("delivered", 204),
    ]
    assert all(a.latency_ms >= 0 for a in attempts)


def test_recover_resends_a_failed_delivery_with_the_same_webhook_id(
    api: AuthenticatedClient, inbox: InboxOut, receiver: Endpoint
) -> None:
    running, endpoint = receiver
    since = datetime.now(UTC)
    running.script([Answer(410, b"gone")])
    message_id = _send(api, inbox, f"success@{SIMULATOR}")
    first = _arrived(running, "message.sent", message_id)
    assert first.status == 410

    def disabled() -> bool:
        shown = ok(WebhookOut, webhooks_get.sync(endpoint.id, client=api))
        return shown.enabled is False and shown.disabled_reason == "gone"

    assert poll(disabled, timeout=10, interval=0.2)
    enable = UpdateWebhook(enabled=True)
    ok(WebhookOut, webhooks_update.sync(endpoint.id, client=api, body=enable))

    recovered = webhooks_recover.sync_detailed(endpoint.id, client=api, body=RecoverIn(since=since))
    assert recovered.status_code == HTTPStatus.ACCEPTED
    assert ok(RecoverOut, recovered.parsed).recovered >= 1

    def again() -> bool:
        return any(r.webhook_id == first.webhook_id and r.status == 204 for r in running.received)

    assert poll(again, timeout=ARRIVAL_SECONDS, interval=0.2)
    replay = next(
        r for r in running.received if r.webhook_id == first.webhook_id and r.status == 204
    )
    assert replay.body == first.body
    _verified_alone(replay, endpoint.secret)


def test_during_a_rotation_each_delivery_verifies_with_the_old_secret_and_with_the_new(
    api: AuthenticatedClient, receiver: Endpoint
) -> None:
    running, endpoint = receiver
    rotated = webhooks_rotate_secret.sync(endpoint.id, client=api, body=RotateSecretIn())
    new_secret = ok(WebhookWithSecretOut, rotated).secret
    assert new_secret != endpoint.secret
    running.secrets = (new_secret,)

    tested = ok(WebhookTestOut, webhooks_test.sync(endpoint.id, client=api))

    assert tested.attempt is not None
    assert tested.attempt.outcome == "delivered"
    delivery = next(r for r in running.received if r.type == "webhook.test")
    assert len(delivery.headers["webhook-signature"].split(" ")) == 2
    _verified_alone(delivery, endpoint.secret)
    _verified_alone(delivery, new_secret)
    assert delivery.webhook_id == str(tested.event_id)


def test_a_webhook_to_the_metadata_address_spelled_in_decimal_is_refused_even_locally(
    api: AuthenticatedClient,
) -> None:
    body = CreateWebhook(url="http://2852039166/latest/meta-data")

    refused = webhooks_create.sync_detailed(client=api, body=body)

    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert ok(Error, refused.parsed).error.field == "url"
