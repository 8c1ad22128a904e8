"""Receiving mail, a message or a batch at a time: prepared (read, parsed, scanned, its
objects written), routed to its inboxes, then stored. Objects are written before the database is
touched, so a failure at any step leaves the queue message to be retried and the database
unchanged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from mailman.domain.inbound import InboundMail, sha256_hex
from mailman.domain.messages import StoredMessage
from mailman.domain.models import Inbox
from mailman.domain.routing import Destination, InboxAddress
from mailman.domain.scanning import ScanReport
from mailman.ports import BlobStore, UnitOfWorkFactory
from mailman.services.receiving.prepare import Incoming, prepare, prepare_all, write
from mailman.services.receiving.route import Routed, route_all
from mailman.services.receiving.scan import Scanning
from mailman.services.receiving.store import Target, store_organization, store_targets


@dataclass(frozen=True)
class Received:
    stored: tuple[StoredMessage, ...]
    unroutable: tuple[str, ...]
    quarantine_reason: str | None
    scan: ScanReport
    """What the scanner said of the mail (`failed` when it was down past the bound)."""
    dmarc_reports: int = 0
    """How many DMARC reports (or failures) the mail gave, for each domain it reported on."""


def receive(
    uow: UnitOfWorkFactory,
    blobs: BlobStore,
    mail: InboundMail,
    raw: bytes | None = None,
    *,
    scanning: Scanning,
) -> Received:
    """Store `mail` (its raw bytes given, or read from where the mail service put them)."""
    outcome = receive_batch(uow, blobs, [Incoming(mail, raw)], scanning)[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def receive_batch(
    uow: UnitOfWorkFactory, blobs: BlobStore, batch: Sequence[Incoming], scanning: Scanning
) -> list[Received | Exception]:
    """Store a batch of mail (an SQS batch), answering for each what was stored or why not.
    Each mail is scanned before anything of it is stored; one the scanner could not scan is
    answered `ScannerUnavailable` (before its last attempt) and nothing of it is written.

    One routing lookup serves the batch, and each organisation it reaches gets one
    transaction with its statements pipelined. When that transaction fails, its mail is
    stored again one message per transaction, so a message that cannot be stored fails alone.
    """
    failed: dict[int, Exception] = {}
    ready = prepare_all(blobs, scanning, batch, failed)
    routed = route_all(uow, ready, failed, scanning.deadline)
    by_org: dict[UUID, list[Routed]] = {}
    for item in routed:
        for organization_id in item.organizations():
            by_org.setdefault(organization_id, []).append(item)
    stored: dict[int, list[StoredMessage]] = {item.position: [] for item in routed}
    for organization_id, items in by_org.items():
        for position, saved in store_organization(uow, organization_id, items).items():
            if isinstance(saved, Exception):
                failed[position] = saved
            else:
                stored[position].extend(saved)
    outcomes: dict[int, Received | Exception] = dict(failed)
    for item in routed:
        outcomes.setdefault(item.position, _received(item, stored[item.position]))
    return [outcomes[position] for position in range(len(batch))]


def _received(item: Routed, stored: Sequence[StoredMessage]) -> Received:
    return Received(
        tuple(stored),
        tuple(a for _, group in item.unroutable for a in group),
        item.prepared.reason,
        item.prepared.scan,
        len(item.reports),
    )


def import_message(
    uow: UnitOfWorkFactory,
    blobs: BlobStore,
    scanning: Scanning,
    inbox: Inbox,
    raw: bytes,
    received_at: datetime,
) -> StoredMessage:
    """Bring one existing message into `inbox` (no routing), through the same parsing,
    scanning and threading; importing the same bytes again stores nothing more. A scanner
    that is down raises `ScannerUnavailable` (an import is tried once: run it again)."""
    content_sha = sha256_hex(raw)
    with uow(inbox.organization_id) as work:
        existing = work.messages.find_content(inbox.id, content_sha)
    if existing is not None:
        return existing
    mail = InboundMail(source="import", source_id=content_sha, received_at=received_at)
    prepared = prepare(mail, raw, scanning)
    [failure] = write(blobs, [prepared])
    if failure is not None:
        raise failure
    destination = Destination(
        InboxAddress(inbox.id, inbox.organization_id, inbox.domain_id), (inbox.address,)
    )
    with uow(inbox.organization_id) as work:
        return store_targets(work, [Target(prepared, mail, destination)])[0]
