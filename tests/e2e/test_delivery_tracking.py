"""Delivery tracking on the local platform over real HTTP: the local SES plays the mailbox
simulator, its events go through SNS, the telemetry queue and the telemetry function as on
AWS, and what they say shows on the message, its history and the suppression list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.e2e.conftest import LocalPlatform, poll, quickstart_inbox, running_platform

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
def inbox(client: httpx.Client) -> str:
    return quickstart_inbox(client, "news")


def _send(client: httpx.Client, inbox: str, *to: str) -> httpx.Response:
    return client.post(
        f"/inboxes/{inbox}/messages",
        json={"to": list(to), "subject": "Delivery tracking", "text": "Did it arrive?"},
    )


def _settled(client: httpx.Client, message_id: str, status: str) -> dict[str, Any]:
    """The message once its status reads `status` (the test fails if it never does)."""
    found: dict[str, Any] = {}

    def reads() -> bool:
        found.update(client.get(f"/messages/{message_id}").json())
        return found.get("status") == status

    assert poll(reads, timeout=SETTLE_SECONDS, interval=0.3), found
    return found


def _recipient(message: dict[str, Any], address: str) -> dict[str, Any]:
    return next(r for r in message["recipients"] if r["address"] == address)


def _suppression(client: httpx.Client, address: str) -> httpx.Response:
    return client.get(f"/suppressions/{quote(address)}")


def test_a_send_to_success_ends_delivered(client: httpx.Client, inbox: str) -> None:
    sent = _send(client, inbox, f"success@{SIMULATOR}")
    assert sent.status_code == 202, sent.text

    message = _settled(client, sent.json()["id"], "delivered")

    recipient = _recipient(message, f"success@{SIMULATOR}")
    assert recipient["status"] == "delivered"
    assert recipient["delivered_at"] is not None
    assert recipient["bounce"] is None
    assert _suppression(client, f"success@{SIMULATOR}").status_code == 404


def test_a_bounce_ends_bounced_with_its_diagnostic_and_suppresses_the_address(
    client: httpx.Client, inbox: str
) -> None:
    address = f"bounce@{SIMULATOR}"
    sent = _send(client, inbox, address)
    assert sent.status_code == 202, sent.text

    message = _settled(client, sent.json()["id"], "bounced")

    bounce = _recipient(message, address)["bounce"]
    assert bounce["type"] == "Permanent"
    assert bounce["diagnostic_code"]
    assert bounce["smtp_status"].startswith("5.")
    suppressed = _suppression(client, address)
    assert suppressed.status_code == 200, suppressed.text
    assert suppressed.json()["reason"] == "bounce"
    assert suppressed.json()["source_message_id"] == message["id"]
    history = client.get(f"/messages/{message['id']}/delivery").json()
    assert [e["type"] for e in history["data"]] == ["send", "bounce"]

    again = _send(client, inbox, address)

    assert again.status_code == 422, again.text
    error = again.json()["error"]
    assert error["type"] == "recipients_suppressed"
    assert address in error["message"]


def test_a_complaint_ends_complained_and_suppresses_the_address(
    client: httpx.Client, inbox: str
) -> None:
    address = f"complaint@{SIMULATOR}"
    sent = _send(client, inbox, address)
    assert sent.status_code == 202, sent.text

    message = _settled(client, sent.json()["id"], "complained")

    recipient = _recipient(message, address)
    assert recipient["status"] == "complained"
    assert recipient["complaint"]["feedback_type"] == "abuse"
    assert recipient["delivered_at"] is not None
    assert _suppression(client, address).json()["reason"] == "complaint"


def test_a_mixed_send_shows_each_recipients_outcome(client: httpx.Client, inbox: str) -> None:
    delivered, bounced = f"success+mixed@{SIMULATOR}", f"bounce+mixed@{SIMULATOR}"
    sent = _send(client, inbox, delivered, bounced)
    assert sent.status_code == 202, sent.text

    message = _settled(client, sent.json()["id"], "partially_delivered")

    assert _recipient(message, delivered)["status"] == "delivered"
    assert _recipient(message, bounced)["status"] == "bounced"
    listed = client.get(f"/inboxes/{inbox}/messages", params={"delivery_status": "bounced"})
    assert message["id"] in [m["id"] for m in listed.json()["data"]]
