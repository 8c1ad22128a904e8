"""Takes the webhook dispatcher's reports off the reports queue and records them.

The dispatcher runs where it cannot reach the database; this function, in the VPC, records
what it reports (`mailman.services.webhooks.record_reports`). Each SQS record is one
`AttemptReport`. The batch is recorded in one transaction; should that fail, each report
alone, so that only a report that fails alone comes back (partial batch response) and,
past the queue's receive count, lands in the dead-letter queue, as does a record that is
no report. A report SQS delivers twice is recorded once. Then the webhooks due are queued
(the log's `webhook.*` events this appended, for the organisation's other endpoints).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from functions.runtime import (
    cached_container,
    count,
    entrypoint,
    logger,
    process_whole_batch,
    publish_webhooks,
    traced,
)
from mailman.domain.webhook_work import AttemptReport
from mailman.services.webhooks import Recorded, record_reports

# The event source caps this function's concurrency, so its sessions may be pinned to
# prepared statements: the same few statements run for every report.
container = cached_container(prepared_statements=True)

_METRICS = {
    "recorded": "WebhookReportsRecorded",
    "stale": "WebhookReportsStale",
    "repeated": "WebhookReportsRepeated",
    "webhook.delivery_exhausted": "WebhookDeliveriesExhausted",
    "webhook.endpoint_disabled": "WebhookEndpointsDisabled",
}

Parsed = list[tuple[SQSRecord, AttemptReport]]


@traced
def record_batch(records: list[SQSRecord]) -> list[str]:
    """Read every record, record the reports in one go; answers the failed records' ids."""
    failed: list[str] = []
    parsed: Parsed = []
    for record in records:
        try:
            parsed.append((record, AttemptReport.model_validate_json(record.body)))
        except ValidationError as exc:
            logger.error(
                "not an attempt report: it goes to the dead-letter queue",
                extra={"sqs_message_id": record.message_id, "errors": exc.error_count()},
            )
            failed.append(record.message_id)
    if parsed:
        failed.extend(_record(parsed))
    return failed


def _record(parsed: Parsed) -> list[str]:
    c = container()
    try:
        results = record_reports(c.uow, [report for _, report in parsed], c.clock)
    except Exception:
        logger.warning("recording the batch failed: each report alone", exc_info=True)
        count("WebhookReportBatchesSplit")
        return _one_by_one(parsed)
    for result in results:
        _count(result)
    return []


def _one_by_one(parsed: Parsed) -> list[str]:
    c = container()
    failed = []
    for record, report in parsed:
        try:
            [result] = record_reports(c.uow, [report], c.clock)
        except Exception:
            logger.exception(
                "webhook report not recorded: it comes back",
                extra={
                    "sqs_message_id": record.message_id,
                    "delivery_id": str(report.delivery_id),
                    "attempt_id": str(report.attempt_id),
                },
            )
            failed.append(record.message_id)
            continue
        _count(result)
    return failed


def _count(result: Recorded) -> None:
    count(_METRICS[result.outcome.value])
    for event in result.events:
        count(_METRICS[event])


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    # Every record failing is answered like any other partial failure (they all come back).
    response = process_whole_batch(event, record_batch)
    publish_webhooks(container())
    return response
