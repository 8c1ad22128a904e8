"""The catalogue of every event type the log holds: its name, when it is appended, the schema
of its payload (a pydantic model in `event_payloads`: `EventType.schema()`) and an example
payload.

It is the one list: webhook endpoints' filters are checked against it, the docs show it, and
the tests hold the producers to it (every type appended anywhere in the code is here, and
what each producer appends validates against its schema). The names are checked on every
request that sets a filter; the payload models are built only when a payload's model or
schema is asked for (`GET /event-types`, the docs, the tests).

A payload is JSON in the log: ids are strings, times ISO 8601 strings. Receivers should
ignore fields they do not know: a type may gain fields, never lose one or change one's
meaning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailman.domain.event_payloads import Payload

WEBHOOK_TEST = "webhook.test"
WEBHOOK_DELIVERY_EXHAUSTED = "webhook.delivery_exhausted"
WEBHOOK_ENDPOINT_DISABLED = "webhook.endpoint_disabled"


# -- the catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EventType:
    name: str
    appended: str
    """When it is appended, in one sentence."""
    payload_model: str
    """The name of its payload's model in `event_payloads`."""
    example: Mapping[str, object]

    @property
    def payload(self) -> type[Payload]:
        """The payload's model (`event_payloads` is imported on first use)."""
        from mailman.domain import event_payloads

        model: type[Payload] = getattr(event_payloads, self.payload_model)
        return model

    def schema(self) -> dict[str, Any]:
        """The payload's JSON Schema."""
        return self.payload.model_json_schema(by_alias=True)


_MESSAGE = "5b0f3f1e-8a38-4c55-9d43-1f0b2f6a7c10"
_INBOX = "0d3c2b8e-1e4f-4c3a-8f5e-6b7a9c1d2e3f"
_THREAD = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
_DOMAIN = "3f2e1d0c-9b8a-4765-8432-10fedcba9876"
_ENDPOINT = "7e6d5c4b-3a29-4817-a6f5-e4d3c2b1a098"
_DELIVERY = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"
_DMARC_REPORT = "4b5c6d7e-8f90-4a1b-9c2d-3e4f5a6b7c8d"
_AT = "2026-11-21T12:00:00+00:00"
_MESSAGE_REF = {"message_id": _MESSAGE, "inbox_id": _INBOX, "thread_id": _THREAD}
_DOMAIN_REF = {"domain_id": _DOMAIN, "domain": "example.com"}
_SES = "010001792d5a6f3c-6b1f2a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b-000000"
_ARRIVED = {
    **_MESSAGE_REF,
    "from": "jane@customer.example",
    "subject": "Order 1234",
    "preview": "Hello, where is my order?",
}
_ENGINE = "ClamAV 1.4.3/27480/Mon Dec  7 09:24:01 2026"
_SCAN_PASS: dict[str, Any] = {
    "verdict": "pass",
    "engine": _ENGINE,
    "signature": None,
    "unscanned": [],
}
_SCAN_FAIL = {**_SCAN_PASS, "verdict": "fail", "signature": "Win.Test.EICAR_HDB-1"}
_RECIPIENT = {
    **_MESSAGE_REF,
    "recipient": "jane@customer.example",
    "occurred_at": _AT,
    "ses_message_id": _SES,
}
_PAUSE_REASON = (
    "bounce rate 6.00% (hard bounces: 24) reached the threshold 5.00%, of 400 recipients "
    "sent since 2026-11-20T13:00:00+00:00"
)
_FIGURES = {
    "since": "2026-11-20T13:00:00+00:00",
    "until": "2026-11-21T12:00:00+00:00",
    "sent": 400,
    "hard_bounced": 24,
    "complained": 0,
    "bounce_rate": 0.06,
    "complaint_rate": 0.0,
    "bounce_threshold": 0.05,
    "complaint_threshold": 0.001,
    "min_sent": 100,
    "tripped": ["bounce"],
}

