"""Entities and value objects: organisations, domains, inboxes, API keys, delivery states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from mailman.domain.access import Caller, Scope
from mailman.domain.dns_records import DnsRecord, RecordPurpose, RecordStatus
from mailman.domain.errors import Conflict, DomainNotVerified, SendingPaused
from mailman.domain.ratelimit import BucketState, OrganizationLimits
from mailman.domain.reputation import BrakeFigures


class Entity(BaseModel):
    """Each entity's validator is built when first used: a function builds those its requests
    handle, not all of them at import."""

    model_config = ConfigDict(frozen=True, defer_build=True)


class Organization(Entity):
    id: UUID
    name: str
    created_at: datetime
    rate_limit_per_minute: int | None = None
    """Requests a minute over all the organisation's keys; the deployment's default when None."""
    max_api_keys: int | None = None
    """Live API keys the organisation may hold; the deployment's default when None."""

    def limits(self, defaults: OrganizationLimits) -> OrganizationLimits:
        """The organisation's own limits, the deployment's `defaults` where it has none."""
        return OrganizationLimits(
            rate_limit_per_minute=self.rate_limit_per_minute or defaults.rate_limit_per_minute,
            max_api_keys=self.max_api_keys or defaults.max_api_keys,
        )


class DomainStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    FAILED = "failed"


class DomainRecordState(Entity):
    """A DNS record the domain must publish, with what the last check found."""

    purpose: RecordPurpose
    type: str
    name: str
    value: str
    priority: int | None = None
    status: RecordStatus = RecordStatus.MISSING
    found: tuple[str, ...] = ()
    detail: str | None = None
    checked_at: datetime | None = None

    @property
    def record(self) -> DnsRecord:
        return DnsRecord(self.purpose, self.type, self.name, self.value, self.priority)


SES_SUCCESS = "SUCCESS"


class Domain(Entity):
    id: UUID
    organization_id: UUID
    name: str
    """ASCII (punycode) lower-case form; `unicode_name` is the one to show."""
    unicode_name: str
    status: DomainStatus = DomainStatus.PENDING
    dkim_tokens: tuple[str, ...] = ()
    from_name: str | None = None
    reply_to: str | None = None
    bounce_address: str | None = None
    list_unsubscribe: str | None = None
    """The List-Unsubscribe URI of the domain's outgoing mail, unless a message has its own."""
    mx_verified: bool = False
    spf_verified: bool = False
    dkim_verified: bool = False
    dmarc_verified: bool = False
    verified_at: datetime | None = None
    region: str | None = None
    mail_from_domain: str | None = None
    ses_dkim_status: str | None = None
    """SES's own view of DKIM: NOT_STARTED, PENDING, SUCCESS, FAILED or TEMPORARY_FAILURE."""
    ses_mail_from_status: str | None = None
    last_checked_at: datetime | None = None
    next_check_at: datetime | None = None
    pending_since: datetime | None = None
    verification_token: str | None = None
    """This claim's own token, published in its ownership record."""
    records: tuple[DomainRecordState, ...] = ()
    sending_paused_at: datetime | None = None
    """When the reputation brake paused the domain's sending; None while it may send."""
    sending_paused_reason: str | None = None
    sending_paused_figures: BrakeFigures | None = None
    sending_resumed_at: datetime | None = None
    """The last resume: the brake reads no mail from before it."""
    created_at: datetime
    updated_at: datetime

    @property
    def sending_paused(self) -> bool:
        return self.sending_paused_at is not None

    @property
    def can_send(self) -> bool:
        """SES signs for the domain: our DKIM check and SES's agree."""
        return self.dkim_verified and self.ses_dkim_status == SES_SUCCESS

    @property
    def can_receive(self) -> bool:
        return self.mx_verified

    def _not_yet(self, purposes: set[RecordPurpose]) -> list[str]:
        return [
            f"{r.type} {r.name} ({r.status.value})"
            for r in self.records
            if r.purpose in purposes and r.status is not RecordStatus.VERIFIED
        ]

    def require_sending(self) -> None:
        """Raise DomainNotVerified, naming what is missing, unless the domain can send;
        SendingPaused, with the pause's reason and figures, while its sending is paused."""
        if self.can_send:
            self._require_not_paused()
            return
        missing = self._not_yet({RecordPurpose.DKIM, RecordPurpose.OWNERSHIP})
        if not missing:
            missing = [f"SES has not confirmed DKIM yet (status {self.ses_dkim_status})"]
        raise DomainNotVerified(
            f"{self.name} is not verified for sending; missing: {'; '.join(missing)}",
            field="domain",
        )

    def _require_not_paused(self) -> None:
        if self.sending_paused_at is None:
            return
        figures = self.sending_paused_figures
        raise SendingPaused(
            f"sending from {self.name} is paused: {self.sending_paused_reason}; "
            f"resume it with POST /domains/{self.id}/resume-sending",
            details={
                "domain_id": str(self.id),
                "domain": self.name,
                "paused_at": self.sending_paused_at.isoformat(),
                "reason": self.sending_paused_reason,
                "figures": figures.model_dump(mode="json") if figures is not None else None,
            },
        )

    def require_receiving(self) -> None:
        """Raise DomainNotVerified, naming what is missing, unless the domain can receive."""
        if self.can_receive:
            return
        missing = self._not_yet({RecordPurpose.RECEIVING_MX, RecordPurpose.OWNERSHIP}) or [
            "the MX record"
        ]
        raise DomainNotVerified(
            f"{self.name} is not verified for receiving; missing: {'; '.join(missing)}",
            field="domain",
        )


