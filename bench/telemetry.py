"""Telemetry benchmark: SES events per second through the telemetry function's handler.

    .venv/bin/python bench/telemetry.py [--events 5000] [--rounds 5] [--seed 7]

Over a fresh embedded PostgreSQL (migrated, in a temporary directory) holding one
organisation, one domain and one inbox, each event is about a message of its own already
handed to SES (Sent, one recipient, its SES message id). The telemetry function's handler
(`functions/telemetry/handler.py`, called in this process as Lambda calls it) takes them in
SQS batches of 10, each an SNS envelope around a configuration-set event carrying the mail's
tags, in a realistic mix: 90% Delivery, 5% Bounce (four in five Permanent), 1% Complaint,
the rest Send and DeliveryDelay.

The floor is measured in the same run, over messages of its own, the two taking turns in
`--rounds` rounds (so a swing of this shared machine falls on both): the same rows written
by plain batched statements, one transaction per batch of 10, each statement over the whole
batch (the delivery_events rows in one INSERT ... ON CONFLICT DO NOTHING, the recipients'
states in one UPDATE from unnest). It is what any implementation must write at least, with
none of the parsing, rules or bookkeeping (the message's status, the event log, counts,
suppressions). Each batch is timed whole; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import random
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock
from uuid import UUID

import psycopg
from moto import mock_aws

from local import ses_simulator
from local.apigw import LambdaContext
from local.dns_zone import LocalZone
from local.postgres import local_database
from local.sqs_pump import sqs_event
from mailman.services import domains, inboxes, organizations
from mailman.services.sending import TAG_MESSAGE, TAG_ORGANIZATION

sys.path.append(str(Path(__file__).resolve().parents[1]))
from bench.parse import quantile

BATCH = 10
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MIX = (("Delivery", 90), ("Bounce", 5), ("Complaint", 1), ("Send", 2), ("DeliveryDelay", 2))


@dataclass(frozen=True)
class Sent:
    """A message handed to SES, as the bench made it."""

    pk: UUID
    ses_id: str
    recipient: str


@dataclass(frozen=True)
class Event:
    """One SES event for one message: its SQS body, and the row the floor writes for it."""

    message: Sent
    kind: str
    at: datetime
    body: str


def _ses_object(kind: str, recipient: str, at: str, rng: random.Random) -> dict[str, Any]:
    if kind == "Delivery":
        return {
            "delivery": {
                "timestamp": at,
                "processingTimeMillis": rng.randint(300, 3000),
                "recipients": [recipient],
                "smtpResponse": "250 2.6.0 Message received",
                "reportingMTA": "a8-70.smtp-out.amazonses.com",
            }
        }
    if kind == "Bounce":
        permanent = rng.random() < 0.8
        return {
            "bounce": {
                "bounceType": "Permanent" if permanent else "Transient",
                "bounceSubType": "General" if permanent else "MailboxFull",
                "bouncedRecipients": [
                    {
                        "emailAddress": recipient,
                        "action": "failed",
                        "status": "5.1.1" if permanent else "4.2.2",
                        "diagnosticCode": "smtp; 550 5.1.1 user unknown"
                        if permanent
                        else "smtp; 452 4.2.2 mailbox full",
                    }
                ],
                "timestamp": at,
                "feedbackId": f"0100-{rng.getrandbits(64):016x}-000000",
                "reportingMTA": "dsn; a8-70.smtp-out.amazonses.com",
            }
        }
    if kind == "Complaint":
        return {
            "complaint": {
                "complainedRecipients": [{"emailAddress": recipient}],
                "timestamp": at,
                "feedbackId": f"0100-{rng.getrandbits(64):016x}-000000",
                "complaintFeedbackType": "abuse",
            }
        }
    if kind == "DeliveryDelay":
        return {
            "deliveryDelay": {
                "timestamp": at,
                "delayType": "MailboxFull",
                "expirationTime": at,
                "delayedRecipients": [
                    {"emailAddress": recipient, "status": "4.2.2", "diagnosticCode": "452"}
                ],
            }
        }
    return {"send": {}}


def _event(message: Sent, organization: UUID, at: datetime, rng: random.Random) -> Event:
    kind = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    ses_event = {
        "eventType": kind,
        "mail": {
            "timestamp": stamp,
            "source": "support@acme.example",
            "sendingAccountId": "123456789012",
            "messageId": message.ses_id,
            "destination": [message.recipient],
            "headersTruncated": False,
            "tags": {
                TAG_MESSAGE: [str(message.pk)],
                TAG_ORGANIZATION: [str(organization)],
                "ses:configuration-set": ["mailman"],
            },
        },
        **_ses_object(kind, message.recipient, stamp, rng),
    }
    envelope = {
        "Type": "Notification",
        "MessageId": str(UUID(int=rng.getrandbits(128))),
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:mailman-events",
        "Subject": "Amazon SES Email Event Notification",
        "Message": json.dumps(ses_event) + "\n",
        "Timestamp": stamp,
        "SignatureVersion": "1",
    }
    return Event(message, kind, at, json.dumps(envelope))


def _messages(
    conn: psycopg.Connection[Any], ids: tuple[UUID, UUID], count: int, tag: str
) -> list[Sent]:
    """`count` outgoing messages of the inbox, Sent, one recipient each (plain SQL: the
    bench measures telemetry, not sending)."""
    organization, inbox = ids
    rows = conn.execute(
        "WITH m AS ("
        "  INSERT INTO messages (organization_id, inbox_id, message_id, direction, status, "
        "    from_address, subject, sent_at, ses_message_id) "
        "  SELECT %(org)s, %(inbox)s, '<' || %(tag)s || n || '@acme.example>', 'outbound', "
        "    'sent', 'support@acme.example', 'Bench', %(at)s, %(tag)s || n "
        "  FROM generate_series(1, %(count)s) AS n RETURNING id, ses_message_id), "
        "r AS ("
        "  INSERT INTO message_recipients (organization_id, message_id, kind, address, "
        "    position, status, sent_at) "
        "  SELECT %(org)s, id, 'to', 'reader-' || ses_message_id || '@elsewhere.example', 0, "
        "    'sent', %(at)s FROM m) "
        "SELECT id, ses_message_id FROM m",
        {
            "org": organization,
            "inbox": inbox,
            "tag": f"{tag}-",
            "at": START,
            "count": count,
        },
    ).fetchall()
    return [Sent(pk, ses, f"reader-{ses}@elsewhere.example") for pk, ses in rows]


def _stream(messages: list[Sent], organization: UUID, seed: int) -> list[Event]:
    rng = random.Random(seed)
    return [
        _event(m, organization, START + timedelta(seconds=i), rng) for i, m in enumerate(messages)
    ]


def _batches(events: list[Event]) -> Iterator[list[Event]]:
    for start in range(0, len(events), BATCH):
        yield events[start : start + BATCH]


_FLOOR_STATUS = {"Delivery": "delivered", "Bounce": "bounced", "Complaint": "complained"}


def _floor(conn: psycopg.Connection[Any], organization: UUID) -> Callable[[list[Event]], None]:
    """One batch written as plainly as it can be: two statements, one transaction."""

    def write(batch: list[Event]) -> None:
        with conn.transaction():
            conn.execute(
                "INSERT INTO delivery_events (organization_id, message_id, recipient, "
                "  event_type, source_event_id, occurred_at, ses_message_id, details) "
                "SELECT %s, * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], "
                "  %s::timestamptz[], %s::text[], %s::jsonb[]) "
                "ON CONFLICT DO NOTHING",
                [
                    organization,
                    [e.message.pk for e in batch],
                    [e.message.recipient for e in batch],
                    [e.kind.lower() for e in batch],
                    [hashlib.sha256(e.body.encode()).hexdigest() for e in batch],
                    [e.at for e in batch],
                    [e.message.ses_id for e in batch],
                    [e.body for e in batch],
                ],
            )
            changed = [e for e in batch if e.kind in _FLOOR_STATUS]
            conn.execute(
                "UPDATE message_recipients r SET status = u.status, status_at = u.at "
                "FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::timestamptz[]) "
                "  AS u(pk, address, status, at) "
                "WHERE r.message_id = u.pk AND r.address = u.address",
                [
                    [e.message.pk for e in changed],
                    [e.message.recipient for e in changed],
                    [_FLOOR_STATUS[e.kind] for e in changed],
                    [e.at for e in changed],
                ],
            )

    return write


@contextmanager
def _platform(folder: Path) -> Iterator[tuple[str, UUID, UUID]]:
    """A migrated database with an organisation, a domain and an inbox; the telemetry
    function's environment pointing at it. Answers (conninfo, organisation, inbox)."""
    database_url = local_database(folder)
    environment = {
        "DATABASE_URL": database_url,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "BUCKET_NAME": "mail",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "MailmanBench",
        "POWERTOOLS_SERVICE_NAME": "mailman",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    with mock.patch.dict(os.environ, environment), mock_aws():
        ses_simulator.install(LocalZone(folder / "zone.json"))  # SES's domain identities
        from functions.telemetry import handler

        c = handler.container()
        try:
            org = organizations.create_organization(c.uow, "Acme").id
            domain = domains.create_domain(
                c.uow, c.verifier.identities, "us-east-1", org, "acme.example",
                domains.DomainSettings(),
            ).id  # fmt: skip
            inbox = inboxes.create_inbox(c.uow, org, domain_id=domain, local_part="bench").id
            yield database_url, org, inbox
        finally:
            c.database.close()


@dataclass
class Writer:
    """One way of writing the events: its batch times."""

    name: str
    write: Callable[[list[Event]], None]
    stream: list[Event]
    times: list[float] = field(default_factory=list)
    events: int = 0

    def run(self, events: list[Event]) -> None:
        for batch in _batches(events):
            started = time.perf_counter()
            self.write(batch)
            self.times.append(time.perf_counter() - started)
            self.events += len(batch)

    @property
    def rate(self) -> float:
        return self.events / sum(self.times)


def _handler_path(organization: UUID) -> Callable[[list[Event]], None]:
    from functions.telemetry import handler

    arn = "arn:aws:sqs:us-east-1:123456789012:mailman-telemetry"
    context: Any = LambdaContext("mailman-telemetry")

    def write(batch: list[Event]) -> None:
        records = [
            {
                "MessageId": f"m-{n}",
                "ReceiptHandle": f"r-{n}",
                "Body": e.body,
                "MD5OfBody": "",
                "Attributes": {"ApproximateReceiveCount": "1"},
            }
            for n, e in enumerate(batch)
        ]
        answer = handler.handler(sqs_event(records, arn, "us-east-1"), context)
        if answer.get("batchItemFailures"):
            raise SystemExit(f"the handler failed records: {answer}")

    return write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mailman-telemetry-")))
        database_url, organization, inbox = stack.enter_context(_platform(folder))
        conn = stack.enter_context(psycopg.connect(database_url, autocommit=True))
        ours = _stream(
            _messages(conn, (organization, inbox), args.events, "h"), organization, args.seed
        )
        floors = _stream(
            _messages(conn, (organization, inbox), args.events, "f"), organization, args.seed
        )
        # Statistics as autovacuum keeps them on a live database (fresh tables would have
        # the planner scan the organisation's rows for a message's).
        conn.execute("ANALYZE")
        paths = [
            Writer("telemetry handler", _handler_path(organization), ours),
            Writer("floor: batched upserts", _floor(conn, organization), floors),
        ]
        # Powertools prints its metrics (EMF) and warns of batches without any: not the
        # bench's output.
        stack.enter_context(redirect_stdout(io.StringIO()))
        warnings.filterwarnings("ignore", "No application metrics to publish")
        for path in paths:  # the first batch connects and builds the container: untimed
            path.write(path.stream[:BATCH])
        per_round = (args.events - BATCH) // args.rounds
        for number in range(args.rounds):
            chunk = slice(BATCH + number * per_round, BATCH + (number + 1) * per_round)
            for path in paths if number % 2 == 0 else paths[::-1]:
                path.run(path.stream[chunk])
    _report(paths, args)


def _report(paths: list[Writer], args: argparse.Namespace) -> None:
    print(
        f"{args.events:,} events a path in batches of {BATCH}, {args.rounds} rounds taking "
        f"turns; {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs\n"
    )
    print("| path | events | events/s | p50 batch ms | p99 batch ms |")
    print("|---|---:|---:|---:|---:|")
    for path in paths:
        print(
            f"| {path.name} | {path.events:,} | {path.rate:,.0f} "
            f"| {quantile(path.times, 0.5) * 1000:.1f} | {quantile(path.times, 0.99) * 1000:.1f} |"
        )
    ours, floor = paths
    print(f"\nhandler / floor: {ours.rate / floor.rate:.2f}x (target >= 0.5x, >= 2,000 events/s)")


if __name__ == "__main__":
    main()
