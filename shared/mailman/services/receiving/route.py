"""Routing received mail: which inboxes each message reaches, which of its recipients on
our domains no inbox takes, and which of our domains it brings DMARC reports for; one
lookup serves a batch.

Mail whose envelope names `dmarc-reports@<domain>` for one of our domains is read as DMARC
aggregate reports and kept for that domain (`services.dmarc`). The address is the
platform's, as the DMARC record it publishes names it: it reaches no inbox, not even an
inbox of that address or the domain's catch-all, and is never unroutable. The mail's other
recipients are routed as usual."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from mailman.domain.dmarc import AggregateReport, ReportFile
from mailman.domain.dmarc_reports import Failure
from mailman.domain.dns_records import DMARC_REPORT_LOCAL_PART
from mailman.domain.inbound import InboundMail
from mailman.domain.routing import Destination, InboxAddress, RoutingEntry, route, split
from mailman.ports import UnitOfWorkFactory
from mailman.services import dmarc
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
    report_domains: list[RoutingEntry] = field(default_factory=list)
    """Our domains whose DMARC reports address the envelope names."""
    reports: tuple[AggregateReport | Failure, ...] = ()
    """The mail read as DMARC reports (when `report_domains`)."""

    def organizations(self) -> list[UUID]:
        found = [d.inbox.organization_id for d in self.destinations]
        found.extend(entry.organization_id for entry, _ in self.unroutable)
        found.extend(entry.organization_id for entry in self.report_domains)
        return list(dict.fromkeys(found))


def route_all(
    uow: UnitOfWorkFactory,
    ready: Sequence[tuple[int, Incoming, Prepared]],
    failed: dict[int, Exception],
    deadline: float | None = None,
) -> list[Routed]:
    """Route every mail of the batch with one lookup. A report mail whose files cannot be
    read by `deadline` is answered `ReadingDeferred` in `failed` and left out."""
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
        reported = _report_domains(item.mail.envelope_recipients, by_name)
        try:
            reports = _read_reports(prepared, deadline) if reported else ()
        except dmarc.ReadingDeferred as exc:
            failed[position] = exc
            continue
        kept = [a for a in addresses[position] if not _reports_address(a, by_name)]
        destinations, unroutable = _route(kept, entries)
        routed.append(
            Routed(
                position,
                item.mail,
                prepared,
                destinations,
                [(by_name[domain], recipients) for domain, recipients in unroutable.items()],
                reported,
                reports,
            )
        )
    return routed


def _reports_address(address: str, by_name: dict[str, RoutingEntry]) -> str | None:
    """The domain whose DMARC reports address `address` is, if it is one of ours."""
    parts = split(address)
    if parts is None or parts[0] != DMARC_REPORT_LOCAL_PART or parts[1] not in by_name:
        return None
    return parts[1]


def _report_domains(
    envelope: Sequence[str], by_name: dict[str, RoutingEntry]
) -> list[RoutingEntry]:
    names = dict.fromkeys(n for n in (_reports_address(a, by_name) for a in envelope) if n)
    return [by_name[name] for name in names]


def _read_reports(
    prepared: Prepared, deadline: float | None
) -> tuple[AggregateReport | Failure, ...]:
    """The mail's attached files read as reports (`dmarc.read_mail`)."""
    files = [
        ReportFile(part.filename, part.content_type, part.content)
        for part in prepared.parsed.attachments
    ]
    return dmarc.read_mail(files, prepared.reason, deadline)


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
