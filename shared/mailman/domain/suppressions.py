"""The suppression list's rules: which addresses an organisation no longer sends to, and why.

An address is kept in one canonical form everywhere it is compared (the list, the send
API's check, the outbound function's last guard, what SES reports): lower case, its domain
in ASCII (IDNA). Mail systems treat the local part as case-insensitive in practice, and SES's
own suppression list does too, so `Ann@Example.com` and `ann@example.com` are one entry.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

import idna


class SuppressionReason(StrEnum):
    BOUNCE = "bounce"
    """A hard (Permanent) bounce."""
    SOFT_BOUNCE = "soft_bounce"
    """Repeated soft (Transient or Undetermined) bounces within a window."""
    COMPLAINT = "complaint"
    MANUAL = "manual"
    """Added by the caller."""
    UNSUBSCRIBE = "unsubscribe"


def canonical_address(address: str) -> str:
    """`address` as the suppression list compares it: lower case, domain in ASCII. An
    address whose domain is not valid IDNA keeps its domain lower-cased as given."""
    local, _, domain = address.strip().rpartition("@")
    domain = domain.rstrip(".").lower()
    if not domain.isascii():
        with contextlib.suppress(idna.IDNAError):
            domain = idna.encode(domain, uts46=True).decode()
    return f"{local.lower()}@{domain}" if local else domain


@dataclass(frozen=True)
class NewSuppression:
    """An address to add to an organisation's suppression list."""

    organization_id: UUID
    address: str
    """Canonical (`canonical_address`)."""
    reason: SuppressionReason
    source_message_id: UUID | None = None
    details: Mapping[str, object] = field(default_factory=dict)
    at: datetime | None = None
    """When it was suppressed; None for the transaction's time."""
