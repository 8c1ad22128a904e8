"""Preparing received mail: each message read (from where the mail service put it), parsed,
scanned, judged (quarantined or not), and its objects named and written: its raw form and
its attachments, under keys derived from the content, so a retry rewrites the same. The scan
comes before any object is written: a scanner that is down leaves nothing behind."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from mailman import mime
from mailman.domain.blobs import Blob
from mailman.domain.inbound import (
    InboundMail,
    attachment_key,
    file_extension,
    quarantine_reason,
    raw_key,
)
from mailman.domain.mailbox import Attachment
from mailman.domain.messages import Stored
from mailman.domain.scanning import OFF, ScanReport
from mailman.ports import BlobStore
from mailman.services.receiving.scan import Scanning

_ATTACHMENT_NAMESPACE = UUID("2b8f0f5e-8c0a-4a56-b7b1-3f1f3d7a4e10")


@dataclass(frozen=True)
class Incoming:
    """One mail of a batch, with its raw bytes if the caller has them already."""

    mail: InboundMail
    raw: bytes | None = None
    attempt: int = 1
    """Which receive of the mail this is (SQS's `ApproximateReceiveCount`): past
    `Scanning.attempts`, a scanner that is down no longer holds it back."""


@dataclass(frozen=True)
class Prepared:
    """A parsed message, with the objects to write before it is stored."""

    parsed: mime.ParsedMail
    raw: bytes
    stored: Stored

    @property
    def reason(self) -> str | None:
        """Why the message is quarantined; None when it is not."""
        return self.stored.quarantine_reason

    @property
    def scan(self) -> ScanReport:
        """What the scanner said of it."""
        return self.stored.scan or OFF

    def blobs(self) -> list[Blob]:
        """Its raw form and its attachments (quarantined mail keeps none of its own)."""
        raw = Blob(self.stored.raw_storage_key, self.raw, "message/rfc822")
        return [
            raw,
            *(
                Blob(stored.storage_key, part.content, stored.content_type)
                for stored, part in zip(
                    self.stored.attachments, self.parsed.attachments, strict=False
                )
            ),
        ]


def prepare(mail: InboundMail, content: bytes, scanning: Scanning, attempt: int = 1) -> Prepared:
    """Parse, scan and judge the mail, and name its objects. Raises `ScannerUnavailable`
    when the scanner is down before the mail's last attempt (`Scanning.report`)."""
    parsed = mime.parse(content)
    scan = scanning.report(
        content, [(part.filename, part.content) for part in parsed.attachments], attempt
    )
    content_sha = parsed.raw_sha256
    reason = quarantine_reason(mail, parsed.quarantine_reason, scan)
    stored_key = raw_key(parsed.message_id, content_sha, mail.received_at)
    attachments = _attachments(parsed, mail.received_at, content_sha) if reason is None else ()
    return Prepared(parsed, content, Stored(content_sha, stored_key, reason, attachments, scan))


def prepare_all(
    blobs: BlobStore,
    scanning: Scanning,
    batch: Sequence[Incoming],
    failed: dict[int, Exception],
) -> list[tuple[int, Incoming, Prepared]]:
    """Each mail of the batch read (where the mail service put it), parsed, scanned and its
    objects written, by position; a mail that fails (its scan among the rest) is answered in
    `failed` and left out, nothing of it written."""
    missing = [n for n, incoming in enumerate(batch) if incoming.raw is None]
    fetched = dict(
        zip(missing, blobs.get_many([batch[n].mail.raw_key or "" for n in missing]), strict=True)
    )
    parsed: list[tuple[int, Incoming, Prepared]] = []
    for position, incoming in enumerate(batch):
        raw = incoming.raw if incoming.raw is not None else fetched[position]
        if isinstance(raw, Exception):
            failed[position] = raw
            continue
        try:
            prepared = prepare(incoming.mail, raw, scanning, incoming.attempt)
            parsed.append((position, incoming, prepared))
        except Exception as exc:  # answered for this mail alone
            failed[position] = exc
    ready: list[tuple[int, Incoming, Prepared]] = []
    for item, failure in zip(parsed, write(blobs, [p for _, _, p in parsed]), strict=True):
        if failure is None:
            ready.append(item)
        else:
            failed[item[0]] = failure
    return ready


def write(blobs: BlobStore, prepared: Sequence[Prepared]) -> list[Exception | None]:
    """Write every message's objects at once, answering for each message None or the first
    error writing one of its objects raised."""
    writes = [p.blobs() for p in prepared]
    answers = blobs.put_many([blob for found in writes for blob in found])
    failures: list[Exception | None] = []
    start = 0
    for found in writes:
        errors = [e for e in answers[start : start + len(found)] if e is not None]
        failures.append(errors[0] if errors else None)
        start += len(found)
    return failures


def _attachments(
    parsed: mime.ParsedMail, received_at: datetime, identity: str
) -> tuple[Attachment, ...]:
    stored = []
    for position, part in enumerate(parsed.attachments):
        attachment_id = uuid.uuid5(_ATTACHMENT_NAMESPACE, f"{identity}/{position}")
        ext = file_extension(part.filename, part.content_type)
        key = attachment_key(parsed.message_id, received_at, str(attachment_id), ext)
        stored.append(
            Attachment(
                id=attachment_id,
                filename=part.filename,
                content_type=part.content_type,
                size_bytes=part.size,
                sha256=part.sha256,
                content_id=part.content_id,
                inline=part.inline,
                storage_key=key,
            )
        )
    return tuple(stored)
