"""Takes SES receipt notifications off the inbound queue and receives each message.

Each SQS record is one message. The batch is received at once (one routing lookup, one
transaction per organisation); a record whose message could not be stored fails alone, so
only it comes back (partial batch response) and, past the queue's receive count, lands in
the dead-letter queue. Mail over a parsing limit does not fail: it is stored quarantined.
Then the webhooks due (`message.received`, ...) are queued at once (`publish_webhooks`).
"""

from __future__ import annotations

import functools
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
    process_batch,
    publish_webhooks,
    traced,
)
from mailman.adapters.sns import SnsEnvelope
from mailman.services.receiving import Incoming, Received, receive_batch

from .notification import ReceivedNotification

# The event source caps this function's concurrency, so its sessions may be pinned to
# prepared statements: the same dozen statements run for every message.
container = cached_container(prepared_statements=True)


Outcome = Received | Exception | None
"""What became of one record: stored, failed, or ignored (not a receipt notification)."""


@traced
def receive_records(records: list[SQSRecord]) -> dict[str, Outcome]:
    """Receive the mail of every record at once: one batch through the service."""
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
        incoming[record.message_id] = Incoming(notification.inbound())
    c = container()
    received = receive_batch(c.uow, c.blobs, list(incoming.values()))
    for (record_id, item), outcome in zip(incoming.items(), received, strict=True):
        outcomes[record_id] = outcome
        if isinstance(outcome, Exception):
            logger.error(
                "mail not stored: the record will be retried",
                exc_info=outcome,
                extra={"ses_message_id": item.mail.source_id},
            )
        elif isinstance(outcome, Received):
            logger.info(
                "mail received",
                extra={
                    "ses_message_id": item.mail.source_id,
                    "stored": len(outcome.stored),
                    "new": sum(1 for s in outcome.stored if s.created),
                    "unroutable": len(outcome.unroutable),
                    "quarantine_reason": outcome.quarantine_reason,
                    "dmarc_reports": outcome.dmarc_reports,
                },
            )
    return outcomes


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
    outcomes = receive_records([SQSRecord(r) for r in event.get("Records", [])])
    # A batch whose every record failed is an error of the invocation.
    response = process_batch(
        event,
        context,
        functools.partial(record_handler, outcomes),
        raise_on_entire_batch_failure=True,
    )
    publish_webhooks(container())
    return response
