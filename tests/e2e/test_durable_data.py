"""A crash loses nothing: the local platform killed with SIGKILL while mail flows in over SMTP
and out through the API comes back on the same data folder with every stored message's raw
source and attachments, read back through the API's own download links."""

from __future__ import annotations

import base64
import hashlib
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from mailman_client import AuthenticatedClient
from mailman_client.api.mail import messages_attachment, messages_get, messages_list, messages_raw
from mailman_client.api.sending import messages_send
from mailman_client.errors import UnexpectedStatus
from mailman_client.models import AttachmentIn, LinkOut, ListOfMessageOut, MessageOut, SendIn
from mailman_client.types import UNSET, Unset

from tests.e2e.conftest import Launcher, LocalPlatform, Ports, ok, poll, quickstart_inbox

pytestmark = pytest.mark.e2e

ENVIRONMENT = {
    "MAILMAN_QUICKSTART": "1",
    "MAILMAN_DISPATCHER_SECONDS": "1",
    # The traffic and the read-back are well over the default 100 requests a minute.
    "RATE_LIMIT_PER_MINUTE": "100000",
    "ORGANIZATION_RATE_LIMIT_PER_MINUTE": "100000",
}
ACCEPTED_BEFORE_THE_KILL = 6
"""Messages each sender has had accepted when the platform is killed (both still sending)."""
HANDED_TO_SES = {"sent", "delivered", "partially_delivered", "bounced", "complained"}
"""Outgoing statuses reached only after the raw message was stored (it is stored, then
handed to SES); before (pending, or claimed as sending) it may not exist yet."""


@dataclass
class Traffic:
    """Two senders, each sending until told to stop or until the platform stops answering."""

    smtp_port: int
    api: AuthenticatedClient
    inbox: UUID
    stop: threading.Event = field(default_factory=threading.Event)
    smtp_accepted: list[str] = field(default_factory=list)
    """The Message-IDs (without <>) the SMTP server answered 250 for."""
    api_accepted: list[UUID] = field(default_factory=list)
    """The ids of the messages the API answered 202 for."""
    ended: list[str] = field(default_factory=list)
    """Why each sender stopped."""

    def start(self) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self._until_refused, args=(self._smtp_one,), daemon=True),
            threading.Thread(target=self._until_refused, args=(self._api_one,), daemon=True),
        ]
        for thread in threads:
            thread.start()
        return threads

    def _until_refused(self, send_one: Callable[[int], None]) -> None:
        n = 0
        while not self.stop.is_set():
            try:
                send_one(n)
            except (OSError, smtplib.SMTPException, httpx.HTTPError, UnexpectedStatus) as exc:
                self.ended.append(repr(exc))
                return
            n += 1
        self.ended.append("stopped")

    def _smtp_one(self, n: int) -> None:
        message = EmailMessage()
        message["From"] = "Carol <carol@elsewhere.example>"
        message["To"] = "alice@mailman.test"
        message["Subject"] = f"Inbound {n}"
        message["Message-ID"] = f"<inbound-{n}@elsewhere.example>"
        message.set_content(f"Message {n}, with a file.\n")
        message.add_attachment(
            _file(f"inbound {n}"), maintype="application", subtype="pdf", filename=f"in-{n}.pdf"
        )
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
        self.smtp_accepted.append(str(message["Message-ID"]).strip("<>"))

    def _api_one(self, n: int) -> None:
        content = base64.b64encode(_file(f"outbound {n}")).decode()
        body = SendIn(
            to=["bob@mailman.test"],
            subject=f"Outbound {n}",
            text=f"Message {n}, with a file.",
            attachments=[AttachmentIn(filename=f"out-{n}.pdf", content=content)],
        )
        sent = messages_send.sync_detailed(self.inbox, client=self.api, body=body)
        if not isinstance(sent.parsed, MessageOut):
            raise httpx.HTTPError(f"{sent.status_code}: {sent.content!r}")
        self.api_accepted.append(sent.parsed.id)


