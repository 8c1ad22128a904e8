"""An endpoint's delivery log as its organisation reads and acts on it: the deliveries with
every attempt, a test event sent now, and sending again what failed (one delivery, or every
failed one of a window: after the receiver's outage).

A delivery sent again keeps its event, so the receiver sees the same `webhook-id` (and the
same body) as the first time, and can tell a replay from a new event. It gets one attempt
and no schedule: if that fails, the delivery is failed again. Nothing is sent again to a
disabled endpoint (it would wait, due, until the endpoint is enabled): the caller enables it
first. A test reaches it still: that is how a caller learns whether its receiver is back.

What these change is handed to the dispatcher at once (`Publish`, the pipeline's relay);
should that fail, the delivery is due already and the sweep sends it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from mailman.domain.errors import (
    Conflict,
    DeliveryError,
    NotFound,
    ValidationError,
    WebhookDisabled,
)
from mailman.domain.event_catalogue import EVENT_TYPES
from mailman.domain.pagination import Page, PageRequest
from mailman.domain.webhooks import TEST_WAIT, DeliveryFilter
from mailman.ports import Clock, UnitOfWork, UnitOfWorkFactory

if TYPE_CHECKING:
    from mailman.domain.webhook_views import Attempt, Delivery

log = logging.getLogger(__name__)

Publish = Callable[[Sequence[UUID]], None]
"""Hands the deliveries named to the dispatcher now; raises `DeliveryError` if it cannot."""

FIRST_POLL_SECONDS = 0.2
MAX_POLL_SECONDS = 1.0
MAX_RECOVERY_WINDOW = timedelta(days=14)
PUBLISHED_AT_ONCE = 500
"""Deliveries a recovery hands to the dispatcher itself; the sweep sends the rest."""


@dataclass(frozen=True)
class SentTest:
    """A test event, its delivery, and the delivery's first attempt if it came in time."""

    event_id: UUID
    delivery: Delivery

    @property
    def attempt(self) -> Attempt | None:
        return self.delivery.attempt_log[0] if self.delivery.attempt_log else None


def _endpoint_exists(work: UnitOfWork, endpoint_id: UUID) -> None:
    if work.webhook_endpoints.get(endpoint_id) is None:
        raise NotFound("no such webhook", field="webhook_id")


def _endpoint_enabled(work: UnitOfWork, endpoint_id: UUID) -> None:
    """The endpoint exists and is enabled, and stays so to the end of the unit of work:
    deliveries made due for a disabled one would wait unsent, due, until it is enabled."""
    enabled = work.webhook_log.enabled(endpoint_id)
    if enabled is None:
        raise NotFound("no such webhook", field="webhook_id")
    if not enabled:
        raise WebhookDisabled(
            "the webhook is disabled: enable the webhook first", field="webhook_id"
        )


def _no_delivery() -> NotFound:
    return NotFound("no such delivery", field="delivery_id")


def _publish(publish: Publish, delivery_ids: Sequence[UUID]) -> None:
    if not delivery_ids:
        return
    try:
        publish(delivery_ids)
    except DeliveryError:
        log.warning("could not hand deliveries to the dispatcher: the sweep sends them")


def checked_filter(which: DeliveryFilter) -> DeliveryFilter:
    """The filter, or ValidationError: an event type not in the catalogue, or a window that
    ends before it starts."""
    if which.event_type is not None and which.event_type not in EVENT_TYPES:
        raise ValidationError(f"{which.event_type} is not an event type", field="event_type")
    if which.since is not None and which.until is not None and which.until <= which.since:
        raise ValidationError("until must be later than since", field="until")
    return which


def list_deliveries(
    uow: UnitOfWorkFactory,
    organization_id: UUID,
    endpoint_id: UUID,
    which: DeliveryFilter,
    page: PageRequest,
) -> Page[Delivery]:
    """The endpoint's deliveries `which` admits, newest first, each with every attempt."""
    checked_filter(which)
    with uow(organization_id) as work:
        _endpoint_exists(work, endpoint_id)
        return Page.from_rows(work.webhook_log.list(endpoint_id, which, page), page)


def get_delivery(
    uow: UnitOfWorkFactory, organization_id: UUID, endpoint_id: UUID, delivery_id: UUID
) -> Delivery:
    with uow(organization_id) as work:
        _endpoint_exists(work, endpoint_id)
        found = work.webhook_log.get(endpoint_id, delivery_id)
    if found is None:
        raise _no_delivery()
    return found


def send_test(
    uow: UnitOfWorkFactory,
    clock: Clock,
    organization_id: UUID,
    endpoint_id: UUID,
    publish: Publish,
    *,
    wait: timedelta = TEST_WAIT,
    sleep: Callable[[float], None] = time.sleep,
) -> SentTest:
    """Send the endpoint a `webhook.test` event now (disabled or not: a test is how a caller
    learns whether a receiver works again), and wait up to `wait` for the attempt."""
    with uow(organization_id) as work:
        _endpoint_exists(work, endpoint_id)
        event_id, delivery_id = work.webhook_log.add_test(organization_id, endpoint_id, clock.now())
    _publish(publish, [delivery_id])
    deadline = clock.now() + wait
    pause = FIRST_POLL_SECONDS
    while True:
        with uow(organization_id) as work:
            delivery = work.webhook_log.get(endpoint_id, delivery_id)
        assert delivery is not None, "deliveries are never deleted"
        left = (deadline - clock.now()).total_seconds()
        if delivery.attempt_log or left <= 0:
            return SentTest(event_id, delivery)
        sleep(min(pause, left))
        pause = min(pause * 2, MAX_POLL_SECONDS)


def retry_delivery(
    uow: UnitOfWorkFactory,
    clock: Clock,
    organization_id: UUID,
    endpoint_id: UUID,
    delivery_id: UUID,
    publish: Publish,
) -> Delivery:
    """Send the delivery again now: a delivered one too (a replay). One still pending is
    brought forward on its schedule; Conflict while an attempt of it is under way, and
    `WebhookDisabled` while the endpoint is disabled."""
    with uow(organization_id) as work:
        _endpoint_enabled(work, endpoint_id)
        retried = work.webhook_log.retry(endpoint_id, delivery_id, clock.now())
        if retried is None:
            if work.webhook_log.get(endpoint_id, delivery_id) is None:
                raise _no_delivery()
            raise Conflict(
                "the delivery is being sent now: retry it once the attempt is in its log",
                field="delivery_id",
            )
    _publish(publish, [retried.id])
    return retried


def recover_deliveries(
    uow: UnitOfWorkFactory,
    clock: Clock,
    organization_id: UUID,
    endpoint_id: UUID,
    since: datetime,
    until: datetime | None,
    publish: Publish,
) -> int:
    """Send again every failed delivery created in [since, until) (`until` now by default; a
    window of at most 14 days); answer how many. `WebhookDisabled` while the endpoint is
    disabled."""
    now = clock.now()
    end = now if until is None else until
    if end <= since:
        raise ValidationError("until must be later than since", field="until")
    if end - since > MAX_RECOVERY_WINDOW:
        raise ValidationError(
            f"the window may be at most {MAX_RECOVERY_WINDOW.days} days", field="since"
        )
    with uow(organization_id) as work:
        _endpoint_enabled(work, endpoint_id)
        recovered = work.webhook_log.recover(endpoint_id, since, end, now)
    _publish(publish, recovered[:PUBLISHED_AT_ONCE])
    return len(recovered)
