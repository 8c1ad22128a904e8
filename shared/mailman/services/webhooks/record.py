"""Recording what the dispatcher reports of its attempts.

Every attempt is stored once (a report SQS brings twice is the same attempt). Only a report
under the lease its delivery is pending with moves the delivery: a report of an older
claim (its lease ran out and the delivery was sent again, or it was settled) is kept in
the log and changes nothing. What a report moves:

- delivered: the delivery is delivered; its endpoint last succeeded then and no longer fails;
- gone (410): the delivery failed and the endpoint is disabled at once;
- failed: an automatic delivery is due again after the retry schedule's wait (a
  `Retry-After` honoured up to a cap), or, the schedule spent, failed with
  `webhook.delivery_exhausted`; a manual retry or a test fails, and that is all.

And the endpoint's health (test deliveries aside): the first failure since its last
success marks it failing; one failing for `FAILING_DISABLES_AFTER` is disabled with
`webhook.endpoint_disabled`.

A delivery of a `webhook.*` event (another endpoint's exhaustion or disabling) follows its
schedule but says nothing more: its exhaustion appends no event and none of its attempts
moves the endpoint's health. Otherwise endpoints that fail together would tell each other
of their exhaustions for ever, each one's event another's next failing delivery.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from mailman.domain.event_catalogue import WEBHOOK_DELIVERY_EXHAUSTED, WEBHOOK_ENDPOINT_DISABLED
from mailman.domain.events import NewEvent
from mailman.domain.webhook_work import AttemptReport, LeasedDelivery, Settlement
from mailman.domain.webhooks import (
    FAILING_DISABLES_AFTER,
    RESPONSE_BODY_KEPT,
    DeliveryState,
    DisabledReason,
    Outcome,
    retry_delay,
)
from mailman.ports import Clock, UnitOfWork, UnitOfWorkFactory

ERROR_KEPT = 1000
"""Characters of an attempt's error kept."""
WEBHOOK_EVENTS = "webhook."
"""The prefix of the pipeline's own event types."""


class ReportOutcome(StrEnum):
    RECORDED = "recorded"
    """Stored, and its delivery moved."""
    STALE = "stale"
    """Stored; its delivery was no longer pending under the report's lease."""
    REPEATED = "repeated"
    """Stored before (or naming no delivery): nothing done."""


@dataclass(frozen=True)
class Recorded:
    """What recording one report did."""

    outcome: ReportOutcome
    delivery: DeliveryState | None = None
    """What the delivery became (pending: due again)."""
    events: tuple[str, ...] = ()
    """The types of the events appended."""


def record_reports(
    uow: UnitOfWorkFactory,
    reports: Sequence[AttemptReport],
    clock: Clock,
    *,
    rng: random.Random | None = None,
) -> list[Recorded]:
    """Record the reports in one transaction; answers what each did, in their order.

    They are taken by endpoint, then delivery, so that two batches naming the same ones
    hold their rows in one order and never wait for each other in a circle."""
    now = clock.now()
    order = sorted(
        range(len(reports)),
        key=lambda n: (reports[n].endpoint_id, reports[n].delivery_id, reports[n].attempt_id),
    )
    done: dict[int, Recorded] = {}
    with uow(None) as work:
        for n in order:
            done[n] = _record(work, _kept(reports[n]), now, rng)
    return [done[n] for n in range(len(reports))]


def _kept(report: AttemptReport) -> AttemptReport:
    """The report as stored: its texts cut to what is kept, without the NUL characters
    PostgreSQL's text refuses (a receiver may answer anything)."""
    error = report.error.replace("\x00", "\ufffd")[:ERROR_KEPT] if report.error else report.error
    body = report.response_body.replace("\x00", "\ufffd")[:RESPONSE_BODY_KEPT]
    return report.model_copy(update={"error": error, "response_body": body})


def _record(
    work: UnitOfWork, report: AttemptReport, now: datetime, rng: random.Random | None
) -> Recorded:
    deliveries = work.webhook_deliveries
    if not deliveries.add_attempt(report):
        return Recorded(ReportOutcome.REPEATED)
    leased = deliveries.leased(report.delivery_id, report.lease)
    if leased is None:
        return Recorded(ReportOutcome.STALE)
    if report.outcome is Outcome.DELIVERED:
        _settle(work, leased, report, DeliveryState.DELIVERED, now)
        if _moves_health(leased):
            deliveries.succeeded(leased.endpoint_id, report.attempted_at)
        return Recorded(ReportOutcome.RECORDED, DeliveryState.DELIVERED)
    if report.outcome is Outcome.GONE:
        _settle(work, leased, report, DeliveryState.FAILED, now)
        events = _disable(work, leased, DisabledReason.GONE, now, failing_since=None)
        return Recorded(ReportOutcome.RECORDED, DeliveryState.FAILED, events)
    state, events = _failed(work, leased, report, now, rng)
    if _moves_health(leased):
        events += _health(work, leased, report, now)
    return Recorded(ReportOutcome.RECORDED, state, events)


