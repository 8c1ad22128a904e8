"""What SES does with the mail it is handed, played locally behind moto's SES v2 `SendEmail`.

After moto takes a message (it checks the sender's identity and keeps a copy), the post
office, on a thread of its own as SES works asynchronously:

* publishes the configuration set's events to the telemetry queue, shaped as SES publishes
  them through SNS (event publishing: `eventType`, the mail's tags beside SES's own, the
  subject SES gives the SNS message), as the SES mailbox simulator answers (AWS's "Using the
  mailbox simulator manually" and the captures in `../shared/ses-events/`):
  - every message: `Send`;
  - `success@` and any address outside the simulator: `Delivery` (one per recipient domain);
  - `bounce@`: a `Bounce`, Permanent/General, failed, 5.1.1 "user unknown";
  - `suppressionlist@`: the same hard bounce, its diagnostic naming a blacklisted address
    (SES's answer since 2022; it said Permanent/Suppressed before), in the one `Bounce` that
    SES makes of all the simulator's bounces of one send;
  - `complaint@`: delivered, then a `Complaint` (feedback type `abuse`, no sub-type);
  - `ooto@`: delivered, then the auto-reply, which SES reports as a Transient/General
    `Bounce` naming only the address;
  - a label (`bounce+anything@`) does not change the answer;
* delivers mail for a domain the local platform receives into the local inbound path (the
  receipt rule's S3 object and notification), with the Message-ID SES gives what it sends
  (`<ses-id@region.amazonses.com>`), so a reply from the other inbox threads on both sides;
* writes every message to the outbox directory (`mailman outbox` lists it), where mail to
  any other address can be read back;
* says so on the console, one line a message (`local.terminal`): who sent it to whom, its
  ids, and what SES reported of its recipients.
"""

from __future__ import annotations

import base64
import json
import queue
import re
import secrets
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from moto.sesv2.responses import SESV2Response

from local.ses_inbound import sns_envelope
from local.smtp_receiver import SesInbound
from local.terminal import outcomes_line, recipients, say, shown
from mailman.services.sending import TAG_MESSAGE, ses_header_id

SIMULATOR = "simulator.amazonses.com"
EVENT_SUBJECT = "Amazon SES Email Event Notification"
ACCOUNT = "000000000000"
_UNKNOWN = "smtp; 550 5.1.1 user unknown"
_PROCESSING_MILLIS = 120
_HARD_BOUNCES = frozenset({"bounce", "suppressionlist"})
_MESSAGE_ID = re.compile(rb"^Message-ID:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*", re.IGNORECASE | re.M)


@dataclass(frozen=True)
class Handed:
    """One message SES took."""

    ses_message_id: str
    sender: str
    destinations: tuple[str, ...]
    tags: dict[str, str]
    raw: bytes
    configuration_set: str | None = None


