"""Ports of webhooks: the endpoints and the delivery log as the API keeps them, the deliveries
as the pipeline moves them, and the world the dispatcher reaches (names, HTTP, sealed
secrets, the two queues between it and the database)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

if TYPE_CHECKING:
    # Names in signatures only: the functions that never touch webhooks (and whose units of
    # work name these ports) do not load the webhook models on a cold start.
    from mailman.domain.pagination import PageRequest
    from mailman.domain.webhook_bodies import MessageSnapshot
    from mailman.domain.webhook_targets import IPAddress
    from mailman.domain.webhook_views import Delivery, WebhookEndpoint
    from mailman.domain.webhook_work import (
        AttemptReport,
        ClaimedDelivery,
        HttpAnswer,
        LeasedDelivery,
        PinnedRequest,
        Settlement,
        WebhookWork,
    )
    from mailman.domain.webhooks import (
        DeliveryFilter,
        DisabledReason,
        EndpointChanges,
        EndpointSecrets,
        NewEndpoint,
    )


class WebhookEndpoints(Protocol):
    """An organisation's endpoints (`uow.webhook_endpoints`), as the API manages them. A
    deleted endpoint is gone to every method."""

    def add(self, endpoint: NewEndpoint) -> WebhookEndpoint:
        """Store a new endpoint; one created disabled is disabled `manual`ly."""
        ...

    def get(self, endpoint_id: UUID) -> WebhookEndpoint | None: ...

    def list(self, page: PageRequest) -> list[WebhookEndpoint]:
        """Oldest first from after the page's cursor, one more than the page holds."""
        ...

    def update(
        self, endpoint_id: UUID, changes: EndpointChanges, at: datetime
    ) -> WebhookEndpoint | None:
        """Apply a PATCH. Enabling a disabled endpoint clears why and since when it was
        disabled and its failing streak; disabling an enabled one disables it `manual`ly at
        `at` (one disabled already keeps its reason)."""
        ...

    def soft_delete(self, endpoint_id: UUID, at: datetime) -> bool: ...

    def rotate(
        self, endpoint_id: UUID, secret_sealed: bytes, previous_expires_at: datetime
    ) -> WebhookEndpoint | None:
        """Make `secret_sealed` the current secret; the current one becomes the previous,
        signing beside it until `previous_expires_at` (an older previous one is dropped)."""
        ...

    def secrets(self, endpoint_id: UUID) -> EndpointSecrets | None: ...


class WebhookDeliveryLog(Protocol):
    """An endpoint's deliveries and attempts as the API shows them (`uow.webhook_log`), and
    the caller's retries and recoveries. Every method names the endpoint: a delivery of
    another endpoint is not found."""

    def get(self, endpoint_id: UUID, delivery_id: UUID) -> Delivery | None: ...

    def enabled(self, endpoint_id: UUID) -> bool | None:
        """Whether the endpoint is enabled; None when there is no such endpoint (or it is
        deleted). The endpoint is held as it is to the end of the transaction: a change to
        it (disabling it parks its deliveries) waits, so what this answered still holds when
        a retry or a recovery makes deliveries due."""
        ...

    def retry(self, endpoint_id: UUID, delivery_id: UUID, at: datetime) -> Delivery | None:
        """Send the delivery again at `at`: one delivered or failed becomes pending, one
        attempt with no schedule (`automatic` false), its lease cleared; one pending and not
        being sent is due at `at` at the latest, on its schedule still. None when there is no
        such delivery or it is being sent now (leased)."""
        ...

    def recover(
        self, endpoint_id: UUID, since: datetime, until: datetime, at: datetime
    ) -> list[UUID]:
        """`retry` every failed delivery created in [since, until); answer their ids, oldest
        first."""
        ...

    def add_test(self, organization_id: UUID, endpoint_id: UUID, at: datetime) -> tuple[UUID, UUID]:
        """Append a `webhook.test` event and its one delivery, to the endpoint, due at `at`
        (one attempt, no schedule); answer (event id, delivery id)."""
        ...

    def list(self, endpoint_id: UUID, which: DeliveryFilter, page: PageRequest) -> list[Delivery]:
        """Newest first (by creation) from after the page's cursor, one more than the page
        holds, each with every attempt; `which.since` inclusive, `which.until` exclusive."""
        ...


