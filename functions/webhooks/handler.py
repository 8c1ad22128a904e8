"""Takes webhook work off `webhooks.fifo`, makes one attempt at each item and reports every
attempt to the reports queue, for the database side to record.

This function runs outside the VPC and reaches no database: a record is a self-contained
`WebhookWork` (the URL, the body, the sealed secrets), and its outcome leaves as an
`AttemptReport`. What a record can come to:
- Attempted, whatever the receiver did (delivered, failed, gone, refused as not public): its
  report is queued; retries are the pipeline's, on its schedule. Counted by outcome
  (`WebhooksDelivered`, `WebhookAttemptsFailed`, `WebhookEndpointsGone`).
- Not a `WebhookWork` (no one could ever attempt it): logged, counted
  (`WebhookWorkMalformed`) and dropped, never retried; the delivery it was for, if any,
  is sent again by the pipeline's sweep once its lease runs out.
- Too late: its attempt could not finish before its lease runs out, so the sweep sends (or
  has sent) the delivery again. Dropped unattempted and unreported (a report under that
  lease would be stale), logged and counted (`WebhookWorkExpired`): a backlog longer than
  the lease is worked off, rather than every stale copy POSTed again and queued once more.
- Not started: the invocation was running out of time before its turn. Dropped the same
  way (counted as `WebhookWorkNotStarted`), so that the reports of what was attempted are
  sent before the invocation is cut short: lost, their receivers would get those
  deliveries again.
- The reports queue refusing the reports: the invocation fails, so the whole batch comes
  back and is attempted again (receivers see the same `webhook-id`).

Items of one message group are attempted in order, different groups at once
(`dispatch_batch`). Logs carry ids, outcomes and status codes, never bodies or URLs.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSEvent, SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from functions.runtime import cached_container, count, entrypoint, logger
from mailman.domain.webhook_work import AttemptReport, WebhookWork
from mailman.domain.webhooks import Outcome
from mailman.services.webhooks.dispatch import Dispatched, dispatch_batch

container = cached_container()

METRICS = {
    Outcome.DELIVERED: "WebhooksDelivered",
    Outcome.FAILED: "WebhookAttemptsFailed",
    Outcome.GONE: "WebhookEndpointsGone",
}


def read_work(record: SQSRecord) -> WebhookWork | None:
    """The record's work, or None (logged and counted) when it holds none."""
    try:
        return WebhookWork.model_validate_json(record.body)
    except ValidationError as exc:
        logger.error(
            "malformed webhook work: dropped",
            extra={"sqs_message_id": record.message_id, "errors": exc.error_count()},
        )
        count("WebhookWorkMalformed")
        return None


def _log(report: AttemptReport) -> None:
    facts = {
        "delivery_id": str(report.delivery_id),
        "endpoint_id": str(report.endpoint_id),
        "outcome": report.outcome.value,
        "status_code": report.status_code,
        "latency_ms": report.latency_ms,
        "trigger": report.trigger,
    }
    if report.outcome is Outcome.DELIVERED:
        logger.info("webhook delivered", extra=facts)
    else:
        logger.warning("webhook attempt failed", extra={**facts, "error": report.error})


def _log_dropped(dispatched: Dispatched) -> None:
    for work in dispatched.expired:
        logger.info(
            "webhook work expired: dropped, the sweep sends it again",
            extra={
                "delivery_id": str(work.delivery_id),
                "endpoint_id": str(work.endpoint_id),
                "lease_expires_at": work.lease_expires_at.isoformat(),
            },
        )
    for work in dispatched.not_started:
        logger.warning(
            "webhook work not started: the invocation's time ran short; the sweep sends it again",
            extra={"delivery_id": str(work.delivery_id), "endpoint_id": str(work.endpoint_id)},
        )
    if dispatched.expired:
        count("WebhookWorkExpired", len(dispatched.expired))
    if dispatched.not_started:
        count("WebhookWorkNotStarted", len(dispatched.not_started))


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    works = [w for w in map(read_work, SQSEvent(event).records) if w is not None]
    c = container()
    dispatched = dispatch_batch(
        works,
        box=c.secret_box,
        resolver=c.host_resolver,
        http=c.http_sender,
        clock=c.clock,
        allow_private=c.settings.webhook_allow_private,
        reports=c.report_queue,
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    for report in dispatched.reports:
        _log(report)
    for outcome, n in Counter(r.outcome for r in dispatched.reports).items():
        count(METRICS[outcome], n)
    _log_dropped(dispatched)
    return {"batchItemFailures": []}