@dataclass(frozen=True)
class NewDomain:
    """A claim of a domain name as it is stored (`DomainRepository.add`)."""

    organization_id: UUID
    name: str
    unicode_name: str
    from_name: str | None
    reply_to: str | None
    bounce_address: str | None
    list_unsubscribe: str | None = None
    region: str | None = None
    mail_from_domain: str | None = None
    dkim_tokens: tuple[str, ...] = ()
    ses_dkim_status: str | None = None


@dataclass(frozen=True)
class NewInbox:
    """An inbox as it is stored (`InboxRepository.add`)."""

    organization_id: UUID
    domain_id: UUID
    local_part: str
    display_name: str | None
    catch_all: bool


class Inbox(Entity):
    id: UUID
    organization_id: UUID
    domain_id: UUID
    local_part: str
    domain_name: str
    display_name: str | None = None
    catch_all: bool = False
    trash_retention_days: int = 30
    """Days mail stays in trash before the dispatcher erases it."""
    created_at: datetime
    updated_at: datetime

    @property
    def address(self) -> str:
        return f"{self.local_part}@{self.domain_name}"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MatchReason(StrEnum):
    """Why a message joined its thread."""

    IN_REPLY_TO = "in_reply_to"
    REFERENCES = "references"
    SUBJECT = "subject"
    NEW = "new"
    MERGED = "merged"


