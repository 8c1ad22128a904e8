"""Ports of webhooks: the endpoints and the delivery log as the API keeps them, the deliveries
as the pipeline moves them, and the world the dispatcher reaches (names, HTTP, sealed
secrets, the two queues between it and the database)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from mailman.domain.webhook_targets import IPAddress
from mailman.domain.webhooks import AttemptReport, HttpAnswer, PinnedRequest, WebhookWork


class WebhookEndpoints(Protocol):
    """An organisation's endpoints (`uow.webhook_endpoints`), as the API manages them."""


class WebhookDeliveryLog(Protocol):
    """An endpoint's deliveries and attempts as the API shows them (`uow.webhook_log`), and
    the caller's retries and recoveries."""


class WebhookDeliveries(Protocol):
    """The deliveries as the pipeline moves them (`uow.webhook_deliveries`): claimed when
    due, reported on, retried on schedule, settled; and the endpoints' health."""


class SecretBox(Protocol):
    """Seals signing secrets for storage and opens them to sign (AES-GCM under a KMS data key
    in AWS; under a key file on the local platform)."""

    def seal(self, secret: str) -> bytes: ...

    def open(self, sealed: bytes) -> str:
        """The secret; ValueError when `sealed` was not sealed by this box's key."""
        ...


class HostResolver(Protocol):
    def addresses(self, host: str, port: int) -> list[IPAddress]:
        """Every address `host` resolves to now; OSError when it resolves to none."""
        ...


class HttpSender(Protocol):
    def post(self, request: PinnedRequest) -> HttpAnswer:
        """Make the request to `request.address` and no other, without following redirects;
        `HttpFailure` when no answer came within the time allowed."""
        ...


class WebhookQueue(Protocol):
    """`webhooks.fifo`: work for the dispatcher, in order within each `WebhookWork.group`."""

    def send(self, work: Sequence[WebhookWork]) -> None:
        """Queue every item in order, or raise `DeliveryError` (some may have been queued)."""
        ...


class ReportQueue(Protocol):
    """The dispatcher's reports, on their way to be recorded."""

    def send(self, reports: Sequence[AttemptReport]) -> None: ...
