"""Which inboxes a message reaches: exact address, sub-address (`local+tag@`), catch-all."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from uuid import UUID


@dataclass(frozen=True)
class RoutingEntry:
    """A live domain and what receiving needs of it (system scope, before the tenant is known)."""

    domain_id: UUID
    organization_id: UUID
    name: str
    can_receive: bool
    inboxes: dict[str, UUID]
    """local part -> inbox id"""
    catch_all: UUID | None


@dataclass(frozen=True)
class InboxAddress:
    """What routing needs to know of an inbox."""

    inbox_id: UUID
    organization_id: UUID
    domain_id: UUID


@dataclass(frozen=True)
class Destination:
    """One inbox the message reaches, and the addresses (with any sub-address tags) it came by."""

    inbox: InboxAddress
    addresses: tuple[str, ...]
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Routing:
    destinations: tuple[Destination, ...]
    unroutable: tuple[str, ...] = field(default=())
    """Addresses on a domain we receive for that no inbox (nor a catch-all) takes."""


Lookup = Callable[[str, str], "InboxAddress | None"]
"""(domain, local part) -> the inbox with exactly that address, if any."""
CatchAll = Callable[[str], "InboxAddress | None"]
"""domain -> the domain's catch-all inbox, if any."""
Known = Callable[[str], bool]
"""domain -> whether the domain is one of ours."""


def split(address: str) -> tuple[str, str] | None:
    local, at, domain = address.strip().strip("<>").lower().rpartition("@")
    if not at or not local or not domain:
        return None
    return local, domain.rstrip(".")


def route(addresses: Iterable[str], lookup: Lookup, catch_all: CatchAll, known: Known) -> Routing:
    """Route every address; addresses on domains that are not ours are ignored (other people)."""
    found: dict[UUID, tuple[InboxAddress, list[str], list[str]]] = {}
    unroutable: list[str] = []
    seen: set[str] = set()
    for address in addresses:
        parts = split(address)
        if parts is None or f"{parts[0]}@{parts[1]}" in seen:
            continue
        local, domain = parts
        seen.add(f"{local}@{domain}")
        base, plus, tag = local.partition("+")
        inbox = lookup(domain, local) or (lookup(domain, base) if plus else None)
        inbox = inbox or catch_all(domain)
        if inbox is None:
            if known(domain):
                unroutable.append(f"{local}@{domain}")
            continue
        entry = found.setdefault(inbox.inbox_id, (inbox, [], []))
        entry[1].append(f"{local}@{domain}")
        if plus and tag:
            entry[2].append(tag)
    destinations = tuple(
        Destination(inbox, tuple(addrs), tuple(dict.fromkeys(tags)))
        for inbox, addrs, tags in found.values()
    )
    return Routing(destinations, tuple(unroutable))
