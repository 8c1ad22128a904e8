"""Delivery tracking on the local platform over real HTTP: the local SES plays the mailbox
simulator, its events go through SNS, the telemetry queue and the telemetry function as on
AWS, and what they say shows on the message, its history and the suppression list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from http import HTTPStatus
from uuid import UUID

import pytest
from mailman_client import AuthenticatedClient
from mailman_client.api.mail import messages_delivery, messages_get, messages_list
from mailman_client.api.sending import messages_send
from mailman_client.api.suppressions import suppressions_get
from mailman_client.models import (
    BounceOut,
    ComplaintOut,
    DeliveryOut,
    Error,
    ListOfMessageOut,
    MessageOut,
    RecipientOut,
    SendIn,
    SuppressionOut,
)
from mailman_client.types import Response

from tests.e2e.conftest import LocalPlatform, ok, poll, quickstart_inbox, running_platform

pytestmark = pytest.mark.e2e

SIMULATOR = "simulator.amazonses.com"
SETTLE_SECONDS = 30


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with running_platform(
        tmp_path_factory,
        "delivery",
        {"MAILMAN_QUICKSTART": "1", "MAILMAN_DISPATCHER_SECONDS": "1"},
    ) as running:
        yield running


@pytest.fixture(scope="module")
def inbox(api: AuthenticatedClient) -> UUID:
    return quickstart_inbox(api, "news")


def _send(api: AuthenticatedClient, inbox: UUID, *to: str) -> Response[Error | MessageOut]:
    body = SendIn(to=list(to), subject="Delivery tracking", text="Did it arrive?")
    return messages_send.sync_detailed(inbox, client=api, body=body)


def _sent(api: AuthenticatedClient, inbox: UUID, *to: str) -> UUID:
    return ok(MessageOut, _send(api, inbox, *to).parsed).id


def _settled(api: AuthenticatedClient, message_id: UUID, status: str) -> MessageOut:
    """The message once its status reads `status` (the test fails if it never does)."""
    found: list[MessageOut] = []

    def reads() -> bool:
        found[:] = [ok(MessageOut, messages_get.sync(message_id, client=api))]
        return found[0].status == status

    assert poll(reads, timeout=SETTLE_SECONDS, interval=0.3), found
    return found[0]


def _recipient(message: MessageOut, address: str) -> RecipientOut:
    return next(r for r in message.recipients if r.address == address)


def _suppression(api: AuthenticatedClient, address: str) -> Response[Error | SuppressionOut]:
    return suppressions_get.sync_detailed(address, client=api)


def test_a_send_to_success_ends_delivered(api: AuthenticatedClient, inbox: UUID) -> None:
    sent = _sent(api, inbox, f"success@{SIMULATOR}")

    message = _settled(api, sent, "delivered")

    recipient = _recipient(message, f"success@{SIMULATOR}")
    assert recipient.status == "delivered"
    assert isinstance(recipient.delivered_at, datetime)
    assert recipient.bounce is None
    assert _suppression(api, f"success@{SIMULATOR}").status_code == HTTPStatus.NOT_FOUND


def test_a_bounce_ends_bounced_with_its_diagnostic_and_suppresses_the_address(
    api: AuthenticatedClient, inbox: UUID
) -> None:
    address = f"bounce@{SIMULATOR}"
    sent = _sent(api, inbox, address)

    message = _settled(api, sent, "bounced")

    bounce = ok(BounceOut, _recipient(message, address).bounce)
    assert bounce.type_ == "Permanent"
    assert bounce.diagnostic_code
    assert (bounce.smtp_status or "").startswith("5.")
    suppressed = ok(SuppressionOut, _suppression(api, address).parsed)
    assert suppressed.reason == "bounce"
    assert suppressed.source_message_id == message.id
    history = ok(DeliveryOut, messages_delivery.sync(message.id, client=api))
    assert [e.type_ for e in history.data] == ["send", "bounce"]

    again = _send(api, inbox, address)

    assert again.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    error = ok(Error, again.parsed).error
    assert error.type_ == "recipients_suppressed"
    assert address in error.message


def test_a_complaint_ends_complained_and_suppresses_the_address(
    api: AuthenticatedClient, inbox: UUID
) -> None:
    address = f"complaint@{SIMULATOR}"
    sent = _sent(api, inbox, address)

    message = _settled(api, sent, "complained")

    recipient = _recipient(message, address)
    assert recipient.status == "complained"
    assert ok(ComplaintOut, recipient.complaint).feedback_type == "abuse"
    assert isinstance(recipient.delivered_at, datetime)
    assert ok(SuppressionOut, _suppression(api, address).parsed).reason == "complaint"


def test_a_mixed_send_shows_each_recipients_outcome(api: AuthenticatedClient, inbox: UUID) -> None:
    delivered, bounced = f"success+mixed@{SIMULATOR}", f"bounce+mixed@{SIMULATOR}"
    sent = _sent(api, inbox, delivered, bounced)

    message = _settled(api, sent, "partially_delivered")

    assert _recipient(message, delivered).status == "delivered"
    assert _recipient(message, bounced).status == "bounced"
    listed = messages_list.sync(inbox, client=api, delivery_status="bounced")
    assert message.id in [m.id for m in ok(ListOfMessageOut, listed).data]
