"""The notifications SES publishes about the mail it sends, as SNS delivers them to SQS, read
into the domain's `SesEvent`.

SES speaks in two shapes: configuration-set event publishing (`eventType`, with the mail's
tags) and the older identity notifications (`notificationType`: Bounce, Complaint, Delivery,
no tags). Both carry `mail` and one object of the event's own (`bounce`, `delivery`,
`failure` for a Rendering Failure, ...), so one reader serves both. The models are lenient
where SES is known to vary (timestamps with a space or a numeric offset, display names in
addresses, `"Failed"` capitalised, optional objects and fields absent or null, fields added
later) and strict where a notification cannot be acted on without the field.

A `MalformedNotification` names what is wrong by field, never by value: notifications carry
recipients' addresses and, in their headers, subjects.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Annotated, Any, TypeVar
from uuid import UUID

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from mailman.adapters.sns import SnsEnvelope
from mailman.domain.delivery import BounceType, RecipientReport, SesEvent, SesEventType
from mailman.domain.suppressions import canonical_address
from mailman.services.sending import TAG_MESSAGE, TAG_ORGANIZATION

M = TypeVar("M", bound=BaseModel)

VALIDATION_TEXT = "Successfully validated SNS topic"
"""How the plain-text test message SES sends when an SNS destination is added begins."""


class MalformedNotification(ValueError):
    """An SQS body that is not a notification SES could have sent: it goes to the DLQ."""


def _timestamp(value: object) -> datetime:
    """SES's timestamps as an aware UTC datetime: `...Z`, `... +0000`, `...-05:00`; one
    without an offset is UTC, as SES documents all of its times."""
    if not isinstance(value, str):
        raise ValueError(
            "a timestamp is a string"
        )  # pydantic reports a ValueError, not a TypeError
    text = _OFFSET.sub(r"\1\2:\3", value.strip().removesuffix("Z"))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("not an ISO 8601 timestamp") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


_OFFSET = re.compile(r"\s*([+-])(\d\d):?(\d\d)$")


_BARE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9.-]+"
)
"""A bare address of plain atoms, as SES names almost every recipient: `parseaddr` would
answer it unchanged, at a tenth of a millisecond each."""


def _address(value: str) -> str:
    """A recipient as SES names it (`jane@x`, or `John <jane@x>`), in canonical form."""
    address = value if _BARE.fullmatch(value) else parseaddr(value)[1] or value.strip()
    if "@" not in address:
        raise ValueError("not an email address")
    return canonical_address(address)


Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]
Address = Annotated[str, AfterValidator(_address)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class Mail(_Model):
    message_id: str = Field(alias="messageId", min_length=1)
    timestamp: Timestamp
    destination: list[Address]
    tags: dict[str, list[str]] = Field(default_factory=dict)
    """Event publishing only: each tag's values (SES's system tags and the mail's own)."""

    def uuid_tag(self, name: str) -> UUID | None:
        values = self.tags.get(name) or [""]
        try:
            return UUID(values[0])
        except ValueError:
            return None

    def reports(self, **fields: Any) -> list[RecipientReport]:
        return [RecipientReport(address, **fields) for address in self.destination]


class _Own(_Model):
    """The event's own object. What every kind may carry; a kind that names no recipients of
    its own (Send, Reject, Open, ...) is about every recipient of the mail."""

    timestamp: Timestamp | None = None
    feedback_id: str | None = Field(default=None, alias="feedbackId")

    def reports(self, mail: Mail) -> list[RecipientReport]:
        return mail.reports()


class BouncedRecipient(_Model):
    email_address: Address = Field(alias="emailAddress")
    action: str | None = None
    status: str | None = None
    diagnostic_code: str | None = Field(default=None, alias="diagnosticCode")


