"""What SES does with inbound mail, played locally: a receipt rule's S3 action and its
notification, published through SNS to the inbound queue."""

from __future__ import annotations

import json
import secrets
import string
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

RAW_PREFIX = "raw/"


def ses_message_id() -> str:
    """An id shaped like the ones SES gives inbound mail."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(20))


def received_notification(
    *,
    message_id: str,
    source: str,
    recipients: Sequence[str],
    headers: Sequence[tuple[str, str]],
    bucket: str,
    object_key: str,
    topic_arn: str,
    verdicts: dict[str, str] | None = None,
    dmarc_policy: str | None = None,
) -> dict[str, Any]:
    """The notification a receipt rule's S3 action publishes for one message."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    chosen = {"spam": "PASS", "virus": "PASS", "spf": "GRAY", "dkim": "GRAY", "dmarc": "GRAY"}
    chosen.update(verdicts or {})
    receipt: dict[str, Any] = {
        "timestamp": now,
        "processingTimeMillis": 1,
        "recipients": list(recipients),
        **{f"{name}Verdict": {"status": status} for name, status in chosen.items()},
        "action": {
            "type": "S3",
            "topicArn": topic_arn,
            "bucketName": bucket,
            "objectKeyPrefix": RAW_PREFIX,
            "objectKey": object_key,
        },
    }
    if dmarc_policy:
        receipt["dmarcPolicy"] = dmarc_policy
    return {
        "notificationType": "Received",
        "receipt": receipt,
        "mail": {
            "timestamp": now,
            "source": source,
            "messageId": message_id,
            "destination": list(recipients),
            "headersTruncated": False,
            "headers": [{"name": n, "value": v} for n, v in headers],
        },
    }


RECEIPT_SUBJECT = "Amazon SES Email Receipt Notification"


def sns_envelope(
    message: dict[str, Any], topic_arn: str, *, subject: str | None = RECEIPT_SUBJECT
) -> str:
    """The SQS body of an SNS notification delivered without raw message delivery."""
    body = {
        "Type": "Notification",
        "MessageId": str(uuid.uuid4()),
        "TopicArn": topic_arn,
        "Subject": subject,
        "Message": json.dumps(message),
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "SignatureVersion": "1",
        "Signature": "local",
        "SigningCertURL": "https://sns.local/cert.pem",
        "UnsubscribeURL": "https://sns.local/unsubscribe",
    }
    return json.dumps({k: v for k, v in body.items() if v is not None})