def _stamp(at: datetime) -> str:
    """A time as SES writes it: `2024-03-25T23:01:53.733Z`."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


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
                say("MAIL", f"out ses={handed.ses_message_id} could not be delivered: {exc!r}")

    def handle(self, handed: Handed) -> None:
        self._outbox.mkdir(parents=True, exist_ok=True)
        as_sent = with_ses_message_id(handed.raw, handed.ses_message_id, self._region)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        (self._outbox / f"{stamp}-{handed.ses_message_id}.eml").write_bytes(as_sent)
        local = {d.lower() for d in self._local_domains()}
        ours = [a for a in handed.destinations if a.rpartition("@")[2].lower() in local]
        if ours:
            self._inbound.deliver(as_sent, handed.sender, ours)
        events = ses_events(handed, datetime.now(UTC), self._region)
        for event in events:
            body = sns_envelope(event, self._topic_arn, subject=EVENT_SUBJECT)
            self._sqs.send_message(QueueUrl=self._telemetry_queue, MessageBody=body)
        say("MAIL", mail_out_line(handed, events, local))


def mail_out_line(handed: Handed, events: list[dict[str, Any]], local_domains: set[str]) -> str:
    """A sent message on the console: its sender and recipients (`local.terminal.shown`), the
    API's and SES's ids, what SES reported of its recipients."""
    return (
        f"out {shown(handed.sender, local_domains)} → "
        f"{recipients(handed.destinations, local_domains)} "
        f"msg={handed.tags.get(TAG_MESSAGE, '-')} ses={handed.ses_message_id} "
        f"{outcomes_line(events)}"
    )


def scenario(address: str) -> str | None:
    """The mailbox simulator's scenario an address names (`bounce`, `ooto`, ..., its label
    dropped), or None for an address outside the simulator."""
    local, _, domain = address.lower().rpartition("@")
    return local.partition("+")[0] if domain == SIMULATOR else None


def ses_events(handed: Handed, accepted_at: datetime, region: str) -> list[dict[str, Any]]:
    """The events SES publishes for `handed`, in the order they come: the Send, the
    deliveries, the hard bounce, then what comes back later (complaints, auto-replies)."""
    mail = _mail(handed, accepted_at, region)
    bounced = [a for a in handed.destinations if scenario(a) in _HARD_BOUNCES]
    delivered = [a for a in handed.destinations if scenario(a) not in _HARD_BOUNCES]
    auto_replies = [a for a in delivered if scenario(a) == "ooto"]
    # Each outcome is stamped a little after SES took the mail, as SES's own are (a
    # delivery after its processing time, a complaint or an automatic reply later still),
    # so a message's history reads in the order it happened.
    events = [("Send", "send", {}), *_deliveries(delivered, region, accepted_at)]
    if bounced:
        events.append(("Bounce", "bounce", _hard_bounce(bounced, region, accepted_at)))
    events += [
        ("Complaint", "complaint", _complaint(a, accepted_at))
        for a in delivered
        if scenario(a) == "complaint"
    ]
    if auto_replies:
        events.append(("Bounce", "bounce", _auto_reply(auto_replies, accepted_at)))
    return [{"eventType": kind, "mail": mail, key: own} for kind, key, own in events]


def _mail(handed: Handed, accepted_at: datetime, region: str) -> dict[str, Any]:
    domain = handed.sender.rpartition("@")[2]
    tags = {"ses:operation": ["SendEmail"], "ses:from-domain": [domain]}
    if handed.configuration_set:
        tags["ses:configuration-set"] = [handed.configuration_set]
    tags.update({name: [value] for name, value in handed.tags.items()})
    return {
        "timestamp": _stamp(accepted_at),
        "source": handed.sender,
        "sourceArn": f"arn:aws:ses:{region}:{ACCOUNT}:identity/{domain}",
        "sendingAccountId": ACCOUNT,
        "messageId": handed.ses_message_id,
        "destination": list(handed.destinations),
        "headersTruncated": False,
        "tags": tags,
    }


def _after(accepted_at: datetime, milliseconds: int) -> str:
    return _stamp(accepted_at + timedelta(milliseconds=milliseconds))


def _deliveries(
    addresses: list[str], region: str, accepted_at: datetime
) -> list[tuple[str, str, dict[str, Any]]]:
    """One Delivery per receiving domain, as SES hands a domain's recipients over at once."""
    by_domain: dict[str, list[str]] = defaultdict(list)
    for address in addresses:
        by_domain[address.rpartition("@")[2].lower()].append(address)
    return [
        (
            "Delivery",
            "delivery",
            {
                "timestamp": _after(accepted_at, _PROCESSING_MILLIS),
                "processingTimeMillis": _PROCESSING_MILLIS,
                "recipients": recipients,
                "smtpResponse": "250 2.6.0 Message received",
                "reportingMTA": f"a8-1.smtp-out.{region}.amazonses.com",
            },
        )
        for recipients in by_domain.values()
    ]


def _hard_bounce(addresses: list[str], region: str, accepted_at: datetime) -> dict[str, Any]:
    return {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [
            {
                "emailAddress": address,
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": _UNKNOWN
                if scenario(address) == "bounce"
                else f"{_UNKNOWN} ( blacklisted address: {address} )",
            }
            for address in addresses
        ],
        "timestamp": _after(accepted_at, _PROCESSING_MILLIS),
        "feedbackId": _feedback_id(),
        "reportingMTA": f"dsn; a8-1.smtp-out.{region}.amazonses.com",
    }


def _complaint(address: str, accepted_at: datetime) -> dict[str, Any]:
    now = _after(accepted_at, 1000)
    return {
        "complainedRecipients": [{"emailAddress": address}],
        "timestamp": now,
        "feedbackId": _feedback_id(),
        "complaintSubType": None,
        "userAgent": "Amazon SES Mailbox Simulator",
        "complaintFeedbackType": "abuse",
        "arrivalDate": now,
    }


def _auto_reply(addresses: list[str], accepted_at: datetime) -> dict[str, Any]:
    return {
        "bounceType": "Transient",
        "bounceSubType": "General",
        "bouncedRecipients": [{"emailAddress": address} for address in addresses],
        "timestamp": _after(accepted_at, 1500),
        "feedbackId": _feedback_id(),
    }


def _feedback_id() -> str:
    return f"{secrets.token_hex(8)}-{uuid.uuid4()}-000000"


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
                configuration_set=params.get("ConfigurationSetName"),
            )
        )
    return answer


_original_send = SESV2Response.send_email


def install() -> None:
    """Route moto's SES v2 SendEmail through the post office (in this process); idempotent."""
    SESV2Response.send_email = _send_email  # type: ignore[method-assign]