def _file(name: str) -> bytes:
    return f"%PDF-1.7 {name}\n".encode() * 500


def _smtp_port(platform: LocalPlatform) -> int:
    address = platform.printed("SMTP")
    assert address is not None, platform.output
    return int(address.rpartition(":")[2])


def _messages(api: AuthenticatedClient, inbox: UUID) -> list[MessageOut]:
    """Every message of the inbox, page by page."""
    items: list[MessageOut] = []
    token: str | Unset | None = UNSET
    while True:
        listed = messages_list.sync(inbox, client=api, limit=100, page_token=token)
        page = ok(ListOfMessageOut, listed)
        items.extend(page.data)
        token = page.next_page_token
        if not token:
            return items


def _download(link: object) -> bytes:
    """What the API's download link (`LinkOut`) fetches, as a user follows it."""
    url = ok(LinkOut, link).url
    fetched = httpx.get(url, timeout=15)
    assert fetched.status_code == 200, f"{url}: {fetched.status_code} {fetched.text[:200]}"
    return fetched.content


def _missing_objects(api: AuthenticatedClient, messages: list[MessageOut]) -> list[str]:
    """Each message's raw source and attachments read back; what could not be, said."""
    missing = []
    for summary in messages:
        message = ok(MessageOut, messages_get.sync(summary.id, client=api))
        if message.direction == "inbound" or message.status in HANDED_TO_SES:
            raw = _download(messages_raw.sync(message.id, client=api))
            parsed = message_from_bytes(raw)
            if parsed["Message-ID"] is None or not raw:
                missing.append(f"raw of {message.id} ({message.subject})")
        for attachment in message.attachments:
            data = _download(messages_attachment.sync(message.id, attachment.id, client=api))
            digest = attachment.sha256
            if len(data) != attachment.size_bytes or (
                digest and digest != hashlib.sha256(data).hexdigest()
            ):
                missing.append(f"{attachment.filename} of {message.id}")
    return missing


def test_kill_9_mid_traffic_then_restart_loses_no_raw_mail_or_attachment(
    launch: Launcher, tmp_path: Path
) -> None:
    local_dir = tmp_path / ".local"
    first = launch(local_dir, Ports.free(), ENVIRONMENT)
    key = first.api_key
    with first.api(key) as api:
        alice = quickstart_inbox(api, "alice")
        bob = quickstart_inbox(api, "bob")
        traffic = Traffic(_smtp_port(first), api, alice)
        senders = traffic.start()
        flowing = poll(
            lambda: (
                min(len(traffic.smtp_accepted), len(traffic.api_accepted))
                >= ACCEPTED_BEFORE_THE_KILL
            ),
            timeout=60,
            interval=0.05,
        )

        first.kill()
        for sender in senders:
            sender.join(30)
    traffic.stop.set()

    assert flowing, f"too little traffic before the kill: {traffic}\n{first.output}"
    assert "stopped" not in traffic.ended, "a sender had stopped before the kill"
    second = launch(local_dir, Ports.free(), ENVIRONMENT)
    with second.api(key) as api:

        def received() -> set[str]:
            return {m.message_id.strip("<>") for m in _messages(api, alice)}

        poll(lambda: set(traffic.smtp_accepted) <= received(), timeout=30, interval=0.5)
        never_stored = set(traffic.smtp_accepted) - received()
        stored = [m for inbox in (alice, bob) for m in _messages(api, inbox)]
        missing = _missing_objects(api, stored)
        api_sent = [messages_get.sync(id_, client=api) for id_ in traffic.api_accepted]

    assert never_stored == set()
    assert missing == []
    assert {m.direction for m in stored} == {"inbound", "outbound"}
    assert [type(m) for m in api_sent] == [MessageOut] * len(traffic.api_accepted)
    assert second.interrupt() == 0, second.output
    assert not second.postmaster_pid_file.exists(), "the embedded PostgreSQL outlived the run"