CATALOGUE: tuple[EventType, ...] = (
    EventType(
        "message.received",
        "A message arrived in an inbox and was stored as ordinary mail.",
        "MessageArrived",
        {**_ARRIVED, "quarantine_reason": None, "scan": _SCAN_PASS},
    ),
    EventType(
        "message.quarantined",
        "A message arrived in an inbox and was quarantined (a virus our scanner or SES found, "
        "a scan that failed past its retries, a DMARC reject, or mail that could not be read "
        "safely).",
        "MessageArrived",
        {**_ARRIVED, "quarantine_reason": "virus", "scan": _SCAN_FAIL},
    ),
    EventType(
        "message.unroutable",
        "Mail arrived for addresses of one of the organisation's domains that no inbox takes.",
        "MessageUnroutable",
        {
            "domain": "example.com",
            "recipients": ["nobody@example.com"],
            "reason": "no inbox for the address",
        },
    ),
    EventType(
        "message.sent",
        "SES took a message for delivery (once per message).",
        "MessageSent",
        {**_MESSAGE_REF, "ses_message_id": _SES},
    ),
    EventType(
        "message.delivered",
        "SES delivered a sent message to one recipient's mail server.",
        "RecipientOutcome",
        {**_RECIPIENT, "status": "delivered"},
    ),
    EventType(
        "message.bounced",
        "A recipient's mail server refused a sent message, for good or for now.",
        "RecipientOutcome",
        {
            **_RECIPIENT,
            "status": "bounced",
            "bounce_type": "Permanent",
            "bounce_sub_type": "General",
            "smtp_status": "5.1.1",
            "diagnostic_code": "smtp; 550 5.1.1 user unknown",
        },
    ),
    EventType(
        "message.complained",
        "A recipient marked a sent message as spam (their mailbox provider told SES).",
        "RecipientOutcome",
        {**_RECIPIENT, "status": "complained", "complaint_feedback_type": "abuse"},
    ),
    EventType(
        "message.delayed",
        "SES could not deliver to a recipient yet and keeps trying (each delay SES reports "
        "while the recipient has no final state).",
        "RecipientOutcome",
        {
            **_RECIPIENT,
            "status": "sent",
            "delay_type": "MailboxFull",
            "delay_expires_at": "2026-11-22T12:00:00+00:00",
        },
    ),
    EventType(
        "message.rejected",
        "SES refused to send a message to a recipient (it found a virus in it).",
        "RecipientOutcome",
        {**_RECIPIENT, "status": "rejected"},
    ),
    EventType(
        "message.failed",
        "A message could not be sent (`reason`), or SES could not render it for a recipient "
        "(the recipient's fields).",
        "MessageFailed",
        {**_MESSAGE_REF, "reason": "every recipient is on the suppression list"},
    ),
    EventType(
        "message.cancelled",
        "The caller cancelled a message before it was handed to SES.",
        "MessageCancelled",
        dict(_MESSAGE_REF),
    ),
    EventType(
        "message.erased",
        "A message in trash was erased for good, with its stored objects (deleted permanently, "
        "the trash emptied, or kept in trash past its inbox's retention).",
        "MessageErased",
        dict(_MESSAGE_REF),
    ),
    EventType(
        "domain.verified",
        "A domain's records and SES's DKIM check passed: it is verified.",
        "DomainPayload",
        dict(_DOMAIN_REF),
    ),
    EventType(
        "domain.verification_failed",
        "A domain's verification failed (SES gave up, its identity is gone, or another "
        "account verified the name first).",
        "DomainVerificationFailed",
        {**_DOMAIN_REF, "reason": "SES could not find the DKIM records within 72 hours"},
    ),
    EventType(
        "domain.dns_changed",
        "A check of a verified domain found records changed since the last one.",
        "DomainDnsChanged",
        {
            **_DOMAIN_REF,
            "records": [{"type": "MX", "name": "example.com", "was": "verified", "now": "wrong"}],
        },
    ),
    EventType(
        "domain.sending_paused",
        "The reputation brake paused a domain's sending (its bounce or complaint rate reached "
        "the threshold).",
        "DomainSendingPaused",
        {
            **_DOMAIN_REF,
            "paused_at": _AT,
            "reason": _PAUSE_REASON,
            "figures": _FIGURES,
        },
    ),
    EventType(
        "domain.sending_resumed",
        "The caller resumed a paused domain's sending.",
        "DomainSendingResumed",
        {
            **_DOMAIN_REF,
            "resumed_at": "2026-11-22T09:00:00+00:00",
            "reason": "list cleaned",
            "paused_at": _AT,
            "paused_reason": _PAUSE_REASON,
            "figures": _FIGURES,
        },
    ),
    EventType(
        "domain.dmarc_report_received",
        "A DMARC aggregate report for a domain arrived and was stored (a copy of one stored "
        "already appends nothing).",
        "DomainDmarcReportReceived",
        {
            **_DOMAIN_REF,
            "dmarc_report_id": _DMARC_REPORT,
            "filename": "google.com!example.com!1763683200!1763769599.zip",
            "reporter": "google.com",
            "report_id": "1234567890123456789",
            "begin": "2026-11-21T00:00:00+00:00",
            "end": "2026-11-21T23:59:59+00:00",
            "messages": 120,
            "dmarc_pass": 118,
        },
    ),
    EventType(
        "domain.dmarc_report_failed",
        "Mail to a domain's DMARC reports address held a file that is no readable report, or "
        "no report file at all: kept as a failed report with the reason.",
        "DomainDmarcReportFailed",
        {
            **_DOMAIN_REF,
            "dmarc_report_id": _DMARC_REPORT,
            "filename": "report.xml.gz",
            "reason": "bad_archive",
            "detail": "not a gzip file",
        },
    ),
    EventType(
        WEBHOOK_TEST,
        "The caller asked for a test (POST /webhooks/{id}/test); it goes to that endpoint only.",
        "WebhookTest",
        {"endpoint_id": _ENDPOINT},
    ),
    EventType(
        WEBHOOK_DELIVERY_EXHAUSTED,
        "A delivery's retries ran out (about 27 hours) and it failed; never sent to the "
        "endpoint it is about.",
        "WebhookDeliveryExhausted",
        {
            "endpoint_id": _ENDPOINT,
            "delivery_id": _DELIVERY,
            "event_id": "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
            "event_type": "message.received",
            "attempts": 8,
            "last_status_code": 503,
            "last_error": None,
        },
    ),
    EventType(
        WEBHOOK_ENDPOINT_DISABLED,
        "An endpoint was disabled: its receiver answered 410 Gone, or it failed every attempt "
        "for five days; never sent to the endpoint it is about.",
        "WebhookEndpointDisabled",
        {
            "endpoint_id": _ENDPOINT,
            "url": "https://hooks.customer.example/mailman",
            "reason": "failing",
            "failing_since": "2026-11-16T12:00:00+00:00",
        },
    ),
)

_BY_NAME: dict[str, EventType] = {e.name: e for e in CATALOGUE}
EVENT_TYPES: frozenset[str] = frozenset(_BY_NAME)


def entry(name: str) -> EventType:
    """The catalogue's entry for `name`; KeyError for a type it does not hold."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name} is not an event type") from None


def unknown_types(names: Iterable[str]) -> list[str]:
    """The names that are no event type, each once, in the order given."""
    return list(dict.fromkeys(n for n in names if n not in _BY_NAME))
