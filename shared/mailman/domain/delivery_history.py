"""A sent message's delivery history as callers read it: every event SES reported of each
recipient (`delivery_events`), oldest first, with what each kind of event says.

The stored `details` is SES's own object for the event (its `bounce`, `complaint`,
`delivery`, ...), which names every recipient the notification covered; an event row is one
recipient's, so what is read back is that recipient's part, in our spelling, and only what
the kind of event carries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from mailman.domain.delivery import SesEventType
from mailman.domain.mailbox import RecipientView, View

Details = Mapping[str, Any]


class DeliveryEventView(View):
    id: UUID
    message_id: UUID
    type: str
    """A `SesEventType` value."""
    recipient: str
    occurred_at: datetime
    details: dict[str, Any]
    """SES's object for the event, as stored."""
    ses_message_id: str | None = None
    created_at: datetime

    @property
    def summary(self) -> dict[str, Any]:
        """What this kind of event says of its recipient (`event_details`)."""
        return event_details(self.type, self.recipient, self.details)


class DeliveryOverview(View):
    """Where a message's delivery stands: its status and each recipient's."""

    id: UUID
    direction: str
    status: str | None
    recipients: tuple[RecipientView, ...] = ()


def event_details(event_type: str, recipient: str, details: Details) -> dict[str, Any]:
    """The fields of SES's object that an event of `event_type` carries, for `recipient`,
    without the ones SES left out. A kind this code does not know says nothing."""
    read = _READERS.get(event_type)
    if read is None:
        return {}
    return {k: v for k, v in read(details, recipient).items() if v is not None}


def _entry(entries: object, recipient: str) -> Details:
    """`recipient`'s entry of one of SES's recipient lists (`bouncedRecipients`, ...): the
    one naming it, else the only one there is, else nothing."""
    listed = [e for e in entries if isinstance(e, Mapping)] if isinstance(entries, list) else []
    wanted = recipient.lower()
    for entry in listed:
        if str(entry.get("emailAddress", "")).lower() == wanted:
            return entry
    return listed[0] if len(listed) == 1 else {}


def _delivery(d: Details, _: str) -> dict[str, Any]:
    return {
        "smtp_response": d.get("smtpResponse"),
        "reporting_mta": d.get("reportingMTA"),
        "processing_time_millis": d.get("processingTimeMillis"),
    }


def _bounce(d: Details, recipient: str) -> dict[str, Any]:
    entry = _entry(d.get("bouncedRecipients"), recipient)
    return {
        "bounce_type": d.get("bounceType"),
        "bounce_sub_type": d.get("bounceSubType"),
        "action": entry.get("action"),
        "smtp_status": entry.get("status"),
        "diagnostic_code": entry.get("diagnosticCode"),
        "reporting_mta": d.get("reportingMTA"),
    }


def _complaint(d: Details, _: str) -> dict[str, Any]:
    return {
        "feedback_type": d.get("complaintFeedbackType"),
        "user_agent": d.get("userAgent"),
        "arrival_date": d.get("arrivalDate"),
    }


def _delay(d: Details, recipient: str) -> dict[str, Any]:
    entry = _entry(d.get("delayedRecipients"), recipient)
    return {
        "delay_type": d.get("delayType"),
        "expires_at": d.get("expirationTime"),
        "smtp_status": entry.get("status"),
        "diagnostic_code": entry.get("diagnosticCode"),
        "reporting_mta": d.get("reportingMTA"),
    }


def _reject(d: Details, _: str) -> dict[str, Any]:
    return {"reason": d.get("reason")}


def _rendering_failure(d: Details, _: str) -> dict[str, Any]:
    return {"error_message": d.get("errorMessage"), "template_name": d.get("templateName")}


def _open(d: Details, _: str) -> dict[str, Any]:
    return {"user_agent": d.get("userAgent")}


def _click(d: Details, _: str) -> dict[str, Any]:
    return {"link": d.get("link"), "user_agent": d.get("userAgent")}


def _nothing(_d: Details, _r: str) -> dict[str, Any]:
    return {}


_READERS: Mapping[str, Callable[[Details, str], dict[str, Any]]] = {
    SesEventType.SEND: _nothing,
    SesEventType.DELIVERY: _delivery,
    SesEventType.BOUNCE: _bounce,
    SesEventType.COMPLAINT: _complaint,
    SesEventType.DELIVERY_DELAY: _delay,
    SesEventType.REJECT: _reject,
    SesEventType.RENDERING_FAILURE: _rendering_failure,
    SesEventType.OPEN: _open,
    SesEventType.CLICK: _click,
}

DETAIL_FIELDS: Mapping[str, Sequence[str]] = {
    str(kind): tuple(read({}, "").keys()) for kind, read in _READERS.items()
}
"""Each kind of event's detail fields, for the documentation."""