def _of_webhooks(d: LeasedDelivery) -> bool:
    """A delivery of a `webhook.*` event: the pipeline telling of itself."""
    return d.event_type.startswith(WEBHOOK_EVENTS)


def _moves_health(d: LeasedDelivery) -> bool:
    return not d.test and not _of_webhooks(d)


def _settle(
    work: UnitOfWork,
    d: LeasedDelivery,
    report: AttemptReport,
    state: DeliveryState,
    now: datetime,
    next_attempt_at: datetime | None = None,
) -> None:
    work.webhook_deliveries.settle(
        Settlement(
            delivery_id=d.id,
            status=state,
            attempts=d.attempts + 1,
            attempted_at=report.attempted_at,
            status_code=report.status_code,
            error=report.error,
            next_attempt_at=next_attempt_at,
            settled_at=now,
        )
    )


def _failed(
    work: UnitOfWork,
    d: LeasedDelivery,
    report: AttemptReport,
    now: datetime,
    rng: random.Random | None,
) -> tuple[DeliveryState, tuple[str, ...]]:
    """A failed attempt: the automatic schedule's next attempt, or the end of it."""
    scheduled = d.automatic and not d.test
    if scheduled:
        asked = report.retry_after_seconds
        retry_after = timedelta(seconds=max(0, asked)) if asked is not None else None
        wait = retry_delay(d.attempts + 1, retry_after=retry_after, rng=rng)
        if wait is not None:
            _settle(work, d, report, DeliveryState.PENDING, now, report.attempted_at + wait)
            return DeliveryState.PENDING, ()
    _settle(work, d, report, DeliveryState.FAILED, now)
    if not scheduled or _of_webhooks(d):
        return DeliveryState.FAILED, ()
    # The catalogue's payload models are built by the rare report that needs one.
    from mailman.domain.event_payloads import WebhookDeliveryExhausted

    work.events.append(
        NewEvent(
            d.organization_id,
            type=WEBHOOK_DELIVERY_EXHAUSTED,
            subject_id=d.endpoint_id,
            dedup_key=f"{WEBHOOK_DELIVERY_EXHAUSTED}:{d.id}",
            payload=WebhookDeliveryExhausted(
                endpoint_id=d.endpoint_id,
                delivery_id=d.id,
                event_id=d.event_id,
                event_type=d.event_type,
                attempts=d.attempts + 1,
                last_status_code=report.status_code,
                last_error=report.error,
            ).model_dump(mode="json"),
        )
    )
    return DeliveryState.FAILED, (WEBHOOK_DELIVERY_EXHAUSTED,)


def _health(
    work: UnitOfWork, d: LeasedDelivery, report: AttemptReport, now: datetime
) -> tuple[str, ...]:
    """The endpoint failed at the attempt's time: failing since its first failure after its
    last success, and disabled once that is `FAILING_DISABLES_AFTER` ago."""
    since = work.webhook_deliveries.failed(d.endpoint_id, report.attempted_at)
    if since is None or since > now - FAILING_DISABLES_AFTER:
        return ()
    return _disable(work, d, DisabledReason.FAILING, now, failing_since=since)


def _disable(
    work: UnitOfWork,
    d: LeasedDelivery,
    reason: DisabledReason,
    now: datetime,
    *,
    failing_since: datetime | None,
) -> tuple[str, ...]:
    """Disable the endpoint and say so in the log, unless it was disabled already."""
    if not work.webhook_deliveries.disable(d.endpoint_id, reason, now):
        return ()
    from mailman.domain.event_payloads import WebhookEndpointDisabled

    work.events.append(
        NewEvent(
            d.organization_id,
            type=WEBHOOK_ENDPOINT_DISABLED,
            subject_id=d.endpoint_id,
            dedup_key=f"{WEBHOOK_ENDPOINT_DISABLED}:{d.endpoint_id}:{now.isoformat()}",
            payload=WebhookEndpointDisabled(
                endpoint_id=d.endpoint_id,
                url=d.endpoint_url,
                reason=reason.value,
                failing_since=failing_since,
            ).model_dump(mode="json"),
        )
    )
    return (WEBHOOK_ENDPOINT_DISABLED,)
