"""The SQS records the inbound function is driven with: SES's receipt notification of a
message put where SES puts raw mail, in its SNS envelope, as Lambda's event source hands it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import boto3

from local.ses_inbound import received_notification, sns_envelope

from .conftest import BUCKET

TOPIC = "arn:aws:sns:us-east-1:000000000000:mailman-inbound"


def inbound_record(
    ses_id: str,
    raw: bytes | None,
    recipients: Sequence[str],
    *,
    source: str = "alice@elsewhere.example",
    prefix: str = "raw/",
    receive_count: int = 1,
) -> dict[str, Any]:
    """The record of SES's notification of `raw` (stored first under `prefix`; None leaves
    the object missing) for `recipients`, on its `receive_count`th receive."""
    key = f"{prefix}{ses_id}"
    if raw is not None:
        boto3.client("s3", region_name="us-east-1").put_object(Bucket=BUCKET, Key=key, Body=raw)
    notification = received_notification(
        message_id=ses_id,
        source=source,
        recipients=list(recipients),
        headers=[],
        bucket=BUCKET,
        object_key=key,
        topic_arn=TOPIC,
    )
    return {
        "messageId": f"sqs-{ses_id}",
        "receiptHandle": "handle",
        "body": sns_envelope(notification, TOPIC),
        "attributes": {"ApproximateReceiveCount": str(receive_count)},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:mailman-inbound",
        "awsRegion": "us-east-1",
    }
