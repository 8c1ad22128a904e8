"""The suppression list as its organisation manages it: read, add to, take from.

SES's bounces and complaints add to the list as the telemetry function reads them; a caller
adds addresses for its own reasons (`manual`, `unsubscribe`) with a note, and takes any
address off again. Addresses are compared in canonical form (lower case, IDNA domain), so
`Ann@Bücher.example` and `ann@xn--bcher-kva.example` are one entry.

A batch answers one result per item, in order: one item that is no address does not undo
the rest (a caller importing a list learns which lines to fix). Every change is one
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from mailman.domain.errors import NotFound, ValidationError
from mailman.domain.pagination import Page, PageRequest
from mailman.domain.suppressions import (
    NewSuppression,
    Suppression,
    SuppressionFilter,
    SuppressionReason,
    canonical_address,
    check_caller_reason,
    check_note,
    suppressible_address,
)
from mailman.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True)
class SuppressionRequest:
    """An address a caller asks to suppress."""

    address: str
    reason: SuppressionReason = SuppressionReason.MANUAL
    note: str | None = None


class SuppressionOutcome(StrEnum):
    ADDED = "added"
    ALREADY_SUPPRESSED = "already_suppressed"
    REMOVED = "removed"
    NOT_SUPPRESSED = "not_suppressed"
    INVALID = "invalid"


@dataclass(frozen=True)
class ItemResult:
    """What became of one item of a batch: its address (canonical when valid, else as
    given), the outcome, and for an invalid item why."""

    address: str
    outcome: SuppressionOutcome
    error: ValidationError | None = None


def list_suppressions(
    uow: UnitOfWorkFactory, organization_id: UUID, which: SuppressionFilter, page: PageRequest
) -> Page[Suppression]:
    """The organisation's suppressed addresses `which` admits, oldest first."""
    with uow(organization_id) as work:
        return Page.from_rows(work.suppressions.list(which, page), page)


def get_suppression(uow: UnitOfWorkFactory, organization_id: UUID, address: str) -> Suppression:
    with uow(organization_id) as work:
        found = work.suppressions.get(canonical_address(address))
    if found is None:
        raise NotFound("the address is not suppressed", field="address")
    return found


def suppress(
    uow: UnitOfWorkFactory, organization_id: UUID, request: SuppressionRequest
) -> tuple[Suppression, bool]:
    """Suppress one address; answer its entry and whether this call added it (an address on
    the list already keeps its entry, first reason and all)."""
    entry = _new(organization_id, request, "")
    with uow(organization_id) as work:
        [added] = work.suppressions.add([entry])
        found = work.suppressions.get(entry.address)
    assert found is not None, "on the list in this transaction"
    return found, added


def suppress_many(
    uow: UnitOfWorkFactory,
    organization_id: UUID,
    requests: Sequence[SuppressionRequest],
    *,
    field: str = "suppressions",
) -> list[ItemResult]:
    """Suppress each address that is one; answer a result per request, in order. Errors
    name `field[n]`'s own fields."""
    results: list[ItemResult] = []
    entries: list[tuple[int, NewSuppression]] = []
    for n, request in enumerate(requests):
        try:
            entries.append((n, _new(organization_id, request, f"{field}[{n}].")))
        except ValidationError as error:
            results.append(ItemResult(request.address, SuppressionOutcome.INVALID, error))
            continue
        results.append(ItemResult(entries[-1][1].address, SuppressionOutcome.ADDED))
    with uow(organization_id) as work:
        added = work.suppressions.add([entry for _, entry in entries])
    for (n, entry), new in zip(entries, added, strict=True):
        if not new:
            results[n] = ItemResult(entry.address, SuppressionOutcome.ALREADY_SUPPRESSED)
    return results


def unsuppress(uow: UnitOfWorkFactory, clock: Clock, organization_id: UUID, address: str) -> None:
    """Take the address off the list: mail may go to it again."""
    with uow(organization_id) as work:
        [removed] = work.suppressions.remove([canonical_address(address)], clock.now())
    if not removed:
        raise NotFound("the address is not suppressed", field="address")


def unsuppress_many(
    uow: UnitOfWorkFactory, clock: Clock, organization_id: UUID, addresses: Sequence[str]
) -> list[ItemResult]:
    """Take each address off the list; answer a result per address, in order."""
    canonical = [canonical_address(a) for a in addresses]
    with uow(organization_id) as work:
        removed = work.suppressions.remove(canonical, clock.now())
    return [
        ItemResult(
            address, SuppressionOutcome.REMOVED if gone else SuppressionOutcome.NOT_SUPPRESSED
        )
        for address, gone in zip(canonical, removed, strict=True)
    ]


def _new(organization_id: UUID, request: SuppressionRequest, where: str) -> NewSuppression:
    """The entry a caller's request adds, checked; errors name `where` + the field."""
    return NewSuppression(
        organization_id,
        address=suppressible_address(request.address, field=f"{where}address"),
        reason=check_caller_reason(request.reason, field=f"{where}reason"),
        details=check_note(request.note, field=f"{where}note"),
    )
