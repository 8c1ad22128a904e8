"""Routing received mail: which inboxes each message reaches, and which of its recipients on
our domains no inbox takes; one lookup serves a batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from mailman.domain.inbound import InboundMail
from mailman.domain.routing import Destination, InboxAddress, RoutingEntry, route
from mailman.ports import UnitOfWorkFactory
from mailman.services.receiving.prepare import Incoming, Prepared


@dataclass(frozen=True)
class Routed:
    """A prepared mail of the batch and where it goes."""

    position: int
    mail: InboundMail
    prepared: Prepared
    destinations: list[Destination]
    unroutable: list[tuple[RoutingEntry, list[str]]]
    """Recipients on our domains that no inbox takes, with their domain."""

    def organizations(self) -> list[UUID]:
        found = [d.inbox.organization_id for d in self.destinations]
        found.extend(entry.organization_id for entry, _ in self.unroutable)
        return list(dict.fromkeys(found))


def route_all(
    uow: UnitOfWorkFactory, ready: Sequence[tuple[int, Incoming, Prepared]]
) -> list[Routed]:
    """Route every mail of the batch with one lookup."""
    addresses = {
        position: [
            *item.mail.envelope_recipients,
            *(m.address for m in (*prepared.parsed.to, *prepared.parsed.cc)),
        ]
        for position, item, prepared in ready
    }
    domains = {
        a.rpartition("@")[2].lower().rstrip(".")
        for found in addresses.values()
        for a in found
        if "@" in a
    }
    entries: Sequence[RoutingEntry] = ()
    if domains:
        with uow(None, pipelined=True) as work:  # BEGIN, the lookup and COMMIT: two round trips
            entries = work.inboxes.routing(sorted(domains))
    by_name = {e.name: e for e in entries}
    routed = []
    for position, item, prepared in ready:
        destinations, unroutable = _route(addresses[position], entries)
        routed.append(
            Routed(
                position,
                item.mail,
                prepared,
                destinations,
                [(by_name[domain], recipients) for domain, recipients in unroutable.items()],
            )
        )
    return routed


def _route(
    addresses: Sequence[str], entries: Sequence[RoutingEntry]
) -> tuple[list[Destination], dict[str, list[str]]]:
    """Destinations, and unroutable addresses grouped by domain (our domains only)."""
    receiving = {e.name: e for e in entries if e.can_receive}
    ours = {e.name for e in entries}

    def inbox(entry: RoutingEntry, inbox_id: UUID) -> InboxAddress:
        return InboxAddress(inbox_id, entry.organization_id, entry.domain_id)

    def lookup(domain: str, local: str) -> InboxAddress | None:
        entry = receiving.get(domain)
        found = entry.inboxes.get(local) if entry else None
        return inbox(entry, found) if entry and found else None

    def catch_all(domain: str) -> InboxAddress | None:
        entry = receiving.get(domain)
        return inbox(entry, entry.catch_all) if entry and entry.catch_all else None

    routing = route(addresses, lookup, catch_all, ours.__contains__)
    unroutable: dict[str, list[str]] = {}
    for address in routing.unroutable:
        unroutable.setdefault(address.rpartition("@")[2], []).append(address)
    return list(routing.destinations), unroutable
