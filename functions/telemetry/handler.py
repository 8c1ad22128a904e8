"""Takes the configuration set's sending events off the telemetry queue.

So far one kind is acted on: `Send`, SES's word that it took a message. It carries the tags
the outbound function gave the mail, and records the message as Sent exactly as the
outbound function does, so a hand-off whose recording was lost (the function died after
SES took the mail) is confirmed here, once. The other kinds (Delivery, Bounce, Complaint,
...) are acknowledged and counted; what they change is the delivery-tracking work.
"""

from __future__ import annotations

import functools
from typing import Any
from uuid import UUID

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
from pydantic import BaseModel, ConfigDict, Field

from mailman.adapters.sns import SnsEnvelope
from mailman.composition import Container, build_container
from mailman.services.sending import TAG_MESSAGE, TAG_ORGANIZATION, record_sent

logger = Logger()
tracer = Tracer()
metrics = Metrics()
# Every record failing is answered like any other partial failure (they all come back),
# not raised as an error of the whole invocation.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Mail(_Model):
    message_id: str = Field(alias="messageId")
    tags: dict[str, list[str]] = {}

    def tag(self, name: str) -> str | None:
        values = self.tags.get(name) or []
        return values[0] if values else None


class SendingEvent(_Model):
    event_type: str = Field(alias="eventType")
    mail: Mail


@functools.cache
def container() -> Container:
    return build_container()


@tracer.capture_method(capture_response=False)
def record_handler(record: SQSRecord) -> None:
    event = SendingEvent.model_validate_json(SnsEnvelope.model_validate_json(record.body).message)
    metrics.add_metric(name=f"Ses{event.event_type}", unit=MetricUnit.Count, value=1)
    message, organization = event.mail.tag(TAG_MESSAGE), event.mail.tag(TAG_ORGANIZATION)
    if event.event_type != "Send" or not message or not organization:
        return
    recorded = record_sent(
        container().outbound, UUID(organization), UUID(message), event.mail.message_id
    )
    if recorded:
        # The event came before the outbound function recorded the hand-off, or that
        # function died after SES took the mail: here it is recorded either way.
        logger.info("hand-off recorded from SES's Send event", extra={"message_id": message})
        metrics.add_metric(name="HandOffsReconciled", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
