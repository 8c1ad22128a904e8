"""Takes the configuration set's sending events off the telemetry queue.

So far one kind is acted on: `Send`, SES's word that it took a message. It carries the tags
the outbound function gave the mail, and records the message as Sent exactly as the
outbound function does, so a hand-off whose recording was lost (the function died after
SES took the mail) is confirmed here, once. The other kinds (Delivery, Bounce, Complaint,
...) are acknowledged and counted; what they change is the delivery-tracking work.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from functions.runtime import cached_container, count, entrypoint, logger, process_batch, traced
from mailman.adapters.sns import SnsEnvelope
from mailman.services.sending import TAG_MESSAGE, TAG_ORGANIZATION, record_sent

container = cached_container()


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SesMail(_Model):
    message_id: str = Field(alias="messageId")
    tags: dict[str, list[str]] = {}

    def tag(self, name: str) -> str | None:
        values = self.tags.get(name) or []
        return values[0] if values else None


class SendingEvent(_Model):
    event_type: str = Field(alias="eventType")
    mail: SesMail


@traced
def record_handler(record: SQSRecord) -> None:
    event = SendingEvent.model_validate_json(SnsEnvelope.model_validate_json(record.body).message)
    count(f"Ses{event.event_type}")
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
        count("HandOffsReconciled")


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    # Every record failing is answered like any other partial failure (they all come back).
    return process_batch(event, context, record_handler)
