"""The services' world in memory: an organisation with a domain verified for sending and
receiving, its `support@example.com` inbox, a blob store, an outbound queue and a clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from mailman.adapters.memory.blobs import InMemoryBlobStore
from mailman.adapters.memory.clock import FixedClock
from mailman.adapters.memory.queue import InMemoryQueue
from mailman.adapters.memory.scanner import FakeScanner
from mailman.adapters.memory.tables import MessageRow, Tables
from mailman.adapters.memory.unit_of_work import InMemoryUnitOfWorkFactory
from mailman.domain.inbound import InboundMail
from mailman.domain.mailbox import MessageView
from mailman.domain.models import Domain, Inbox, NewDomain
from mailman.services import inboxes
from mailman.services.receiving import Received, Scanning, receive
from mailman.services.sending import Compose, Dispatched, Outbound, Sending, dispatch, send

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class NoMailer:
    """The dispatcher queues mail; it never hands any to the mail service."""

    def send(self, raw: bytes, **kwargs: Any) -> str:
        raise AssertionError("nothing here sends mail")


@dataclass
class World:
    clock: FixedClock
    uow: InMemoryUnitOfWorkFactory
    blobs: InMemoryBlobStore
    queue: InMemoryQueue
    organization_id: UUID
    domain: Domain
    inbox: Inbox
    scanner: FakeScanner = field(default_factory=FakeScanner)

    @property
    def scanning(self) -> Scanning:
        """The fake scanner, failing up to the settings' default four receives of a mail."""
        return Scanning(self.scanner, attempts=4)

    @property
    def sending(self) -> Sending:
        return Sending(self.uow, self.blobs, self.queue, self.clock)

    @property
    def tables(self) -> Tables:
        return self.uow.tables

    def row(self, message_id: UUID) -> MessageRow:
        return self.tables.messages[message_id]

    def send(self, **compose: Any) -> MessageView:
        fields = {"to": ("jane@customer.example",), "text": "Hello", **compose}
        return send(self.sending, self.organization_id, self.inbox.id, Compose(**fields)).message

    def dispatch(self) -> Dispatched:
        return dispatch(
            Outbound(self.uow, self.blobs, NoMailer(), self.clock, "us-east-1"), self.queue
        )

    def receive(
        self, raw: bytes, *, source_id: str = "ses-1", envelope: tuple[str, ...] | None = None
    ) -> Received:
        mail = InboundMail(
            source="ses",
            source_id=source_id,
            received_at=self.clock.now(),
            envelope_recipients=envelope or ("support@example.com",),
            verdicts={"spam": "PASS", "virus": "PASS"},
        )
        return receive(self.uow, self.blobs, mail, raw, scanning=self.scanning)

    def received(self, raw: bytes, **kwargs: Any) -> MessageView:
        """The message `raw` became in the inbox."""
        [stored] = self.receive(raw, **kwargs).stored
        with self.uow(self.organization_id) as work:
            found = work.mailbox.message(stored.id)
        assert found is not None
        return found

    def add_organization(self, name: str = "Globex") -> UUID:
        with self.uow(None) as work:
            return work.organizations.add(name).id

    def add_domain(
        self, organization_id: UUID, name: str, *, sending: bool = True, receiving: bool = True
    ) -> Domain:
        return add_domain(self.uow, organization_id, name, sending=sending, receiving=receiving)

    def add_inbox(self, local_part: str, *, catch_all: bool = False) -> Inbox:
        return inboxes.create_inbox(
            self.uow,
            self.organization_id,
            domain_id=self.domain.id,
            local_part=local_part,
            catch_all=catch_all,
        )

    def set_domain(self, **changes: object) -> None:
        with self.uow(self.organization_id) as work:
            work.domains.update(self.domain.id, changes)


def add_domain(
    uow: InMemoryUnitOfWorkFactory,
    organization_id: UUID,
    name: str,
    *,
    sending: bool = True,
    receiving: bool = True,
) -> Domain:
    """A domain of the organisation, verified for sending and receiving as asked."""
    with uow(organization_id) as work:
        domain = work.domains.add(
            NewDomain(
                organization_id,
                name=name,
                unicode_name=name,
                from_name="Example Support",
                reply_to=None,
                bounce_address=None,
            )
        )
        verified = {"dkim_verified": sending, "ses_dkim_status": "SUCCESS" if sending else None}
        changed = work.domains.update(domain.id, {**verified, "mx_verified": receiving})
    assert changed is not None
    return changed


def make_world() -> World:
    clock = FixedClock(NOW)
    uow = InMemoryUnitOfWorkFactory(clock)
    with uow(None) as work:
        organization_id = work.organizations.add("Acme").id
    domain = add_domain(uow, organization_id, "example.com")
    support = inboxes.create_inbox(uow, organization_id, domain_id=domain.id, local_part="support")
    return World(clock, uow, InMemoryBlobStore(), InMemoryQueue(), organization_id, domain, support)
