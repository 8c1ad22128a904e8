"""Takes SES's sending events off the telemetry queue and records them a batch at a time.

A record is one SNS notification of SES's, in either shape SES publishes (configuration-set
event publishing, or an identity's notifications), read by `read_notification`. The
batch's events are recorded together by `mailman.services.telemetry.record_events`, one
transaction per organisation: the hand-offs confirmed (so a Delivery that overtakes its
Send, or the outbound function's own record, still finds the message Sent), the
recipients' states decided, the hourly counts, the messages' summaries, the event log, the
suppression list and the brake's review. Should an organisation's transaction fail, each
of its events is recorded alone (the organisations that committed keep their results), so
only a record that fails alone comes back.

What a record can come to:
- Recorded, or a repeat of a notification already recorded (SNS and SQS deliver at least
  once): done, counted.
- Not a sending event (SNS's subscription messages, SES's topic validation, a Received
  notification): logged and counted (`SesNotificationIgnored`), done.
- An event for a message we do not know (another system shares the configuration set, or
  the message is gone): logged and counted (`SesEventForUnknownMessage`), done; no retry
  would ever find it. But an identity notification (found by SES's id alone) of mail SES
  took less than the dispatcher's confirmation window ago may have overtaken the record of
  its hand-off (the outbound function's, or SES's tagged Send event's should the function
  have died after SES took the mail): it is counted (`SesEventsAwaitingHandOff`) and
  reported failed, so it comes back until the hand-off is recorded or the window has passed.
- A notification that cannot be read: the reason is logged and the record is reported
  failed, so it comes back alone and, past the queue's receive count, lands in the
  dead-letter queue; the rest of the batch is recorded.
- The database failing: the events of each organisation whose transaction failed are
  recorded again one by one (what the others committed stands, counted and logged once);
  a record whose event fails alone is reported (`batchItemFailures`) and comes back;
  nothing of it was stored.

Each batch's counts are written per sending domain as CloudWatch metrics
(`functions.runtime.emit_domain_counts`), and the webhooks due (`message.delivered`, ...)
queued at once (`functions.runtime.publish_webhooks`).
Logs carry ids and kinds, never addresses.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.runtime import (
    cached_container,
    count,
    emit_domain_counts,
    entrypoint,
    logger,
    process_whole_batch,
    publish_webhooks,
    traced,
)
from mailman.domain.delivery import SesEvent
from mailman.domain.reputation import KINDS
from mailman.services.telemetry import (
    PartlyRecorded,
    TrackedEvent,
    TrackingOutcome,
    may_yet_be_found,
    record_event,
    record_events,
)

from .notifications import MalformedNotification, read_notification

# The event source caps this function's concurrency, so its sessions may be pinned to
# prepared statements: the same handful of statements run for every event (bench/telemetry.py
# measured them nearly twice as fast prepared).
container = cached_container(prepared_statements=True)

_by_domain: dict[str, Counter[str]] = {}
"""The batch's counts per sending domain (by name), written as metrics once it is done."""


def _metric(event: SesEvent) -> str:
    """`SesDelivery`, `SesDeliveryDelay`, `SesRenderingFailure`, ..."""
    return "Ses" + "".join(part.capitalize() for part in event.type.value.split("_"))


@traced
def record_batch(records: list[SQSRecord]) -> list[str]:
    """Read every record, record the events in one go; answers the failed records' ids."""
    failed: list[str] = []
    parsed: list[tuple[SQSRecord, SesEvent]] = []
    for record in records:
        try:
            event = _read(record)
        except MalformedNotification:
            failed.append(record.message_id)
            continue
        if event is not None:
            parsed.append((record, event))
    # One metric per kind of event the batch holds, its count the value.
    for name, n in Counter(_metric(event) for _, event in parsed).items():
        count(name, n)
    if parsed:
        failed.extend(_record(parsed))
    return failed


