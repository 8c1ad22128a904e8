"""The suppression list's rules: which addresses an organisation no longer sends to, and why.

An address is kept in one canonical form everywhere it is compared (the list, the send
API's check, the outbound function's last guard, what SES reports): lower case, its domain
in ASCII (IDNA). Mail systems treat the local part as case-insensitive in practice, and SES's
own suppression list does too, so `Ann@Example.com` and `ann@example.com` are one entry.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

import idna

from mailman.domain.errors import ValidationError
from mailman.domain.names import MAX_ADDRESS_OCTETS, normalize_address

MAX_BATCH = 1_000
"""Addresses one request may add or remove."""
MAX_NOTE_LENGTH = 500
"""A caller's note on an address it suppressed, in characters."""
MAX_PREFIX_LENGTH = MAX_ADDRESS_OCTETS


class SuppressionReason(StrEnum):
    BOUNCE = "bounce"
    """A hard (Permanent) bounce."""
    SOFT_BOUNCE = "soft_bounce"
    """Repeated soft (Transient or Undetermined) bounces within a window."""
    COMPLAINT = "complaint"
    MANUAL = "manual"
    """Added by the caller."""
    UNSUBSCRIBE = "unsubscribe"


CALLER_REASONS = frozenset({SuppressionReason.MANUAL, SuppressionReason.UNSUBSCRIBE})
"""The reasons a caller may give; bounces and complaints are SES's to report."""


def canonical_address(address: str) -> str:
    """`address` as the suppression list compares it: lower case, domain in ASCII. An
    address whose domain is not valid IDNA keeps its domain lower-cased as given."""
    local, _, domain = address.strip().rpartition("@")
    domain = _ascii_domain(domain.rstrip("."))
    return f"{local.lower()}@{domain}" if local else domain


def _ascii_domain(domain: str) -> str:
    domain = domain.lower()
    if not domain.isascii():
        with contextlib.suppress(idna.IDNAError):
            domain = idna.encode(domain, uts46=True).decode()
    return domain


def suppressible_address(value: str, *, field: str) -> str:
    """A caller's address to suppress, checked (one valid addr-spec, no display name) and in
    canonical form; the error names `field`."""
    return canonical_address(normalize_address(value, field=field))


def address_prefix(value: str) -> str:
    """A prefix of addresses as the list compares them: lower case, its domain (as far as
    it goes) in ASCII; a domain cut inside a non-ASCII label has no ASCII prefix, so it
    matches only when given whole."""
    local, at, domain = value.strip().rpartition("@")
    if not at:
        return value.strip().lower()
    return f"{local.lower()}@{_ascii_domain(domain)}"


def check_caller_reason(reason: SuppressionReason, *, field: str) -> SuppressionReason:
    if reason not in CALLER_REASONS:
        allowed = " or ".join(sorted(CALLER_REASONS))
        raise ValidationError(
            f"a caller may suppress an address for {allowed} only; bounces and complaints are "
            "added as SES reports them",
            field=field,
        )
    return reason


def check_note(note: str | None, *, field: str) -> dict[str, object]:
    """The entry's details holding the caller's note (none without one)."""
    if note is None:
        return {}
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError(f"is longer than {MAX_NOTE_LENGTH} characters", field=field)
    return {"note": note}


def skipped_reason(reason: str) -> str:
    """What a recipient left out for the list says of why (`status_reason`)."""
    return f"suppressed ({reason})"


def screen(addresses: Iterable[str], found: Mapping[str, str]) -> dict[str, str]:
    """Of `addresses` (as a message names them), those `found` holds in canonical form, each
    with its reason."""
    return {a: found[c] for a in addresses if (c := canonical_address(a)) in found}


@dataclass(frozen=True)
class NewSuppression:
    """An address to add to an organisation's suppression list."""

    organization_id: UUID
    address: str
    """Canonical (`canonical_address`)."""
    reason: SuppressionReason
    source_message_id: UUID | None = None
    details: Mapping[str, object] = dataclasses.field(default_factory=dict)
    at: datetime | None = None
    """When it was suppressed; None for the transaction's time."""


@dataclass(frozen=True)
class Suppression:
    """An address on an organisation's suppression list."""

    id: UUID
    organization_id: UUID
    address: str
    """Canonical (`canonical_address`)."""
    reason: SuppressionReason
    source_message_id: UUID | None
    """The message whose bounce or complaint suppressed it."""
    details: Mapping[str, object]
    """What the bounce or complaint said, or the caller's `note`."""
    created_at: datetime


@dataclass(frozen=True)
class SuppressionFilter:
    """Which entries a listing shows: of one reason, whose address starts with `prefix`
    (`address_prefix`), suppressed at or after `since`."""

    reason: SuppressionReason | None = None
    prefix: str | None = None
    since: datetime | None = None
