"""The `DomainError` family: every failure a use case can report, independent of transport."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of every error the services raise on purpose.

    `field` names the input at fault when there is one, so callers can point at it.
    """

    type: str = "error"
    details: Mapping[str, object] | None = None
    """What the caller may act on beyond the message (JSON values), where an error has it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    type = "validation_error"


class NotFound(DomainError):
    type = "not_found"


class Conflict(DomainError):
    type = "conflict"


class WebhookDisabled(Conflict):
    """The webhook endpoint is disabled: nothing is sent to it (a test aside) until it is
    enabled again."""

    type = "webhook_disabled"


class SendingPaused(Conflict):
    """The sender's domain has its sending paused (the reputation brake); `details` holds
    the pause's time, reason and figures."""

    type = "sending_paused"

    def __init__(self, message: str, *, details: Mapping[str, object]) -> None:
        super().__init__(message)
        self.details = details


class Unauthorized(DomainError):
    type = "unauthorized"


class Forbidden(DomainError):
    type = "forbidden"


class DomainNotVerified(Forbidden):
    """The domain cannot yet send or receive; the message says what is missing."""

    type = "domain_not_verified"


class RecipientsSuppressed(DomainError):
    """Every recipient of a message is on the organisation's suppression list, so nothing
    would be sent: the message is refused whole, naming them (`details`)."""

    type = "recipients_suppressed"

    def __init__(self, suppressed: Mapping[str, str]) -> None:
        named = ", ".join(f"{address} ({reason})" for address, reason in suppressed.items())
        super().__init__(
            f"every recipient is on the suppression list: {named}; remove an address with "
            "DELETE /suppressions/{address} to send to it again"
        )
        self.details = {"recipients": [{"address": a, "reason": r} for a, r in suppressed.items()]}


class RateLimited(DomainError):
    type = "rate_limited"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class PayloadTooLarge(DomainError):
    type = "payload_too_large"


class UnsupportedMediaType(DomainError):
    type = "unsupported_media_type"


class AttachmentTooLarge(DomainError):
    type = "attachment_too_large"


class StorageError(DomainError):
    """A store (database, object storage) failed; `transient` says whether a retry may help."""

    type = "storage_error"

    def __init__(self, message: str, *, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


class DeliveryError(DomainError):
    """Handing mail to the mail service failed; `transient` says whether a retry may help."""

    type = "delivery_error"

    def __init__(self, message: str, *, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


class NotQueued(DeliveryError):
    """A queue took only part of what it was handed (or none of it): `failed` items were not
    queued, `queued` were."""

    def __init__(self, message: str, *, queued: int, failed: int) -> None:
        super().__init__(message, transient=True)
        self.queued = queued
        self.failed = failed


class DeliveryUncertain(DeliveryError):
    """The mail service may or may not have taken the mail (a timeout after the request was
    sent): trying again could send it twice."""

    type = "delivery_uncertain"

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


class CompositionFailed(DeliveryError):
    """A stored message cannot be written as MIME: building it again fails again, so it is
    recorded as failed, never retried. The message names the field, never its content."""

    type = "composition_failed"

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)
