"""An SMTP server on 127.0.0.1:2525 that receives mail as SES would.

It accepts a recipient only if the active receipt rule does (550 otherwise), stores the raw
message in the bucket under `raw/` as the rule's S3 action does, and puts the notification
SES would publish, wrapped by SNS, on the inbound queue. When that fails (S3 or SQS down) it
answers 451, a temporary failure the sender retries, rather than aiosmtpd's permanent 500.

moto keeps its queues in memory, so a notification is also written to a journal folder (synced)
before it is queued, and taken off once the inbound function has stored the mail
(`SesInbound.settle`): at start, what is still in the journal, whose queue message a crash or
a stop lost, is announced again (`SesInbound.announce_unsettled`). Storing received mail is
idempotent, so mail announced twice is stored once. The pump settles a notification only when
the function is done with it; one it fails stays on the queue and, past the queue's receive
count, goes to the dead-letter queue (which moto forgets too), never settled. So the journal
counts the starts that announced each entry again (`<journal>/.announced/<id>`): a start that
finds one announced at `ANNOUNCEMENTS_AT_START` (3) starts already gives its mail up, takes it
off the journal and answers it (`Unsettled.dropped`) with its raw mail's bucket key (the raw
mail stays), which `make dev` prints.

Local only: a message's `X-Mailman-Local-Verdicts` header sets SES's verdicts for it and is
removed before it is stored (`local.ses_inbound.take_local_verdicts`); one the header cannot
set is refused with 550.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from local.durable_files import DurableFolder
from local.ses_inbound import (
    RAW_PREFIX,
    BadLocalVerdicts,
    announced_message_id,
    received_notification,
    ses_message_id,
    sns_envelope,
    take_local_verdicts,
)

SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024
DELIVERY_FAILED = "451 4.3.0 Requested action aborted: local error in processing, try again later"
ANNOUNCEMENTS_AT_START = 3
"""How many starts announce again a received mail not stored yet; the next one gives it up."""
ANNOUNCED = ".announced"

_log = logging.getLogger(__name__)


def rule_matches(recipient: str, rule_recipients: Sequence[str]) -> bool:
    """SES's matching: an exact address, a domain, or any subdomain of a `.domain` entry."""
    address = recipient.strip().lower()
    domain = address.rpartition("@")[2]
    for entry in (r.lower() for r in rule_recipients):
        if entry in (address, domain):
            return True
        if entry.startswith(".") and domain.endswith(entry):
            return True
    return False


@dataclass(frozen=True)
class DroppedMail:
    """Received mail given up on: announced again at `ANNOUNCEMENTS_AT_START` starts and still
    not stored. Its raw message stays in the bucket under `key`."""

    message_id: str
    bucket: str
    key: str


@dataclass(frozen=True)
class Unsettled:
    """What a start did with the journal: how many notifications it announced again, and
    the mail it gave up on."""

    announced: int = 0
    dropped: list[DroppedMail] = field(default_factory=list)


class SesInbound:
    """Stores and announces one received message; answers SES's message id."""

    def __init__(
        self,
        s3: Any,
        sqs: Any,
        bucket: str,
        queue_url: str,
        topic_arn: str,
        journal: DurableFolder | None = None,
    ) -> None:
        """`journal` keeps each notification until the inbound function has settled it (none:
        a lost queue message loses the mail's announcement)."""
        self._s3 = s3
        self._sqs = sqs
        self._bucket = bucket
        self._queue_url = queue_url
        self._topic_arn = topic_arn
        self._journal = journal
        self._announced = None if journal is None else DurableFolder(journal.root / ANNOUNCED)

    def deliver(self, raw: bytes, source: str, recipients: Sequence[str]) -> str:
        raw, chosen = take_local_verdicts(raw)
        message_id = ses_message_id()
        key = f"{RAW_PREFIX}{message_id}"
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=raw)
        headers = _top_headers(raw)
        notification = received_notification(
            message_id=message_id,
            source=source,
            recipients=recipients,
            headers=headers,
            bucket=self._bucket,
            object_key=key,
            topic_arn=self._topic_arn,
            verdicts=chosen.verdicts,
            dmarc_policy=chosen.dmarc_policy,
        )
        body = sns_envelope(notification, self._topic_arn)
        if self._journal is not None:
            self._journal.write(message_id, body.encode())
        try:
            self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=body)
        except Exception:
            if self._journal is not None:  # the sender is told to try again: not announced
                self._journal.remove(message_id)
            raise
        return message_id

    def settle(self, messages: Sequence[dict[str, Any]]) -> None:
        """Take off the journal the queue messages the inbound function is done with."""
        if self._journal is None or self._announced is None:
            return
        for message in messages:
            announced = announced_message_id(message["Body"])
            if announced is not None:
                self._journal.remove(announced)
                self._announced.remove(announced)

    def announce_unsettled(self) -> Unsettled:
        """Queue again every notification of the journal (at start, before mail is taken):
        moto lost the queue messages of the last run. One announced again at
        `ANNOUNCEMENTS_AT_START` starts already is taken off the journal instead."""
        if self._journal is None or self._announced is None:
            return Unsettled()
        announced = 0
        dropped: list[DroppedMail] = []
        for name in self._journal.names():
            body = self._journal.read(name)
            if body is None:
                continue
            starts = int(self._announced.read(name) or b"0")
            if starts >= ANNOUNCEMENTS_AT_START:
                self._journal.remove(name)
                self._announced.remove(name)
                dropped.append(DroppedMail(name, self._bucket, f"{RAW_PREFIX}{name}"))
                continue
            self._announced.write(name, str(starts + 1).encode())
            self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=body.decode())
            announced += 1
        return Unsettled(announced, dropped)


def _top_headers(raw: bytes, limit: int = 64 * 1024) -> list[tuple[str, str]]:
    """The header block's fields, unfolded, without parsing the message (SES lists them too)."""
    block = raw[:limit].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    fields: list[tuple[str, str]] = []
    for line in block.decode("utf-8", "replace").splitlines():
        if line[:1] in (" ", "\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {line.strip()}")
        elif ":" in line:
            name, _, value = line.partition(":")
            fields.append((name.strip(), value.strip()))
    return fields


class _Handler:
    def __init__(self, accepted: Callable[[], Sequence[str]], inbound: SesInbound) -> None:
        self._accepted = accepted
        self._inbound = inbound

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        accepted = await asyncio.get_running_loop().run_in_executor(None, self._accepted)
        if not rule_matches(address, accepted):
            return "550 5.1.1 Requested action not taken: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            message_id = await asyncio.get_running_loop().run_in_executor(
                None, self._inbound.deliver, raw, envelope.mail_from or "", list(envelope.rcpt_tos)
            )
        except BadLocalVerdicts as exc:
            return f"550 5.6.0 {exc}"
        except Exception:
            # Unhandled, aiosmtpd answers "500 Error: (...)": permanent (the sender drops the
            # mail) and it shows the exception. Nothing was announced: have the sender retry.
            _log.exception("could not store an inbound message for %s", list(envelope.rcpt_tos))
            return DELIVERY_FAILED
        return f"250 Ok {message_id}"


class LocalSmtp:
    def __init__(
        self, accepted: Callable[[], Sequence[str]], inbound: SesInbound, port: int = 2525
    ) -> None:
        self._controller = Controller(
            _Handler(accepted, inbound),
            hostname="127.0.0.1",
            port=port,
            data_size_limit=SES_MAX_MESSAGE_BYTES,
            server_hostname="inbound-smtp.local",
        )

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> LocalSmtp:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