class Bounce(_Own):
    bounce_type: str = Field(alias="bounceType")
    bounce_sub_type: str | None = Field(default=None, alias="bounceSubType")
    bounced_recipients: list[BouncedRecipient] = Field(alias="bouncedRecipients")

    def reports(self, mail: Mail) -> list[RecipientReport]:
        bounce_type = _BOUNCE_TYPES.get(self.bounce_type, self.bounce_type)
        return [
            RecipientReport(
                r.email_address,
                action=r.action.lower() if r.action else None,
                smtp_status=r.status,
                diagnostic_code=r.diagnostic_code,
                bounce_type=bounce_type,
                bounce_sub_type=self.bounce_sub_type,
            )
            for r in self.bounced_recipients
        ]


_BOUNCE_TYPES: Mapping[str, BounceType | str] = {kind.value: kind for kind in BounceType}
"""SES's documented bounce types; another one is kept as SES spelled it."""


class ComplainedRecipient(_Model):
    email_address: Address = Field(alias="emailAddress")


class Complaint(_Own):
    complained_recipients: list[ComplainedRecipient] = Field(alias="complainedRecipients")
    complaint_feedback_type: str | None = Field(default=None, alias="complaintFeedbackType")
    complaint_sub_type: str | None = Field(default=None, alias="complaintSubType")
    """`OnAccountSuppressionList` where SES did not send to the address at all; kept in the
    event's details, as RecipientReport has no field for it."""

    def reports(self, mail: Mail) -> list[RecipientReport]:
        feedback = self.complaint_feedback_type
        return [
            RecipientReport(r.email_address, complaint_feedback_type=feedback)
            for r in self.complained_recipients
        ]


class Delivery(_Own):
    recipients: list[Address]
    smtp_response: str | None = Field(default=None, alias="smtpResponse")

    def reports(self, mail: Mail) -> list[RecipientReport]:
        return [RecipientReport(a, diagnostic_code=self.smtp_response) for a in self.recipients]


class DelayedRecipient(_Model):
    email_address: Address = Field(alias="emailAddress")
    status: str | None = None
    diagnostic_code: str | None = Field(default=None, alias="diagnosticCode")


class DeliveryDelay(_Own):
    delay_type: str | None = Field(default=None, alias="delayType")
    expiration_time: Timestamp | None = Field(default=None, alias="expirationTime")
    delayed_recipients: list[DelayedRecipient] = Field(alias="delayedRecipients")

    def reports(self, mail: Mail) -> list[RecipientReport]:
        return [
            RecipientReport(
                r.email_address,
                smtp_status=r.status,
                diagnostic_code=r.diagnostic_code,
                delay_type=self.delay_type,
                delay_expires_at=self.expiration_time,
            )
            for r in self.delayed_recipients
        ]


class Reject(_Own):
    reason: str | None = None

    def reports(self, mail: Mail) -> list[RecipientReport]:
        return mail.reports(diagnostic_code=self.reason)


class RenderingFailure(_Own):
    error_message: str | None = Field(default=None, alias="errorMessage")
    template_name: str | None = Field(default=None, alias="templateName")

    def reports(self, mail: Mail) -> list[RecipientReport]:
        return mail.reports(diagnostic_code=self.error_message)


@dataclass(frozen=True)
class _Kind:
    event_type: SesEventType
    key: str
    """The name of the event's own object in the notification."""
    model: type[_Own]
    required: bool = True


_KINDS: Mapping[str, _Kind] = {
    "Send": _Kind(SesEventType.SEND, "send", _Own, required=False),
    "Delivery": _Kind(SesEventType.DELIVERY, "delivery", Delivery),
    "Bounce": _Kind(SesEventType.BOUNCE, "bounce", Bounce),
    "Complaint": _Kind(SesEventType.COMPLAINT, "complaint", Complaint),
    "Reject": _Kind(SesEventType.REJECT, "reject", Reject),
    "DeliveryDelay": _Kind(SesEventType.DELIVERY_DELAY, "deliveryDelay", DeliveryDelay),
    "Rendering Failure": _Kind(SesEventType.RENDERING_FAILURE, "failure", RenderingFailure),
    "Open": _Kind(SesEventType.OPEN, "open", _Own),
    "Click": _Kind(SesEventType.CLICK, "click", _Own),
}
"""SES's sending events by the name it gives them; any other (Subscription, Received, a
kind added later) is not delivery tracking's to read."""