def _read(record: SQSRecord) -> SesEvent | None:
    try:
        event = read_notification(record.body)
    except MalformedNotification as exc:
        logger.error(
            "malformed SES notification: it goes to the dead-letter queue",
            extra={"reason": str(exc), "sqs_message_id": record.message_id},
        )
        raise
    if event is None:
        logger.info(
            "not an SES sending event: ignored", extra={"sqs_message_id": record.message_id}
        )
        count("SesNotificationIgnored")
        return None
    return event


def _record(parsed: list[tuple[SQSRecord, SesEvent]]) -> list[str]:
    """The batch's events in one go; should that fail, each alone, so that only the records
    that fail alone come back."""
    telemetry = container().telemetry
    results: list[TrackedEvent | None]
    try:
        results = list(record_events(telemetry, [event for _, event in parsed]))
    except PartlyRecorded as exc:
        # The organisations that committed keep their results: only the others' events
        # are recorded again, each alone.
        logger.warning("recording the batch failed for some organisations", exc_info=True)
        count("TelemetryBatchesSplit")
        results = exc.results
    except Exception:
        logger.warning("recording the batch failed: each event alone", exc_info=True)
        count("TelemetryBatchesSplit")
        return _one_by_one(parsed)
    now = telemetry.clock.now()
    failed, again = [], []
    for (record, event), result in zip(parsed, results, strict=True):
        if result is None:
            again.append((record, event))
        elif _recorded(record, event, result, now):
            failed.append(record.message_id)
    return failed + _one_by_one(again)


def _one_by_one(parsed: list[tuple[SQSRecord, SesEvent]]) -> list[str]:
    failed = []
    now = container().telemetry.clock.now()
    for record, event in parsed:
        try:
            result = record_event(container().telemetry, event)
        except Exception:
            logger.exception(
                "SES event not recorded: it comes back",
                extra={"sqs_message_id": record.message_id, "event_type": event.type.value},
            )
            failed.append(record.message_id)
            continue
        if _recorded(record, event, result, now):
            failed.append(record.message_id)
    return failed


def _recorded(record: SQSRecord, event: SesEvent, result: TrackedEvent, now: datetime) -> bool:
    """Log and count what recording the event did; answers whether its record comes back."""
    facts = {"ses_message_id": event.ses_message_id, "event_type": event.type.value}
    if result.outcome is TrackingOutcome.UNKNOWN_MESSAGE:
        return _unknown(record, event, now)
    facts["message_id"] = str(result.message_id)
    if result.outcome is TrackingOutcome.DUPLICATE:
        count("SesEventRepeated")
    if result.handed_off:
        # The event came before the outbound function recorded the hand-off, or that
        # function died after SES took the mail: here it is recorded either way.
        logger.info("hand-off recorded from SES's event", extra=facts)
        count("HandOffsReconciled")
    if result.suppressed:
        logger.info("addresses suppressed", extra={**facts, "suppressed": result.suppressed})
        count("AddressesSuppressed", result.suppressed)
    if result.paused:
        logger.warning(
            "the brake paused the domain's sending",
            extra={**facts, "domain_id": str(result.domain_id)},
        )
        count("DomainsPaused")
    if result.domain_name is not None:
        tally = _by_domain.setdefault(result.domain_name, Counter())
        tally.update({kind: getattr(result.counts, kind) for kind in KINDS})
    return False


def _unknown(record: SQSRecord, event: SesEvent, now: datetime) -> bool:
    """An event for a message not found: back later while its hand-off may yet be recorded
    (`may_yet_be_found`), else dropped. Answers whether its record comes back."""
    facts = {
        "ses_message_id": event.ses_message_id,
        "event_type": event.type.value,
        "sqs_message_id": record.message_id,
    }
    if may_yet_be_found(event, now):
        logger.info("SES event for a message not found yet: it comes back", extra=facts)
        count("SesEventsAwaitingHandOff")
        return True
    logger.warning(
        "SES event for a message we do not know: dropped",
        extra={**facts, "tagged": event.message_pk is not None},
    )
    count("SesEventForUnknownMessage")
    return False


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    # Every record failing is answered like any other partial failure (they all come back).
    _by_domain.clear()
    response = process_whole_batch(event, record_batch)
    emit_domain_counts(_by_domain)
    publish_webhooks(container())
    return response
