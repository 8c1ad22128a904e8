"""What SNS puts on an SQS queue subscribed to a topic (raw message delivery off)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SnsEnvelope(BaseModel):
    """An SQS record's body: the notification itself is a JSON string in `Message`."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    type: str = Field(default="Notification", alias="Type")
    """`Notification`, or SNS's own `SubscriptionConfirmation` / `UnsubscribeConfirmation`."""
    message: str = Field(alias="Message")
