"""Takes SES receipt notifications off the inbound queue and receives each message.

Each SQS record is one message; a record that fails raises, so only it comes back (partial
batch response) and, past the queue's receive count, lands in the dead-letter queue. Mail
over a parsing limit does not fail: it is stored quarantined.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailman.composition import Container, build_container
from mailman.services.receive import receive

from .notification import ReceivedNotification, SnsEnvelope

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


@functools.cache
def container() -> Container:
    return build_container()


@tracer.capture_method(capture_response=False)
def record_handler(record: SQSRecord) -> None:
    envelope = SnsEnvelope.model_validate_json(record.body)
    notification = ReceivedNotification.model_validate_json(envelope.message)
    if notification.notification_type != "Received":
        logger.warning("ignored notification", extra={"type": notification.notification_type})
        return
    c = container()
    received = receive(c.uow, c.blobs, notification.inbound())
    logger.info(
        "mail received",
        extra={
            "ses_message_id": notification.mail.message_id,
            "stored": len(received.stored),
            "new": sum(1 for s in received.stored if s.created),
            "unroutable": len(received.unroutable),
            "quarantine_reason": received.quarantine_reason,
        },
    )
    metrics.add_metric(name="MessagesReceived", unit=MetricUnit.Count, value=len(received.stored))
    if received.quarantine_reason:
        metrics.add_metric(name="MessagesQuarantined", unit=MetricUnit.Count, value=1)
    if received.unroutable:
        metrics.add_metric(name="MessagesUnroutable", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
