"""Takes SES receipt notifications off the inbound queue and receives each message.

Each SQS record is one message. The batch is received at once (one routing lookup, one
transaction per organisation); a record whose message could not be stored fails alone, so
only it comes back (partial batch response) and, past the queue's receive count, lands in
the dead-letter queue. Mail over a parsing limit does not fail: it is stored quarantined.
Then the webhooks due (`message.received`, ...) are queued at once (`publish_webhooks`).

Every message is scanned (ClamAV) before anything of it is stored. A scanner that is down
fails the record alone, to be received again, until its receive count
(`ApproximateReceiveCount`) reaches `Settings.scan_attempts`: then it is stored quarantined
as `scan_failed`. Counted: `ScanFailures`, `MessagesInfected`, and the definitions' age
(`ScanDefinitionsAgeHours`), which the alarms watch.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from functions.runtime import (
    cached_container,
    count,
    entrypoint,
    gauge,
    logger,
    process_batch,
    publish_webhooks,
    traced,
)
from mailman.adapters.sns import SnsEnvelope
from mailman.domain.scanning import ScannerUnavailable, ScanVerdict, definitions_age_hours
from mailman.services.receiving import Incoming, Received, Scanning, receive_batch

from .notification import ReceivedNotification

# The event source caps this function's concurrency, so its sessions may be pinned to
# prepared statements: the same dozen statements run for every message.
container = cached_container(prepared_statements=True)


Outcome = Received | Exception | None
"""What became of one record: stored, failed, or ignored (not a receipt notification)."""


STORE_RESERVE_SECONDS = 20
"""What a batch needs after its scans (routing, storing, queueing webhooks): scanning stops
this long before the invocation's end (`stacks/scanning.py`'s `BATCH_MARGIN_SECONDS`)."""


def scan_deadline(context: LambdaContext) -> float:
    """The `time.monotonic()` instant past which no scan starts or waits in this invocation."""
    remaining = context.get_remaining_time_in_millis() / 1000
    return time.monotonic() + remaining - STORE_RESERVE_SECONDS


@traced
def receive_records(records: list[SQSRecord], deadline: float | None = None) -> dict[str, Outcome]:
    """Receive the mail of every record at once: one batch through the service, its scans
    done by `deadline` (the mail not scanned by then waits for the queue)."""
    outcomes: dict[str, Outcome] = {}
    incoming: dict[str, Incoming] = {}
    for record in records:
        try:
            envelope = SnsEnvelope.model_validate_json(record.body)
            notification = ReceivedNotification.model_validate_json(envelope.message)
        except ValidationError as exc:
            outcomes[record.message_id] = exc
            continue
        if notification.notification_type != "Received":
            logger.warning("ignored notification", extra={"type": notification.notification_type})
            outcomes[record.message_id] = None
            continue
        incoming[record.message_id] = Incoming(notification.inbound(), attempt=_attempt(record))
    c = container()
    scanning = Scanning(c.scanner, c.settings.scan_attempts, deadline)
    received = receive_batch(c.uow, c.blobs, list(incoming.values()), scanning)
    for (record_id, item), outcome in zip(incoming.items(), received, strict=True):
        outcomes[record_id] = outcome
        _log(item, outcome)
    return outcomes


def _log(item: Incoming, outcome: Received | Exception) -> None:
    """One line per mail: stored (with its verdicts), waiting for the scanner, or failed."""
    if isinstance(outcome, ScannerUnavailable):
        logger.warning(
            "mail waits for the scanner: the record will be retried",
            extra={
                "ses_message_id": item.mail.source_id,
                "attempt": item.attempt,
                "reason": str(outcome),
            },
        )
    elif isinstance(outcome, Exception):
        logger.error(
            "mail not stored: the record will be retried",
            exc_info=outcome,
            extra={"ses_message_id": item.mail.source_id},
        )
    else:
        logger.info(
            "mail received",
            extra={
                "ses_message_id": item.mail.source_id,
                "stored": len(outcome.stored),
                "new": sum(1 for s in outcome.stored if s.created),
                "unroutable": len(outcome.unroutable),
                "quarantine_reason": outcome.quarantine_reason,
                "scan": outcome.scan.verdict.value,
                "signature": outcome.scan.signature,
                "dmarc_reports": outcome.dmarc_reports,
            },
        )


def _attempt(record: SQSRecord) -> int:
    """Which receive of the record this is (1 when SQS does not say)."""
    try:
        return max(1, int(record.attributes.approximate_receive_count))
    except (TypeError, ValueError):
        return 1


def count_scans(outcomes: dict[str, Outcome]) -> None:
    """The scans of the invocation: those that failed (waiting or at their bound), the
    infected, and how old the scanner's definitions are (once per invocation, from the first
    engine that names them)."""
    reports = [o.scan for o in outcomes.values() if isinstance(o, Received)]
    failures = sum(isinstance(o, ScannerUnavailable) for o in outcomes.values())
    failures += sum(r.verdict is ScanVerdict.FAILED for r in reports)
    if failures:
        count("ScanFailures", failures)
    infected = sum(r.verdict is ScanVerdict.FAIL for r in reports)
    if infected:
        count("MessagesInfected", infected)
    now = container().clock.now()
    ages = (definitions_age_hours(r.engine, now) for r in reports)
    age = next((a for a in ages if a is not None), None)
    if age is not None:
        gauge("ScanDefinitionsAgeHours", age)


def record_handler(outcomes: dict[str, Outcome], record: SQSRecord) -> None:
    """Report one record's outcome; a failed one raises, so only it comes back."""
    outcome = outcomes[record.message_id]
    if isinstance(outcome, Exception):
        raise outcome
    if outcome is None:
        return
    count("MessagesReceived", len(outcome.stored))
    if outcome.quarantine_reason:
        count("MessagesQuarantined")
    if outcome.unroutable:
        count("MessagesUnroutable")


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    records = [SQSRecord(r) for r in event.get("Records", [])]
    outcomes = receive_records(records, scan_deadline(context))
    count_scans(outcomes)
    # A batch whose every record failed is an error of the invocation, unless the records
    # wait for the scanner: its outage is counted (`ScanFailures`) and alarmed on apart.
    waiting = any(isinstance(o, ScannerUnavailable) for o in outcomes.values())
    response = process_batch(
        event,
        context,
        functools.partial(record_handler, outcomes),
        raise_on_entire_batch_failure=not waiting,
    )
    publish_webhooks(container())
    return response