def read_notification(body: str) -> SesEvent | None:
    """The SES sending event an SQS record's `body` (an SNS envelope) carries.

    None for what SNS and SES deliver that is not a sending event: SNS's subscription
    messages, SES's topic validation text, a Subscription or Received notification, a kind
    SES adds later. Raises `MalformedNotification` for anything else that cannot be read."""
    envelope = _envelope(body)
    if envelope.type != "Notification":
        return None
    if envelope.message.lstrip().startswith(VALIDATION_TEXT):
        return None
    notification = _json(envelope.message, "SNS message")
    if not isinstance(notification, dict):
        raise MalformedNotification("SNS message is not a JSON object")
    kind = _kind(notification)
    return _event(notification, kind) if kind is not None else None


def _envelope(body: str) -> SnsEnvelope:
    """The SNS envelope, read by pydantic's own JSON parser in one pass (a third of the time
    `json.loads` and validating the dict take); a body it refuses is read again that way,
    so the problem is named as before."""
    try:
        return SnsEnvelope.model_validate_json(body)
    except ValidationError:
        return _validated(SnsEnvelope, _json(body, "SQS body"), "SQS body")


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedNotification(f"{what} is not JSON ({exc.msg})") from None


def _kind(notification: dict[str, Any]) -> tuple[str, _Kind] | None:
    name = notification.get("eventType", notification.get("notificationType"))
    if name is None:
        raise MalformedNotification("notification has neither eventType nor notificationType")
    if not isinstance(name, str):
        raise MalformedNotification("notification's type is not a string")
    kind = _KINDS.get(name)
    return (name, kind) if kind is not None else None


def _event(notification: dict[str, Any], named: tuple[str, _Kind]) -> SesEvent:
    name, kind = named
    if "mail" not in notification:
        raise MalformedNotification(f"{name} notification has no mail")
    if kind.required and kind.key not in notification:
        raise MalformedNotification(f"{name} notification has no {kind.key}")
    mail = _validated(Mail, notification["mail"], f"{name} notification's mail")
    details: dict[str, Any] = notification.get(kind.key) or {}
    own = _validated(kind.model, details, f"{name} notification's {kind.key}")
    return SesEvent(
        type=kind.event_type,
        ses_message_id=mail.message_id,
        occurred_at=own.timestamp or mail.timestamp,
        source_event_id=own.feedback_id or _digest(kind.event_type, mail.message_id, details),
        recipients=_unique(own.reports(mail)),
        message_pk=mail.uuid_tag(TAG_MESSAGE),
        organization_id=mail.uuid_tag(TAG_ORGANIZATION),
        details=details,
        sent_at=mail.timestamp,
    )


def _validated(model: type[M], value: object, what: str) -> M:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        # Not chained: a ValidationError's text quotes the input (addresses, subjects).
        raise MalformedNotification(f"{what}: {_problems(exc)}") from None


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'value'}: {error['msg']}"
        for error in exc.errors(include_url=False, include_input=False, include_context=False)
    )


def _digest(kind: SesEventType, ses_message_id: str, own: object) -> str:
    """An id for an event SES gives none: the same notification twice has the same one."""
    canonical = json.dumps(
        {"type": kind.value, "messageId": ses_message_id, "event": own},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _unique(reports: Iterable[RecipientReport]) -> tuple[RecipientReport, ...]:
    """One report per address (the first), as SES may name an address twice."""
    seen: dict[str, RecipientReport] = {}
    for report in reports:
        seen.setdefault(report.address, report)
    return tuple(seen.values())
