"""Received mail on the local platform is scanned by a real clamd before it is stored, and
`X-Mailman-Local-Verdicts` plays SES's own verdicts for one message: over SMTP, seen over the
API."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from uuid import UUID

import httpx
import pytest
from mailman_client import AuthenticatedClient
from mailman_client.api.mail import messages_list, messages_raw
from mailman_client.models import LinkOut, ListOfMessageOut, MessageOut, ScanOut
from mailman_client.types import UNSET, Unset

from tests.e2e.conftest import LocalPlatform, ok, poll, quickstart_inbox, running_platform
from tests.eicar import SIGNATURE, eicar, zipped

pytestmark = pytest.mark.e2e

ARRIVAL_SECONDS = 10.0


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with running_platform(tmp_path_factory, "scanning", {"MAILMAN_QUICKSTART": "1"}) as running:
        yield running


@pytest.fixture(scope="module")
def inbox_id(api: AuthenticatedClient) -> UUID:
    return quickstart_inbox(api, "scanned")


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


def _listed(
    api: AuthenticatedClient,
    inbox_id: UUID,
    *,
    quarantined: bool = False,
    folder: str | Unset = UNSET,
) -> list[MessageOut]:
    listed = messages_list.sync(inbox_id, client=api, quarantined=quarantined, folder=folder)
    return ok(ListOfMessageOut, listed).data


def _arrived(
    api: AuthenticatedClient,
    inbox_id: UUID,
    subject: str,
    *,
    quarantined: bool = False,
    folder: str | Unset = UNSET,
) -> MessageOut:
    """The message of `subject` the inbox's messages list with these filters, once there."""
    found: list[MessageOut] = []

    def listed() -> bool:
        page = _listed(api, inbox_id, quarantined=quarantined, folder=folder)
        found[:] = [m for m in page if m.subject == subject]
        return bool(found)

    assert poll(listed, ARRIVAL_SECONDS, interval=0.2), f"{subject!r} not listed"
    return found[0]


def test_the_platform_says_it_scans_with_clamd(platform: LocalPlatform) -> None:
    address = platform.printed("Scanning")

    assert address is not None
    assert address.startswith("tcp://127.0.0.1:"), platform.output


def test_eicar_in_a_zip_is_quarantined_as_a_virus_with_its_signature(
    platform: LocalPlatform, api: AuthenticatedClient, inbox_id: UUID
) -> None:
    message = _message("Invoice attached")
    message.add_attachment(
        zipped({"invoice.com": eicar()}),
        maintype="application",
        subtype="zip",
        filename="invoice.zip",
    )

    _send(platform, message)
    held = _arrived(api, inbox_id, "Invoice attached", quarantined=True)

    assert held.quarantined is True
    assert held.quarantine_reason == "virus"
    scan = ok(ScanOut, held.scan)
    assert scan.verdict == "fail"
    assert (scan.signature or "").startswith(SIGNATURE)
    assert (scan.engine or "").startswith("ClamAV ")
    assert "Invoice attached" not in [m.subject for m in _listed(api, inbox_id)]


def test_a_clean_mail_passes_our_scanner(
    platform: LocalPlatform, api: AuthenticatedClient, inbox_id: UUID
) -> None:
    message = _message("Minutes attached")
    message.add_attachment(
        zipped({"minutes.txt": b"Nothing to see here.\n"}),
        maintype="application",
        subtype="zip",
        filename="minutes.zip",
    )

    _send(platform, message)
    delivered = _arrived(api, inbox_id, "Minutes attached", folder="inbox")

    assert delivered.quarantined is False
    scan = ok(ScanOut, delivered.scan)
    assert scan.verdict == "pass"
    assert (scan.engine or "").startswith("ClamAV ")
    assert scan.signature is None


def test_the_local_verdicts_header_puts_spam_in_the_spam_folder_and_is_gone(
    platform: LocalPlatform, api: AuthenticatedClient, inbox_id: UUID
) -> None:
    message = _message("Cheap watches")
    message["X-Mailman-Local-Verdicts"] = "spam=FAIL"

    _send(platform, message)
    spam = _arrived(api, inbox_id, "Cheap watches", folder="spam")

    assert spam.folder == "spam"
    assert spam.verdicts["spam"] == "FAIL"
    raw = httpx.get(ok(LinkOut, messages_raw.sync(spam.id, client=api)).url).content
    assert b"Subject: Cheap watches" in raw
    assert b"x-mailman-local-verdicts" not in raw.lower()


def test_the_local_verdicts_header_has_a_virus_verdict_quarantined(
    platform: LocalPlatform, api: AuthenticatedClient, inbox_id: UUID
) -> None:
    message = _message("Flagged by SES")
    message["X-Mailman-Local-Verdicts"] = "virus=FAIL"

    _send(platform, message)
    held = _arrived(api, inbox_id, "Flagged by SES", quarantined=True)

    assert held.quarantine_reason == "virus"
    assert held.verdicts["virus"] == "FAIL"


def test_without_clamd_the_platform_says_scanning_is_off_and_mail_shows_it(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with running_platform(
        tmp_path_factory, "unscanned", {"MAILMAN_QUICKSTART": "1", "MAILMAN_CLAMD": "off"}
    ) as off:
        with off.api(off.api_key) as api:
            inbox = quickstart_inbox(api, "scanned")
            _send(off, _message("Not scanned"))
            arrived = _arrived(api, inbox, "Not scanned", folder="inbox")

        assert off.printed("Scanning") == "OFF"
        assert "virus scanning is OFF" in off.output
        assert ok(ScanOut, arrived.scan).verdict == "off"