class DeliveryStatus(StrEnum):
    """Where an outgoing message is on its way; inbound mail has none."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PENDING = "pending"
    SENDING = "sending"
    """Handed to SES (or about to be): committed before SES is called, so a queue message
    delivered twice finds it here and sends nothing more."""
    SENT = "sent"
    DELIVERED = "delivered"
    PARTIALLY_DELIVERED = "partially_delivered"
    """Some recipients delivered, others bounced, complained, were rejected or suppressed."""
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    REJECTED = "rejected"
    FAILED = "failed"
    CANCELLED = "cancelled"

    def can_become(self, target: DeliveryStatus) -> bool:
        return target in _TRANSITIONS[self]

    def transition(self, target: DeliveryStatus) -> DeliveryStatus:
        """Answer `target` if the state machine allows the move, else raise Conflict."""
        if not self.can_become(target):
            raise Conflict(f"delivery status cannot move from {self.value} to {target.value}")
        return target

    @classmethod
    def sources_of(cls, target: DeliveryStatus) -> list[str]:
        """Every state that may move to `target`, as the database stores them."""
        return sorted(s.value for s in cls if target in _TRANSITIONS[s])


_S = DeliveryStatus
# Draft -> Pending (or Scheduled) -> Sending -> Sent -> Delivered | Partially delivered |
# Bounced | Complained | Rejected (what SES reports of the recipients, summarised by
# `mailman.domain.delivery.summarise`).
# Until the hand-off to SES, waiting mail may be rescheduled (Pending <-> Scheduled) or
# Cancelled.
# Sending goes back to Pending when SES asks to be tried again later (throttling), and to
# Failed when it refuses the mail. A hand-off SES never confirmed is reported Failed, and
# becomes Sent if SES's Send event turns up after all. A recipient's server may bounce
# asynchronously or the recipient complain after SES reported delivery, so Delivered may
# still become Bounced or Complained, and a message's summary moves as late reports come in
# (a Complaint after every recipient was Delivered). A soft bounce weighs less than a
# delivery, so a Delivery after it moves Bounced or Partially delivered on to Delivered.
# The moves among the summaries are exactly those `summarise` makes as its recipients move
# forward (tests/unit/test_delivery_status.py enumerates them). Complained, Rejected (SES
# refused the whole message: nothing follows) and Cancelled are final.
_OUTCOMES = frozenset(
    {_S.DELIVERED, _S.PARTIALLY_DELIVERED, _S.BOUNCED, _S.COMPLAINED, _S.REJECTED, _S.FAILED}
)
_TRANSITIONS: dict[DeliveryStatus, frozenset[DeliveryStatus]] = {
    _S.DRAFT: frozenset({_S.PENDING, _S.SCHEDULED}),
    _S.SCHEDULED: frozenset({_S.PENDING, _S.SENDING, _S.FAILED, _S.CANCELLED}),
    _S.PENDING: frozenset({_S.SCHEDULED, _S.SENDING, _S.FAILED, _S.CANCELLED}),
    _S.SENDING: frozenset({_S.SENT, _S.PENDING, _S.FAILED}),
    _S.SENT: _OUTCOMES,
    _S.DELIVERED: _OUTCOMES - {_S.DELIVERED},
    _S.PARTIALLY_DELIVERED: _OUTCOMES - {_S.PARTIALLY_DELIVERED},
    _S.BOUNCED: _OUTCOMES - {_S.BOUNCED},
    _S.REJECTED: frozenset(),
    _S.COMPLAINED: frozenset(),
    _S.FAILED: frozenset({_S.SENT, _S.BOUNCED, _S.COMPLAINED, _S.REJECTED}),
    _S.CANCELLED: frozenset(),
}


class ApiKey(Entity):
    id: UUID
    organization_id: UUID
    name: str
    prefix: str
    """The part of the key that may be shown again (`mm_live_` and eight characters)."""
    rate_limit_per_minute: int | None = None
    scopes: frozenset[Scope] | None = None
    """None: every scope (keys made before scopes, and keys made without them)."""
    inbox_ids: frozenset[UUID] | None = None
    """None: every inbox of the organisation."""
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    expires_at: datetime | None = None

    def is_active(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now

    def caller(self) -> Caller:
        """The caller a request with this key acts as."""
        return Caller(
            self.organization_id,
            "api_key",
            self.id,
            scopes=self.scopes,
            inbox_ids=self.inbox_ids,
        )


class KeyHolder(Entity):
    """An API key found by its hash, with the live organisation that holds it."""

    key: ApiKey
    organization: Organization


@dataclass(frozen=True)
class KeyUse:
    """A request's key as found by its hash (`ApiKeyRepository.use`), with the tokens the
    request took: its key's bucket and its organisation's after, each with the request's
    one verdict; None when the key was not active, and nothing was taken."""

    holder: KeyHolder
    buckets: tuple[BucketState, BucketState] | None


@dataclass(frozen=True)
class Sender:
    """A live inbox with its domain (None when the domain is deleted), read in one statement
    (`InboxRepository.sender`), and the time of the transaction that read them: the time the
    rows written in it are stamped with."""

    inbox: Inbox
    domain: Domain | None
    at: datetime