class WebhookDeliveries(Protocol):
    """The deliveries as the pipeline moves them (`uow.webhook_deliveries`): claimed when
    due, reported on, retried on schedule, settled; and the endpoints' health.

    The event log creates the deliveries (the fan-out of migration 0015). Every method runs
    in the system's unit of work (`uow(None)`)."""

    def claim(
        self, now: datetime, lease: UUID, *, only: Sequence[UUID] = (), limit: int
    ) -> list[ClaimedDelivery]:
        """Lease up to `limit` pending deliveries due at `now` (of `only`, when given) whose
        endpoint is enabled and not deleted (a test's, not deleted: a test is how a caller
        learns whether a disabled endpoint's receiver works again): each gets `lease` and
        is due again at `now + LEASE`, when the lease runs out.

        Taken in the order of their events in the log, the first `limit`, but of each
        endpoint no more than keeps it within `MAX_IN_FLIGHT` deliveries leased at once
        (tests aside): the rest stay due for a later claim. Answered in that order. Rows
        another transaction holds are skipped, never waited for: two claims never take one
        delivery."""
        ...

    def publishing(self) -> AbstractContextManager[bool]:
        """Hold the one right to publish what is due (a claim of no `only`), if no one holds
        it: enters with True while this holds it, False at once when another does. Held by
        the session, across the claims, commits and sends of an autocommit unit of work, so
        first attempts go to the queue in the order of the log; a publisher that dies
        holding it lets go with its connection."""
        ...

    def snapshots(self, message_ids: Sequence[UUID]) -> dict[UUID, MessageSnapshot]:
        """The messages (not deleted) as their webhooks carry them, by id."""
        ...

    def freeze(self, bodies: Mapping[UUID, str]) -> None:
        """Keep each delivery's body, unless it has one: every later attempt sends it."""
        ...

    def add_attempt(self, report: AttemptReport) -> bool:
        """Store the reported attempt once (its `attempt_id` is the key); False when it was
        stored before, or names no delivery."""
        ...

    def leased(self, delivery_id: UUID, lease: UUID) -> LeasedDelivery | None:
        """The delivery, held to the end of the transaction, if it is pending under `lease`;
        None when it is not (settled, or claimed again since)."""
        ...

    def settle(self, settlement: Settlement) -> None:
        """Count the attempt, keep its status code and error, give up the lease; and mark
        the delivery delivered, failed, or due again at `settlement.next_attempt_at`."""
        ...

    def succeeded(self, endpoint_id: UUID, at: datetime) -> None:
        """An attempt at `at` succeeded: the endpoint last succeeded then, and is no longer
        failing (unless a failure after `at` was recorded first)."""
        ...

    def failed(self, endpoint_id: UUID, at: datetime) -> datetime | None:
        """An attempt at `at` failed: unless the endpoint is failing already, or succeeded
        after `at`, it is failing since `at`. Answers since when it is failing (None: it
        is not, a later success was recorded)."""
        ...

    def disable(self, endpoint_id: UUID, reason: DisabledReason, at: datetime) -> bool:
        """Disable the endpoint for `reason`; False when it was not enabled (or deleted)."""
        ...

    def drop_expired_secrets(self, now: datetime) -> int:
        """Forget the previous secrets whose rotation grace ended by `now`; answers how many
        endpoints had one."""
        ...


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
        """Queue every item in order, or raise `DeliveryError` (`NotQueued` when it knows
        how many were not; the others were queued). An item not queued does not keep the
        ones after it from the queue."""
        ...


class ReportQueue(Protocol):
    """The dispatcher's reports, on their way to be recorded."""

    def send(self, reports: Sequence[AttemptReport]) -> None: ...
