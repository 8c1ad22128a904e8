"""The ports the services depend on, as `typing.Protocol`s named by role."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol
from uuid import UUID

from mailman.domain.dns_records import DnsRecord
from mailman.domain.events import Event
from mailman.domain.models import ApiKey, Domain, DomainRecordState, Inbox, Organization
from mailman.domain.pagination import PageRequest
from mailman.domain.ratelimit import BucketState
from mailman.domain.verification import SesIdentity


class Clock(Protocol):
    def now(self) -> datetime: ...


class OrganizationRepository(Protocol):
    def add(self, name: str) -> Organization: ...

    def get(self, organization_id: UUID) -> Organization | None: ...

    def list(self) -> list[Organization]: ...


class ApiKeyRepository(Protocol):
    def add(
        self,
        organization_id: UUID,
        *,
        name: str,
        prefix: str,
        key_hash: str,
        rate_limit_per_minute: int | None,
        expires_at: datetime | None,
    ) -> ApiKey: ...

    def get(self, key_id: UUID) -> ApiKey | None: ...

    def find_by_hash(self, key_hash: str) -> ApiKey | None: ...

    def list(self, page: PageRequest) -> list[ApiKey]: ...

    def revoke(self, key_id: UUID, at: datetime) -> ApiKey | None: ...

    def touch(self, key_id: UUID, at: datetime) -> None: ...


class DomainRepository(Protocol):
    def add(
        self,
        organization_id: UUID,
        *,
        name: str,
        unicode_name: str,
        from_name: str | None,
        reply_to: str | None,
        bounce_address: str | None,
        region: str | None = None,
        mail_from_domain: str | None = None,
        dkim_tokens: tuple[str, ...] = (),
        ses_dkim_status: str | None = None,
    ) -> Domain: ...

    def get(self, domain_id: UUID) -> Domain | None: ...

    def name_taken(self, name: str) -> bool: ...

    def find_by_name(self, name: str) -> Domain | None: ...

    def list(self, page: PageRequest) -> list[Domain]: ...

    def update(self, domain_id: UUID, changes: dict[str, object]) -> Domain | None: ...

    def soft_delete(self, domain_id: UUID, at: datetime) -> bool: ...

    def set_records(self, domain: Domain, records: Sequence[DnsRecord]) -> Domain:
        """Replace the records the domain must publish (all back to `missing`)."""
        ...

    def save_verification(
        self, domain_id: UUID, changes: dict[str, object], records: tuple[DomainRecordState, ...]
    ) -> None: ...

    def claim_due(self, at: datetime, limit: int, lease_until: datetime) -> Sequence[Domain]:
        """Domains (of every organisation) due a check, leased so no other run takes them."""
        ...


class InboxRepository(Protocol):
    def add(
        self,
        organization_id: UUID,
        *,
        domain_id: UUID,
        local_part: str,
        display_name: str | None,
        catch_all: bool,
    ) -> Inbox: ...

    def get(self, inbox_id: UUID) -> Inbox | None: ...

    def address_taken(self, domain_id: UUID, local_part: str) -> bool: ...

    def catch_all_of(self, domain_id: UUID) -> Inbox | None: ...

    def list(self, page: PageRequest, *, domain_id: UUID | None = None) -> list[Inbox]: ...

    def update(self, inbox_id: UUID, changes: dict[str, object]) -> Inbox | None: ...

    def soft_delete(self, inbox_id: UUID, at: datetime) -> bool: ...

    def soft_delete_for_domain(self, domain_id: UUID, at: datetime) -> int: ...


class RateLimitRepository(Protocol):
    def take(
        self, key_id: UUID, *, capacity: float, per_second: float, at: datetime
    ) -> BucketState:
        """Take one token from the key's bucket if it holds one; answer the bucket after."""
        ...


class EventLog(Protocol):
    def append(
        self,
        organization_id: UUID,
        *,
        type: str,
        subject_id: UUID | None,
        dedup_key: str,
        payload: dict[str, object],
    ) -> None:
        """Append an event once: a second append with the same dedup_key is a no-op."""
        ...

    def read(self, after: int, limit: int, types: Sequence[str] = ()) -> Sequence[Event]:
        """The organisation's events after position `after`, oldest first."""
        ...


class UnitOfWork(Protocol):
    """One transaction; repositories scoped to one organisation, or unscoped for the system."""

    @property
    def organizations(self) -> OrganizationRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def domains(self) -> DomainRepository: ...

    @property
    def inboxes(self) -> InboxRepository: ...

    @property
    def rate_limits(self) -> RateLimitRepository: ...

    @property
    def events(self) -> EventLog: ...


UnitOfWorkFactory = Callable[[UUID | None], AbstractContextManager[UnitOfWork]]
"""Opens a unit of work for an organisation (tenant-scoped) or None (system-wide)."""


class DomainIdentities(Protocol):
    """The mail service's record of the domains it signs and sends for (SES identities)."""

    def create(self, domain: str, mail_from_domain: str) -> SesIdentity:
        """Create the identity (Easy DKIM, 2048-bit) with its MAIL FROM domain; idempotent."""
        ...

    def get(self, domain: str) -> SesIdentity | None: ...

    def delete(self, domain: str) -> None: ...


class Resolver(Protocol):
    def lookup(self, name: str, rtype: str) -> list[str] | None:
        """Answers for `name`/`rtype` as text ([] for none); None when the lookup failed."""
        ...


class ReceiptRecipients(Protocol):
    """The domains the inbound receipt rule accepts mail for."""

    def allow(self, domain: str) -> None: ...

    def disallow(self, domain: str) -> None: ...
