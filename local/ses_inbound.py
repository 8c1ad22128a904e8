"""What SES does with inbound mail, played locally: a receipt rule's S3 action and its
notification, published through SNS to the inbound queue.

SES judges every message (spam, virus, SPF, DKIM, DMARC); locally every message passes, unless
it carries `X-Mailman-Local-Verdicts` (`take_local_verdicts`), which sets SES's verdicts for
that one message and is removed before the message is stored. It exists on the local platform
only, to see the spam folder and the quarantine end to end: nothing in `shared/` or
`functions/` knows it, and the deployed path (SES's own receipt rule) never honours it.
"""

from __future__ import annotations

import json
import secrets
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

RAW_PREFIX = "raw/"
LOCAL_VERDICTS_HEADER = "X-Mailman-Local-Verdicts"
VERDICT_NAMES = ("spam", "virus", "spf", "dkim", "dmarc")
VERDICT_STATUSES = ("PASS", "FAIL", "GRAY", "PROCESSING_FAILED", "DISABLED")
DMARC_POLICIES = ("none", "quarantine", "reject")


class BadLocalVerdicts(ValueError):
    """`X-Mailman-Local-Verdicts` names a verdict, a status or a policy SES has not."""


@dataclass(frozen=True)
class LocalVerdicts:
    """SES's verdicts chosen for one message by its `X-Mailman-Local-Verdicts` header."""

    verdicts: dict[str, str] = field(default_factory=dict)
    dmarc_policy: str | None = None


def take_local_verdicts(raw: bytes) -> tuple[bytes, LocalVerdicts]:
    """The message without its `X-Mailman-Local-Verdicts` fields, and the verdicts they set.

    The header reads `spam=FAIL; virus=FAIL; dmarc=FAIL; dmarc-policy=reject`: any of SES's
    verdicts (spam, virus, spf, dkim, dmarc) with any of its statuses, and the sender's DMARC
    policy SES reports when DMARC fails. Local platform only (see the module's docstring).
    Raises `BadLocalVerdicts` for a name, status or policy SES does not have."""
    head, separator, body = _split_head(raw)
    kept: list[bytes] = []
    values: list[str] = []
    for field_lines in _fields(head):
        name = field_lines[0].split(b":", 1)[0].strip().decode("ascii", "replace")
        if name.lower() == LOCAL_VERDICTS_HEADER.lower():
            unfolded = b" ".join(line.strip() for line in field_lines)
            values.append(unfolded.split(b":", 1)[1].decode("utf-8", "replace"))
        else:
            kept.extend(field_lines)
    if not values:
        return raw, LocalVerdicts()
    return b"".join(kept) + separator + body, _parse_verdicts(";".join(values))


def _split_head(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """The header block (each line with its ending), the blank line, and the body."""
    ends = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    if not ends:
        return raw, b"", b""
    end = min(ends)
    newline = b"\r\n" if raw.startswith(b"\r\n", end) else b"\n"
    return raw[: end + len(newline)], newline, raw[end + 2 * len(newline) :]


def _fields(head: bytes) -> list[list[bytes]]:
    """The header block's fields, each its lines as they were (folded lines kept with it)."""
    fields: list[list[bytes]] = []
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1].append(line)
        else:
            fields.append([line])
    return fields


def _parse_verdicts(value: str) -> LocalVerdicts:
    verdicts: dict[str, str] = {}
    policy: str | None = None
    for item in filter(None, (part.strip() for part in value.split(";"))):
        name, equals, setting = (x.strip() for x in item.partition("="))
        name = name.lower()
        if name == "dmarc-policy" and setting.lower() in DMARC_POLICIES:
            policy = setting.lower()
        elif equals and name in VERDICT_NAMES and setting.upper() in VERDICT_STATUSES:
            verdicts[name] = setting.upper()
        else:
            raise BadLocalVerdicts(f"{LOCAL_VERDICTS_HEADER}: cannot set {item!r}")
    return LocalVerdicts(verdicts, policy)


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


def announced_message_id(body: str) -> str | None:
    """The SES message id a queue message (`sns_envelope` of `received_notification`)
    announces; None for any other body."""
    try:
        notification = json.loads(json.loads(body)["Message"])
        return str(notification["mail"]["messageId"])
    except (ValueError, KeyError, TypeError):
        return None


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
