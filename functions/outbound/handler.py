"""Takes outgoing mail's ids off the outbound queue and hands each message to SES.

A record is one message. Sent, skipped (sent already, cancelled, not due) and failed for
good are done; a transient failure (SES throttling, an outage) raises, so only that record
comes back, later each time: its visibility timeout grows with its receive count (30 s,
60 s, ... up to 15 minutes). Past the queue's receive count it lands in the dead-letter
queue, and the dispatcher queues the message again a quarter of an hour later.

A message SES took counts its recipients in its sending domain's `RecipientsSent`
(`emit_domain_counts`), beside what the telemetry function counts of SES's events. Then
the webhooks due (`message.sent`, ...) are queued at once (`publish_webhooks`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from functions.runtime import (
    cached_container,
    count,
    emit_domain_counts,
    entrypoint,
    logger,
    process_batch,
    publish_webhooks,
    traced,
)
from mailman.domain.errors import DeliveryError
from mailman.services.sending import DeliveryJob, SendOutcome, deliver

container = cached_container()
FIRST_RETRY_SECONDS = 30
LAST_RETRY_SECONDS = 900


class JobBody(BaseModel):
    organization_id: UUID
    message_id: UUID


def retry_after(receive_count: int) -> int:
    """Seconds until a record that failed on its `receive_count`th receipt comes back."""
    return int(min(LAST_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, receive_count - 1)))


@traced
def record_handler(record: SQSRecord) -> None:
    body = JobBody.model_validate_json(record.body)
    logger.append_keys(message_id=str(body.message_id))
    try:
        delivery = deliver(container().outbound, DeliveryJob(body.organization_id, body.message_id))
    except DeliveryError as exc:
        seconds = retry_after(int(record.attributes.approximate_receive_count or 1))
        logger.warning(
            "SES asked to try later", extra={"reason": exc.message, "retry_seconds": seconds}
        )
        container().queue.retry_later(record.receipt_handle, seconds)
        count("SendsRetried")
        raise
    logger.info(
        "hand-off",
        extra={
            "outcome": delivery.outcome.value,
            "ses_message_id": delivery.ses_message_id,
            "reason": delivery.reason,
            "suppressed": len(delivery.suppressed),
        },
    )
    metric = {
        SendOutcome.SENT: "MessagesSent",
        SendOutcome.FAILED: "MessagesFailed",
        SendOutcome.SKIPPED: "SendsSkipped",
        SendOutcome.UNCERTAIN: "SendsUncertain",
        SendOutcome.HELD: "SendsHeld",
    }[delivery.outcome]
    count(metric)
    if delivery.outcome is SendOutcome.SENT and delivery.domain is not None:
        emit_domain_counts({delivery.domain: {"sent": delivery.recipients_sent}})
    if delivery.suppressed:
        count("RecipientsSuppressed", len(delivery.suppressed))


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    # Every record failing is answered like any other partial failure (they all come back).
    response = process_batch(event, context, record_handler)
    publish_webhooks(container())
    return response
