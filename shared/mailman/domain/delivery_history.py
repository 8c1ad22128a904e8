"""A sent message's delivery history as callers read it: every event SES reported of each
recipient (`delivery_events`), oldest first, with what each kind of event says.

A stored event's `details` holds what the telemetry function read of its recipient
(`action`, `smtp_status`, `diagnostic_code`, `bounce_type`, `bounce_sub_type`,
`complaint_feedback_type`, `delay_type`, `delay_expires_at`: those SES gave) and, under
`ses`, SES's own object for the event (its `bounce`, `delivery`, `click`, ...), which says
what concerns every recipient it names. What is read back is the part the kind of event
carries, in our spelling.
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
    """As stored: what the event said of the recipient, and SES's object under `ses`."""
    ses_message_id: str | None = None
    created_at: datetime

    @property
    def summary(self) -> dict[str, Any]:
        """What this kind of event says of its recipient (`event_details`)."""
        return event_details(self.type, self.details)


class DeliveryOverview(View):
    """Where a message's delivery stands: its status and each recipient's."""

    id: UUID
    direction: str
    status: str | None
    recipients: tuple[RecipientView, ...] = ()


def event_details(event_type: str, details: Details) -> dict[str, Any]:
    """The fields an event of `event_type` carries, from its stored `details`, without the
    ones SES left out. A kind this code does not know says nothing."""
    read = _READERS.get(event_type)
    if read is None:
        return {}
    ses = details.get("ses")
    said = read(details, ses if isinstance(ses, Mapping) else {})
    return {k: v for k, v in said.items() if v is not None}


def _delivery(_: Details, ses: Details) -> dict[str, Any]:
    return {
        "smtp_response": ses.get("smtpResponse"),
        "reporting_mta": ses.get("reportingMTA"),
        "processing_time_millis": ses.get("processingTimeMillis"),
    }


def _bounce(said: Details, ses: Details) -> dict[str, Any]:
    return {
        "bounce_type": said.get("bounce_type"),
        "bounce_sub_type": said.get("bounce_sub_type"),
        "action": said.get("action"),
        "smtp_status": said.get("smtp_status"),
        "diagnostic_code": said.get("diagnostic_code"),
        "reporting_mta": ses.get("reportingMTA"),
    }


def _complaint(said: Details, ses: Details) -> dict[str, Any]:
    return {
        "feedback_type": said.get("complaint_feedback_type"),
        "user_agent": ses.get("userAgent"),
        "arrival_date": ses.get("arrivalDate"),
    }


def _delay(said: Details, ses: Details) -> dict[str, Any]:
    return {
        "delay_type": said.get("delay_type"),
        "expires_at": said.get("delay_expires_at"),
        "smtp_status": said.get("smtp_status"),
        "diagnostic_code": said.get("diagnostic_code"),
        "reporting_mta": ses.get("reportingMTA"),
    }


def _reject(_: Details, ses: Details) -> dict[str, Any]:
    return {"reason": ses.get("reason")}


def _rendering_failure(_: Details, ses: Details) -> dict[str, Any]:
    return {"error_message": ses.get("errorMessage"), "template_name": ses.get("templateName")}


def _open(_: Details, ses: Details) -> dict[str, Any]:
    return {"user_agent": ses.get("userAgent")}


def _click(_: Details, ses: Details) -> dict[str, Any]:
    return {"link": ses.get("link"), "user_agent": ses.get("userAgent")}


def _nothing(_said: Details, _ses: Details) -> dict[str, Any]:
    return {}


_READERS: Mapping[str, Callable[[Details, Details], dict[str, Any]]] = {
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
    str(kind): tuple(read({}, {}).keys()) for kind, read in _READERS.items()
}
"""Each kind of event's detail fields, for the documentation."""
