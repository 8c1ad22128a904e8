"""Bodies of `routes/domains.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import AliasPath, Field, StrictStr

from mailman.domain.dns_records import RecordPurpose, RecordStatus
from mailman.domain.models import Domain, DomainStatus
from mailman.domain.names import MAX_ADDRESS_OCTETS, MAX_DISPLAY_NAME_LENGTH, MAX_DOMAIN_LENGTH

from .common import ListUnsubscribe, Out, Request


class UpdateDomain(Request):
    from_name: StrictStr | None = Field(default=None, max_length=MAX_DISPLAY_NAME_LENGTH)
    reply_to: StrictStr | None = Field(default=None, max_length=MAX_ADDRESS_OCTETS)
    bounce_address: StrictStr | None = Field(default=None, max_length=MAX_ADDRESS_OCTETS)
    list_unsubscribe: ListUnsubscribe = Field(
        default=None,
        description="List-Unsubscribe of the domain's mail: an https URL (one-click, RFC 8058) "
        'or a mailto: URI. A send may give its own, or "" for none.',
    )


class CreateDomain(UpdateDomain):
    name: StrictStr = Field(max_length=MAX_DOMAIN_LENGTH, examples=["example.com"])


class Verification(Out):
    mx: bool = Field(validation_alias="mx_verified")
    spf: bool = Field(validation_alias="spf_verified")
    dkim: bool = Field(validation_alias="dkim_verified")
    dmarc: bool = Field(validation_alias="dmarc_verified")


class RecordOut(Out):
    purpose: RecordPurpose
    description: str = Field(validation_alias=AliasPath("record", "description"))
    type: str
    name: str
    value: str
    priority: int | None
    status: RecordStatus = Field(
        description="missing, wrong (see `found`), verified, or unknown (the lookup failed)"
    )
    found: list[str] = Field(description="What the last lookup found at this name.")
    detail: str | None
    checked_at: datetime | None


class PauseFiguresOut(Out):
    since: datetime = Field(description="The start of the first hour the brake read.")
    until: datetime
    sent: int
    hard_bounced: int
    complained: int
    bounce_rate: float
    complaint_rate: float
    bounce_threshold: float
    complaint_threshold: float
    min_sent: int
    tripped: list[str] = Field(description="The rates that reached their threshold.")


class SendingOut(Out):
    paused: bool = Field(
        validation_alias="sending_paused",
        description="The reputation brake paused the domain's sending: sends are refused "
        "(409 sending_paused) and queued mail waits until POST /domains/{id}/resume-sending.",
    )
    paused_at: datetime | None = Field(validation_alias="sending_paused_at")
    reason: str | None = Field(validation_alias="sending_paused_reason")
    figures: PauseFiguresOut | None = Field(validation_alias="sending_paused_figures")
    resumed_at: datetime | None = Field(
        validation_alias="sending_resumed_at",
        description="The last resume: the brake reads only mail counted after it.",
    )


class DomainOut(Out):
    id: UUID
    name: str
    unicode_name: str
    status: DomainStatus = Field(
        description="pending until every record (the ownership record too) and SES's DKIM "
        "check pass; failed if SES gave up or another account verified the domain first"
    )
    can_send: bool
    can_receive: bool
    dkim_tokens: list[str]
    mail_from_domain: str | None
    from_name: str | None
    reply_to: str | None
    bounce_address: str | None
    list_unsubscribe: str | None
    verification: Verification
    sending: SendingOut
    ses_dkim_status: str | None
    records: list[RecordOut]
    verified_at: datetime | None
    last_checked_at: datetime | None
    next_check_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, domain: Domain) -> DomainOut:
        """The domain, its four checks gathered under `verification`."""
        gathered: dict[str, Any] = {
            "can_send": domain.can_send,
            "can_receive": domain.can_receive,
            "verification": domain,
            "sending": domain,
        }
        return cls.model_validate({**dict(domain), **gathered})
