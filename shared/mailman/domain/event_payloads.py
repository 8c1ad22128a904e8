"""The payload of each event type the catalogue (`event_catalogue`) holds, as a pydantic
model: its JSON Schema is what the catalogue shows (`EventType.schema()`), and the producers
of the pipeline's own events build their payloads with them.

Kept apart from the catalogue's names and examples, which the webhook filters check on
every request: these models are built only by what shows or builds a payload (`GET
/event-types`, the docs, the tests, the webhook events' producers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from mailman.domain.delivery import RecipientStatus
from mailman.domain.dns_records import RecordStatus
from mailman.domain.reputation import BrakeFigures


class Payload(BaseModel):
    """An event's `payload` (a webhook's `data`)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)


# -- messages --------------------------------------------------------------------------------


class MessagePayload(Payload):
    message_id: UUID
    inbox_id: UUID
    thread_id: UUID | None = Field(description="The message's thread (null when it has none).")


class ScanPayload(Payload):
    verdict: str = Field(
        description="What our virus scanner said: `pass`, `fail` (a signature found), "
        "`unscanned` (a part over its limits), `failed` (the scanner stayed down) or `off`."
    )
    engine: str | None = Field(description="The scanner and its definitions' version.")
    signature: str | None = Field(description="The signature found (for `fail`).")
    unscanned: list[str] = Field(description="The parts left unscanned, by name.")


class MessageArrived(MessagePayload):
    from_: str = Field(alias="from", description="The sender's address; empty when none.")
    subject: str | None
    preview: str | None = Field(description="The start of the message's text.")
    quarantine_reason: str | None = Field(
        description="Why the message was quarantined (`virus`, `scan_failed`, "
        "`dmarc_reject`, or what made it unreadable); null when it was not."
    )
    scan: ScanPayload | None = Field(
        default=None,
        description="What our virus scanner said of it (`virus` with `scan.signature` when it "
        "found one; null for SES's own virus verdict alone).",
    )


class MessageUnroutable(Payload):
    domain: str = Field(description="The organisation's domain the mail was addressed to.")
    recipients: list[str] = Field(description="The addresses of the domain no inbox takes.")
    reason: str


class MessageSent(MessagePayload):
    ses_message_id: str = Field(description="The id SES gave the mail it took.")


class MessageCancelled(MessagePayload):
    pass


class MessageErased(MessagePayload):
    """The ids of what is gone: reading the message answers 404 from now on."""


class RecipientNotes(Payload):
    """What SES said of a recipient, where it said it."""

    bounce_type: str | None = Field(default=None, description="Permanent, Transient, ...")
    bounce_sub_type: str | None = None
    smtp_status: str | None = None
    diagnostic_code: str | None = None
    complaint_feedback_type: str | None = None
    delay_type: str | None = None
    delay_expires_at: datetime | None = None


class RecipientOutcome(MessagePayload, RecipientNotes):
    """One recipient of a sent message reached a state, as SES reported it."""

    recipient: str
    status: RecipientStatus = Field(description="The recipient's state after the event.")
    occurred_at: datetime = Field(description="When SES says it happened.")
    ses_message_id: str


class MessageFailed(MessagePayload, RecipientNotes):
    """Either the whole message failed before SES took it (`reason`), or SES could not
    render it for one recipient (the recipient's fields, as in `message.bounced`)."""

    reason: str | None = Field(
        default=None, description="Why the message failed before SES took it."
    )
    recipient: str | None = None
    status: RecipientStatus | None = None
    occurred_at: datetime | None = None
    ses_message_id: str | None = None


# -- domains ---------------------------------------------------------------------------------


class DomainPayload(Payload):
    domain_id: UUID
    domain: str


class DomainVerificationFailed(DomainPayload):
    reason: str


class RecordChange(Payload):
    type: str
    name: str
    was: RecordStatus
    now: RecordStatus


class DomainDnsChanged(DomainPayload):
    records: list[RecordChange] = Field(description="Each record whose lookup changed.")


class DomainSendingPaused(DomainPayload):
    paused_at: datetime
    reason: str
    figures: BrakeFigures = Field(description="What tripped the brake.")


class DomainSendingResumed(DomainPayload):
    resumed_at: datetime
    reason: str = Field(description="Why the caller resumed it.")
    paused_at: datetime | None
    paused_reason: str | None
    figures: BrakeFigures | None = Field(description="What had tripped the brake.")


class DomainDmarcReport(DomainPayload):
    dmarc_report_id: UUID = Field(
        description="The stored report: GET /domains/{domain_id}/dmarc/reports/{id}."
    )
    filename: str | None = Field(description="The file the report came in, as named.")


class DomainDmarcReportReceived(DomainDmarcReport):
    reporter: str = Field(description="Who sent the report (its `org_name`).")
    report_id: str = Field(description="The reporter's id of the report.")
    begin: datetime
    end: datetime
    messages: int = Field(description="Messages the report counts.")
    dmarc_pass: int = Field(description="Of them, those that passed DMARC.")


class DomainDmarcReportFailed(DomainDmarcReport):
    reason: str = Field(
        description="Why it could not be read: a reading failure (`too_large`, `bad_archive`, "
        "`forbidden_xml`, `not_xml`, `not_a_report`, `too_many_records`, `too_many_files`), "
        "or `no_report_file`, `quarantined`, `unstorable`, `unreadable`."
    )
    detail: str


# -- webhooks --------------------------------------------------------------------------------


class WebhookTest(Payload):
    endpoint_id: UUID = Field(description="The endpoint the test was asked for.")


class WebhookDeliveryExhausted(Payload):
    endpoint_id: UUID
    delivery_id: UUID
    event_id: UUID = Field(description="The event that was not delivered (its `webhook-id`).")
    event_type: str
    attempts: int
    last_status_code: int | None = Field(description="The last answer's status, if any came.")
    last_error: str | None


class WebhookEndpointDisabled(Payload):
    endpoint_id: UUID
    url: str
    reason: Literal["gone", "failing"] = Field(
        description="`gone`: the receiver answered 410; `failing`: every attempt failed for "
        "five days."
    )
    failing_since: datetime | None
