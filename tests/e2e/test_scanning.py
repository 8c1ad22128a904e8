"""Received mail on the local platform is scanned by a real clamd before it is stored, and
`X-Mailman-Local-Verdicts` plays SES's own verdicts for one message: over SMTP, seen over the
API."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import LocalPlatform, poll, quickstart_inbox, running_platform
from tests.eicar import SIGNATURE, eicar, zipped

pytestmark = pytest.mark.e2e

ARRIVAL_SECONDS = 10.0


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with running_platform(tmp_path_factory, "scanning", {"MAILMAN_QUICKSTART": "1"}) as running:
        yield running


@pytest.fixture(scope="module")
def inbox_id(client: httpx.Client) -> str:
    return quickstart_inbox(client, "scanned")


def _send(platform: LocalPlatform, message: EmailMessage) -> None:
    address = platform.printed("SMTP")
    assert address is not None, platform.output
    with smtplib.SMTP("127.0.0.1", int(address.rpartition(":")[2]), timeout=10) as smtp:
        smtp.send_message(message)


def _message(subject: str, to: str = "scanned@mailman.test") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Alice <alice@elsewhere.example>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Hello.\n")
    return message


def _arrived(client: httpx.Client, inbox_id: str, subject: str, query: str) -> dict[str, Any]:
    """The message of `subject` listed by `GET /inboxes/{id}/messages?{query}`, once there."""
    found: list[dict[str, Any]] = []

    def listed() -> bool:
        page = client.get(f"/inboxes/{inbox_id}/messages?{query}")
        assert page.status_code == 200, page.text
        found[:] = [m for m in page.json()["data"] if m["subject"] == subject]
        return bool(found)

    assert poll(listed, ARRIVAL_SECONDS, interval=0.2), f"{subject!r} not listed ({query})"
    return found[0]


def test_the_platform_says_it_scans_with_clamd(platform: LocalPlatform) -> None:
    address = platform.printed("Scanning")

    assert address is not None
    assert address.startswith("tcp://127.0.0.1:"), platform.output


def test_eicar_in_a_zip_is_quarantined_as_a_virus_with_its_signature(
    platform: LocalPlatform, client: httpx.Client, inbox_id: str
) -> None:
    message = _message("Invoice attached")
    message.add_attachment(
        zipped({"invoice.com": eicar()}),
        maintype="application",
        subtype="zip",
        filename="invoice.zip",
    )

    _send(platform, message)
    held = _arrived(client, inbox_id, "Invoice attached", "quarantined=true")

    assert held["quarantined"] is True
    assert held["quarantine_reason"] == "virus"
    assert held["scan"]["verdict"] == "fail"
    assert held["scan"]["signature"].startswith(SIGNATURE)
    assert held["scan"]["engine"].startswith("ClamAV ")
    listed = client.get(f"/inboxes/{inbox_id}/messages").json()["data"]
    assert "Invoice attached" not in [m["subject"] for m in listed]


def test_a_clean_mail_passes_our_scanner(
    platform: LocalPlatform, client: httpx.Client, inbox_id: str
) -> None:
    message = _message("Minutes attached")
    message.add_attachment(
        zipped({"minutes.txt": b"Nothing to see here.\n"}),
        maintype="application",
        subtype="zip",
        filename="minutes.zip",
    )

    _send(platform, message)
    delivered = _arrived(client, inbox_id, "Minutes attached", "folder=inbox")

    assert delivered["quarantined"] is False
    assert delivered["scan"]["verdict"] == "pass"
    assert delivered["scan"]["engine"].startswith("ClamAV ")
    assert delivered["scan"]["signature"] is None


def test_the_local_verdicts_header_puts_spam_in_the_spam_folder_and_is_gone(
    platform: LocalPlatform, client: httpx.Client, inbox_id: str
) -> None:
    message = _message("Cheap watches")
    message["X-Mailman-Local-Verdicts"] = "spam=FAIL"

    _send(platform, message)
    spam = _arrived(client, inbox_id, "Cheap watches", "folder=spam")

    assert spam["folder"] == "spam"
    assert spam["verdicts"]["spam"] == "FAIL"
    raw = httpx.get(client.get(f"/messages/{spam['id']}/raw").json()["url"]).content
    assert b"Subject: Cheap watches" in raw
    assert b"x-mailman-local-verdicts" not in raw.lower()


def test_the_local_verdicts_header_has_a_virus_verdict_quarantined(
    platform: LocalPlatform, client: httpx.Client, inbox_id: str
) -> None:
    message = _message("Flagged by SES")
    message["X-Mailman-Local-Verdicts"] = "virus=FAIL"

    _send(platform, message)
    held = _arrived(client, inbox_id, "Flagged by SES", "quarantined=true")

    assert held["quarantine_reason"] == "virus"
    assert held["verdicts"]["virus"] == "FAIL"


def test_without_clamd_the_platform_says_scanning_is_off_and_mail_shows_it(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with running_platform(
        tmp_path_factory, "unscanned", {"MAILMAN_QUICKSTART": "1", "MAILMAN_CLAMD": "off"}
    ) as off:
        with off.client(off.api_key) as http:
            inbox = quickstart_inbox(http, "scanned")
            _send(off, _message("Not scanned"))
            arrived = _arrived(http, inbox, "Not scanned", "folder=inbox")

        assert off.printed("Scanning") == "OFF"
        assert "virus scanning is OFF" in off.output
        assert arrived["scan"]["verdict"] == "off"
