"""What SES does with the mail it is handed, played locally behind moto's SES v2 `SendEmail`.

After moto takes a message (it checks the sender's identity and keeps a copy), the post
office, on a thread of its own as SES works asynchronously:

* publishes the configuration set's events to the telemetry queue, shaped as SES publishes
  them through SNS: `Send` (with the mail's tags) for every message, then per recipient
  `Delivery`, or `Bounce` / `Complaint` for the mailbox simulator's addresses
  (`bounce@`, `complaint@`, `suppressionlist@simulator.amazonses.com`; `success@` and
  `ooto@` are delivered);
* delivers mail for a domain the local platform receives into the local inbound path (the
  receipt rule's S3 object and notification), with the Message-ID SES gives what it sends
  (`<ses-id@region.amazonses.com>`), so a reply from the other inbox threads on both sides;
* writes every message to the outbox directory (`mailman outbox` lists it), where mail to
  any other address can be read back.
"""

from __future__ import annotations

import base64
import json
import queue
import re
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from moto.sesv2.responses import SESV2Response

from local.ses_inbound import sns_envelope
from local.smtp_receiver import SesInbound
from mailman.services.sending import ses_header_id

SIMULATOR = "simulator.amazonses.com"
_MESSAGE_ID = re.compile(rb"^Message-ID:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*", re.IGNORECASE | re.M)


@dataclass(frozen=True)
class Handed:
    """One message SES took."""

    ses_message_id: str
    sender: str
    destinations: tuple[str, ...]
    tags: dict[str, str]
    raw: bytes


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def with_ses_message_id(raw: bytes, ses_message_id: str, region: str) -> bytes:
    """The message as SES sends it: its Message-ID replaced by SES's own."""
    header = f"Message-ID: {ses_header_id(ses_message_id, region)}".encode()
    replaced, count = _MESSAGE_ID.subn(header, raw, count=1)
    return replaced if count else header + b"\r\n" + raw


class PostOffice:
    def __init__(
        self,
        *,
        sqs: Any,
        telemetry_queue: str,
        topic_arn: str,
        inbound: SesInbound,
        local_domains: Callable[[], Sequence[str]],
        outbox: Path,
        region: str,
    ) -> None:
        self._sqs = sqs
        self._telemetry_queue = telemetry_queue
        self._topic_arn = topic_arn
        self._inbound = inbound
        self._local_domains = local_domains
        self._outbox = outbox
        self._region = region
        self._work: queue.Queue[Handed | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="ses-post-office", daemon=True)

    def start(self) -> PostOffice:
        _state["office"] = self
        self._thread.start()
        return self

    def stop(self) -> None:
        _state["office"] = None
        self._work.put(None)
        self._thread.join(timeout=10)

    def take(self, handed: Handed) -> None:
        self._work.put(handed)

    def _run(self) -> None:
        while (handed := self._work.get()) is not None:
            try:
                self.handle(handed)
            except Exception as exc:
                print(f"  [ses] could not deliver {handed.ses_message_id}: {exc!r}", flush=True)

    def handle(self, handed: Handed) -> None:
        self._outbox.mkdir(parents=True, exist_ok=True)
        as_sent = with_ses_message_id(handed.raw, handed.ses_message_id, self._region)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        (self._outbox / f"{stamp}-{handed.ses_message_id}.eml").write_bytes(as_sent)
        self._publish(handed, "Send", {"send": {}})
        local = {d.lower() for d in self._local_domains()}
        ours = [a for a in handed.destinations if a.rpartition("@")[2].lower() in local]
        if ours:
            self._inbound.deliver(as_sent, handed.sender, ours)
        for address in handed.destinations:
            self._publish(handed, *self._outcome(address))

    def _outcome(self, address: str) -> tuple[str, dict[str, Any]]:
        local, _, domain = address.lower().rpartition("@")
        now = _now()
        if domain == SIMULATOR and local in ("bounce", "suppressionlist"):
            sub_type = "General" if local == "bounce" else "OnAccountSuppressionList"
            return "Bounce", {
                "bounce": {
                    "bounceType": "Permanent",
                    "bounceSubType": sub_type,
                    "bouncedRecipients": [
                        {
                            "emailAddress": address,
                            "action": "failed",
                            "status": "5.1.1",
                            "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                        }
                    ],
                    "timestamp": now,
                    "feedbackId": str(uuid.uuid4()),
                }
            }
        if domain == SIMULATOR and local == "complaint":
            return "Complaint", {
                "complaint": {
                    "complainedRecipients": [{"emailAddress": address}],
                    "timestamp": now,
                    "feedbackId": str(uuid.uuid4()),
                    "complaintFeedbackType": "abuse",
                }
            }
        return "Delivery", {
            "delivery": {
                "timestamp": now,
                "processingTimeMillis": 120,
                "recipients": [address],
                "smtpResponse": "250 2.0.0 OK",
                "reportingMTA": f"a8-1.smtp-out.{self._region}.amazonses.com",
            }
        }

    def _publish(self, handed: Handed, event_type: str, detail: dict[str, Any]) -> None:
        event = {
            "eventType": event_type,
            "mail": {
                "timestamp": _now(),
                "source": handed.sender,
                "sendingAccountId": "000000000000",
                "messageId": handed.ses_message_id,
                "destination": list(handed.destinations),
                "headersTruncated": False,
                "tags": {name: [value] for name, value in handed.tags.items()},
            },
            **detail,
        }
        body = sns_envelope(event, self._topic_arn, subject=None)
        self._sqs.send_message(QueueUrl=self._telemetry_queue, MessageBody=body)


_state: dict[str, PostOffice | None] = {"office": None}


def _send_email(self: SESV2Response) -> str:
    answer = _original_send(self)
    office = _state["office"]
    params = json.loads(self.body)
    raw = params.get("Content", {}).get("Raw")
    if office is not None and raw is not None:
        data = base64.b64decode(raw["Data"])
        destination = params.get("Destination") or {}
        office.take(
            Handed(
                ses_message_id=json.loads(answer)["MessageId"],
                sender=params.get("FromEmailAddress")
                or parseaddr(str(BytesHeaderParser().parsebytes(data)["From"] or ""))[1],
                destinations=tuple(
                    a
                    for kind in ("ToAddresses", "CcAddresses", "BccAddresses")
                    for a in destination.get(kind, [])
                ),
                tags={t["Name"]: t["Value"] for t in params.get("EmailTags", [])},
                raw=data,
            )
        )
    return answer


_original_send = SESV2Response.send_email


def install() -> None:
    """Route moto's SES v2 SendEmail through the post office (in this process); idempotent."""
    SESV2Response.send_email = _send_email  # type: ignore[method-assign]
