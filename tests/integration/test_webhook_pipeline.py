"""The webhook pipeline over real PostgreSQL: the fan-out trigger's filters, claims that run
at once and never share a delivery, a claim whose send failed going out once its lease
ends, frozen bodies, the order of the log, and the reports function driven by SQS events.

Endpoints are written with SQL (a sealed secret can be any bytes here)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import boto3
import psycopg
import pytest

from functions.inbound import handler as inbound_handler
from functions.webhook_reports import handler as reports_handler
from functions.webhook_sweep import handler as sweep_handler
from local.apigw import LambdaContext
from local.ses_inbound import received_notification, sns_envelope
from mailman.adapters.memory.clock import FixedClock
from mailman.adapters.memory.webhook_queue import InMemoryWebhookQueue
from mailman.adapters.postgres.database import Database
from mailman.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from mailman.adapters.postgres.webhook_deliveries import PostgresWebhookDeliveries
from mailman.domain.errors import DeliveryError, NotQueued
from mailman.domain.events import NewEvent
from mailman.domain.webhook_work import AttemptReport, WebhookWork
from mailman.domain.webhooks import LEASE, MAX_IN_FLIGHT, Outcome
from mailman.services.webhooks import ReportOutcome, publish_due, record_reports, sweep

from ..mail import make_mail
from .conftest import BUCKET, BareAws, function_container
from .mail_helpers import MailSink, receive_raw

API = "https://api.example.test"


@dataclass
class Log:
    """One organisation's event log and webhook tables, over its own connection."""

    url: str
    database: Database
    organization_id: UUID
    clock: FixedClock = field(default_factory=lambda: FixedClock(datetime.now(UTC)))

    @property
    def uow(self) -> PostgresUnitOfWorkFactory:
        return PostgresUnitOfWorkFactory(self.database)

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def endpoint(self, organization_id: UUID | None = None, **columns: Any) -> UUID:
        values = {
            "organization_id": organization_id or self.organization_id,
            "url": "https://hooks.example.test/in",
            "secret_sealed": b"sealed",
            **columns,
        }
        names = ", ".join(values)
        marks = ", ".join(["%s"] * len(values))
        [(endpoint_id,)] = self.sql(
            # The column names are the test's own keyword arguments.
            f"INSERT INTO webhook_endpoints ({names}) VALUES ({marks}) RETURNING id",  # noqa: S608
            *values.values(),
        )
        return endpoint_id  # type: ignore[no-any-return]

    def append(
        self,
        type_: str = "domain.verified",
        payload: dict[str, object] | None = None,
        *,
        subject_id: UUID | None = None,
        organization_id: UUID | None = None,
    ) -> UUID:
        organization = organization_id or self.organization_id
        key = str(uuid4())
        with self.uow(organization) as work:
            work.events.append(NewEvent(organization, type_, subject_id, key, payload or {}))
        [(event_id,)] = self.sql("SELECT id FROM events WHERE dedup_key = %s", key)
        return event_id  # type: ignore[no-any-return]

    def deliveries(self) -> list[tuple[Any, ...]]:
        return self.sql(
            "SELECT d.endpoint_id, e.type FROM webhook_deliveries d "
            "JOIN events e ON e.id = d.event_id ORDER BY e.seq, d.endpoint_id"
        )

    def publish(self, queue: InMemoryWebhookQueue, **kwargs: Any) -> int:
        self.clock.at = max(self.clock.at, datetime.now(UTC))
        return publish_due(self.uow, queue, self.clock, api_base_url=API, **kwargs)


def _organization(database: Database, name: str) -> UUID:
    with PostgresUnitOfWorkFactory(database)(None) as work:
        return work.organizations.add(name).id


@pytest.fixture
def log(database_url: str) -> Iterator[Log]:
    database = Database(database_url)
    yield Log(database_url, database, _organization(database, "Acme"))
    database.close()


# The fan-out trigger.


def test_no_endpoint_no_delivery(log: Log) -> None:
    log.append()

    assert log.deliveries() == []


def test_the_trigger_fans_out_to_each_live_endpoint_that_wants_it(log: Log) -> None:
    inbox = uuid4()
    everything = log.endpoint()
    sent_only = log.endpoint(event_types=["message.sent"])
    this_inbox = log.endpoint(inbox_ids=[inbox])
    other_inbox = log.endpoint(inbox_ids=[uuid4()])
    disabled = log.endpoint(enabled=False)
    deleted = log.endpoint(deleted_at=datetime.now(UTC))
    elsewhere = log.endpoint(_organization(log.database, "Globex"))

    event = log.append("message.received", {"inbox_id": str(inbox), "thread_id": str(uuid4())})

    found = log.sql(
        "SELECT endpoint_id, event_type, status, next_attempt_at <= now(), thread_id::text "
        "FROM webhook_deliveries WHERE event_id = %s",
        event,
    )
    assert {row[0] for row in found} == {everything, this_inbox}
    assert {row[1:4] for row in found} == {("message.received", "pending", True)}
    assert not {sent_only, other_inbox, disabled, deleted, elsewhere} & {row[0] for row in found}


def test_the_trigger_keeps_webhook_tests_and_an_endpoints_own_events_from_it(log: Log) -> None:
    first, second = log.endpoint(), log.endpoint()

    log.append("webhook.endpoint_disabled", {"endpoint_id": str(first)}, subject_id=first)
    log.append("webhook.test", {}, subject_id=second)

    assert log.deliveries() == [(second, "webhook.endpoint_disabled")]


# Claims.


def _claimer(url: str) -> Database:
    database = Database(url)
    database.connection().execute("SET lock_timeout = '2s'")
    return database


def test_a_claim_passes_over_what_another_holds_without_waiting(log: Log) -> None:
    log.endpoint()
    for _ in range(6):
        log.append()
    first, second = _claimer(log.url), _claimer(log.url)
    now = datetime.now(UTC)

    with first.transaction() as held:
        taken = PostgresWebhookDeliveries(held).claim(now, uuid4(), limit=4)
        with second.transaction() as other:
            rest = PostgresWebhookDeliveries(other).claim(now, uuid4(), limit=10)

    assert len(taken) == 4
    assert len(rest) == 2
    assert not {d.id for d in taken} & {d.id for d in rest}
    first.close()
    second.close()


def test_claims_at_once_never_take_one_delivery_twice(log: Log) -> None:
    for _ in range(15):
        log.endpoint()
    with log.uow(log.organization_id) as work:
        work.events.append_many(
            [
                NewEvent(log.organization_id, "domain.verified", None, f"e{n}", {})
                for n in range(MAX_IN_FLIGHT)
            ]
        )
    claimed: list[list[UUID]] = [[], []]
    start = threading.Barrier(2)

    def due() -> bool:
        return log.sql(
            "SELECT count(*) FROM webhook_deliveries WHERE next_attempt_at <= now()"
        ) != [(0,)]

    def claim(slot: int) -> None:
        # Two claims at once may pick the same rows: the one that locks them second passes
        # them by and comes back short (or empty), so each claims on while any is due.
        database = _claimer(log.url)
        uow = PostgresUnitOfWorkFactory(database)
        start.wait()
        while due():
            with uow(None, autocommit=True) as work:
                taken = work.webhook_deliveries.claim(datetime.now(UTC), uuid4(), limit=7)
            claimed[slot].extend(d.id for d in taken)
        database.close()

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    both = claimed[0] + claimed[1]
    assert len(both) == len(set(both)) == 300
    assert claimed[0]
    assert claimed[1]


def test_a_disabled_endpoints_deliveries_are_parked_then_due_when_it_is_enabled(log: Log) -> None:
    endpoint = log.endpoint()
    log.append()
    log.sql("UPDATE webhook_endpoints SET enabled = false WHERE id = %s", endpoint)

    queue = InMemoryWebhookQueue()
    assert log.publish(queue) == 0
    assert log.sql("SELECT next_attempt_at FROM webhook_deliveries") == [(None,)]

    log.sql("UPDATE webhook_endpoints SET enabled = true WHERE id = %s", endpoint)
    assert log.publish(queue) == 1


def test_a_test_is_claimed_for_a_disabled_endpoint_not_a_deleted_one(log: Log) -> None:
    disabled = log.endpoint(enabled=False)
    deleted = log.endpoint(deleted_at=datetime.now(UTC))
    with log.uow(log.organization_id) as work:
        for endpoint in (disabled, deleted):
            work.webhook_log.add_test(log.organization_id, endpoint, datetime.now(UTC))
    queue = InMemoryWebhookQueue()

    assert log.publish(queue) == 1
    assert [(w.endpoint_id, w.trigger) for w in queue.sent] == [(disabled, "test")]


def _claim(log: Log, at: datetime, *, limit: int = 500) -> list[Any]:
    with log.uow(None, autocommit=True) as work:
        return work.webhook_deliveries.claim(at, uuid4(), limit=limit)


def _threads(log: Log, n: int) -> list[UUID]:
    """One `message.sent` in each of `n` threads, appended together; their ids in log order."""
    with log.uow(log.organization_id) as work:
        work.events.append_many(
            [
                NewEvent(
                    log.organization_id, "message.sent", None, f"t{k}", {"thread_id": str(uuid4())}
                )
                for k in range(n)
            ]
        )
    rows = log.sql("SELECT id FROM events WHERE dedup_key LIKE 't%%' ORDER BY xid, seq")
    return [row[0] for row in rows]


def test_a_claim_keeps_each_endpoint_within_its_share_of_leases(log: Log) -> None:
    busy = log.endpoint(event_types=["message.sent"])
    other = log.endpoint(event_types=["domain.verified"])
    events = _threads(log, 50)
    for _ in range(5):
        log.append()
    now = datetime.now(UTC)

    taken = _claim(log, now)

    assert Counter(d.endpoint_id for d in taken) == {busy: MAX_IN_FLIGHT, other: 5}
    assert [d.event.id for d in taken if d.endpoint_id == busy] == events[:MAX_IN_FLIGHT]
    assert _claim(log, now) == []
    later = now + LEASE
    # The first leases ran out unreported: what was due all along comes first, then those
    # (an attempt lost is sent again as a retry is, in no promised order).
    again = _claim(log, later)
    assert [d.event.id for d in again if d.endpoint_id == busy] == events[
        MAX_IN_FLIGHT : 2 * MAX_IN_FLIGHT
    ]
    log.sql(
        "UPDATE webhook_deliveries SET status = 'delivered', lease = NULL WHERE lease = ANY (%s)",
        list({d.lease for d in again}),
    )
    following = _claim(log, later)
    # the last ten, and ten of those lost: queued in the log's order
    assert [d.event.id for d in following] == [
        *events[: 3 * MAX_IN_FLIGHT - len(events)],
        *events[2 * MAX_IN_FLIGHT :],
    ]


def test_a_test_is_claimed_by_name_for_an_endpoint_at_its_share_of_leases(log: Log) -> None:
    endpoint = log.endpoint()
    _threads(log, MAX_IN_FLIGHT + 1)
    now = datetime.now(UTC)
    _claim(log, now)
    with log.uow(log.organization_id) as work:
        _, test = work.webhook_log.add_test(log.organization_id, endpoint, now)

    with log.uow(None, autocommit=True) as work:
        named = work.webhook_deliveries.claim(now, uuid4(), only=[test], limit=10)

    assert [(d.id, d.test) for d in named] == [(test, True)]


def test_claims_follow_the_log_not_the_time_each_became_due(log: Log) -> None:
    log.endpoint()
    began_first = psycopg.connect(log.url)
    wrote_first = psycopg.connect(log.url)
    insert = (
        "INSERT INTO events (organization_id, type, dedup_key, payload) "
        "VALUES (%s, 'domain.verified', %s, '{}') RETURNING id"
    )
    began_first.execute("SELECT now()")  # its transaction, and its now(), start here
    wrote_first.execute("SELECT pg_current_xact_id()")  # the older transaction id
    [(later,)] = began_first.execute(insert, [log.organization_id, "later"]).fetchall()
    [(earlier,)] = wrote_first.execute(insert, [log.organization_id, "earlier"]).fetchall()
    began_first.commit()
    wrote_first.commit()
    began_first.close()
    wrote_first.close()
    [(due_first,)] = log.sql(
        "SELECT e.id FROM webhook_deliveries d JOIN events e ON e.id = d.event_id "
        "ORDER BY d.next_attempt_at LIMIT 1"
    )

    first = _claim(log, datetime.now(UTC), limit=1)
    then = _claim(log, datetime.now(UTC), limit=1)

    assert due_first == later
    assert [d.event.id for d in first + then] == [earlier, later]


def test_an_event_waits_while_an_older_transaction_may_still_append_before_it(
    log: Log,
) -> None:
    """Two functions append to one thread at once and the later one commits first: its
    event is not claimed until the earlier one's transaction is over, then both go in the
    log's order (so a thread's first attempts cannot overtake each other)."""
    log.endpoint()
    insert = (
        "INSERT INTO events (organization_id, type, dedup_key, payload) "
        "VALUES (%s, 'domain.verified', %s, '{}') RETURNING id"
    )
    with psycopg.connect(log.url) as first, psycopg.connect(log.url) as second:
        [(earlier,)] = first.execute(insert, [log.organization_id, "earlier"]).fetchall()
        [(later,)] = second.execute(insert, [log.organization_id, "later"]).fetchall()
        second.commit()

        while_open = _claim(log, datetime.now(UTC))
        first.commit()

    after = _claim(log, datetime.now(UTC))

    assert while_open == []
    assert [d.event.id for d in after] == [earlier, later]


class GatedQueue(InMemoryWebhookQueue):
    """Holds its first send until `release` is set (`entered` says it is there)."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def send(self, work: Sequence[WebhookWork]) -> None:
        if not self.entered.is_set():
            self.entered.set()
            assert self.release.wait(20), "never released"
        super().send(work)


def test_one_publisher_at_a_time_the_holder_sends_what_others_committed_in_order(
    log: Log,
) -> None:
    endpoint = log.endpoint()
    thread = str(uuid4())
    events = [log.append("message.sent", {"thread_id": thread, "n": n}) for n in range(3)]
    gate = GatedQueue()
    held: list[int] = []

    def publish() -> None:
        database = Database(log.url)
        held.append(
            publish_due(PostgresUnitOfWorkFactory(database), gate, log.clock, api_base_url=API)
        )
        database.close()

    log.clock.at = datetime.now(UTC)
    holder = threading.Thread(target=publish)
    holder.start()
    assert gate.entered.wait(20)
    events += [log.append("message.sent", {"thread_id": thread, "n": n}) for n in range(3, 6)]
    test_id = _add_test(log, endpoint)
    other = InMemoryWebhookQueue()
    started = time.monotonic()

    returned = log.publish(other)
    named = log.publish(other, only=[test_id])

    assert time.monotonic() - started < 2
    assert (returned, named) == (0, 1)
    gate.release.set()
    holder.join(20)
    assert held == [6]
    assert [w.webhook_id for w in gate.sent] == [str(e) for e in events]
    assert {w.group for w in gate.sent} == {f"{endpoint}:{thread}"}
    assert log.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == [(0,)]
    assert log.publish(other) == 0


def _add_test(log: Log, endpoint: UUID) -> UUID:
    with log.uow(log.organization_id) as work:
        return work.webhook_log.add_test(log.organization_id, endpoint, datetime.now(UTC))[1]


def test_a_publisher_that_dies_holding_the_right_lets_go_of_it(log: Log) -> None:
    log.endpoint()
    log.append()
    dying = Database(log.url)
    with PostgresUnitOfWorkFactory(dying)(None, autocommit=True) as work:
        holding = work.webhook_deliveries.publishing()
        assert holding.__enter__()
        assert log.publish(InMemoryWebhookQueue()) == 0
        dying.connection().close()

    assert log.publish(InMemoryWebhookQueue()) == 1


# Parking.


def test_a_delivery_in_flight_is_neither_parked_nor_sent_again_when_its_endpoint_returns(
    log: Log,
) -> None:
    endpoint = log.endpoint()
    log.append()
    log.append()
    (in_flight,), (waiting,) = log.sql(
        "SELECT d.id FROM webhook_deliveries d JOIN events e ON e.id = d.event_id ORDER BY e.seq"
    )
    queue = InMemoryWebhookQueue()
    assert log.publish(queue, only=[in_flight]) == 1
    [(lease_ends,)] = log.sql(
        "SELECT next_attempt_at FROM webhook_deliveries WHERE id = %s", in_flight
    )

    log.sql("UPDATE webhook_endpoints SET enabled = false WHERE id = %s", endpoint)
    parked = dict(log.sql("SELECT id, next_attempt_at FROM webhook_deliveries"))
    log.sql("UPDATE webhook_endpoints SET enabled = true WHERE id = %s", endpoint)
    unparked = dict(log.sql("SELECT id, next_attempt_at FROM webhook_deliveries"))

    assert parked == {in_flight: lease_ends, waiting: None}
    assert unparked[in_flight] == lease_ends
    assert unparked[waiting] is not None
    assert log.publish(queue) == 1
    assert [w.delivery_id for w in queue.sent] == [in_flight, waiting]


def test_a_delivery_whose_lease_ran_out_is_parked_and_due_again_with_its_endpoint(
    log: Log,
) -> None:
    endpoint = log.endpoint()
    log.append()
    log.sql(
        "UPDATE webhook_deliveries SET lease = %s, next_attempt_at = now() - interval '1 second'",
        uuid4(),
    )

    log.sql("UPDATE webhook_endpoints SET enabled = false WHERE id = %s", endpoint)
    assert log.sql("SELECT next_attempt_at FROM webhook_deliveries") == [(None,)]
    log.sql("UPDATE webhook_endpoints SET enabled = true WHERE id = %s", endpoint)

    assert log.publish(InMemoryWebhookQueue()) == 1


# Publishing.


class FailingQueue:
    def send(self, work: Sequence[WebhookWork]) -> None:
        raise DeliveryError("the webhook queue could not take the work")


def test_a_claim_whose_send_failed_goes_out_after_its_lease_once(log: Log) -> None:
    log.endpoint()
    for _ in range(3):
        log.append()
    log.clock.at = datetime.now(UTC)
    with pytest.raises(DeliveryError):
        publish_due(log.uow, FailingQueue(), log.clock, api_base_url=API)
    queue = InMemoryWebhookQueue()
    log.clock.advance(LEASE - timedelta(seconds=1))
    assert sweep(log.uow, queue, log.clock, api_base_url=API).published == 0

    log.clock.advance(timedelta(seconds=1))
    results: list[int] = []
    start = threading.Barrier(2)

    def run() -> None:
        database = Database(log.url)
        start.wait()
        swept = sweep(PostgresUnitOfWorkFactory(database), queue, log.clock, api_base_url=API)
        results.append(swept.published)
        database.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(results) == 3
    assert len({w.delivery_id for w in queue.sent}) == len(queue.sent) == 3


def test_first_attempts_go_out_in_the_order_of_the_log(log: Log) -> None:
    endpoint = log.endpoint()
    thread = str(uuid4())
    events = [log.append("message.sent", {"thread_id": thread, "n": n}) for n in range(4)]
    with log.uow(log.organization_id) as work:
        work.events.append_many(
            [
                NewEvent(
                    log.organization_id, "message.sent", None, f"batch-{n}", {"thread_id": thread}
                )
                for n in range(3)
            ]
        )
    events += [
        row[0]
        for row in log.sql("SELECT id FROM events WHERE dedup_key LIKE 'batch-%%' ORDER BY seq")
    ]
    queue = InMemoryWebhookQueue()

    log.publish(queue)

    assert [w.webhook_id for w in queue.sent] == [str(e) for e in events]
    assert {w.group for w in queue.sent} == {f"{endpoint}:{thread}"}


def test_the_due_secret_grace_is_ended_by_the_sweep(log: Log) -> None:
    now = log.clock.at = datetime.now(UTC)
    endpoint = log.endpoint(previous_secret_sealed=b"old", previous_secret_expires_at=now)
    rotating = log.endpoint(
        previous_secret_sealed=b"old", previous_secret_expires_at=now + timedelta(seconds=1)
    )

    swept = sweep(log.uow, InMemoryWebhookQueue(), log.clock, api_base_url=API)

    assert swept.secrets_dropped == 1
    assert log.sql(
        "SELECT previous_secret_sealed FROM webhook_endpoints WHERE id = %s", rotating
    ) == [(b"old",)]
    assert log.sql(
        "SELECT previous_secret_sealed, previous_secret_expires_at FROM webhook_endpoints "
        "WHERE id = %s",
        endpoint,
    ) == [(None, None)]


def test_a_retry_sends_the_bytes_first_sent_though_the_message_changed(
    mailbox: MailSink,
) -> None:
    database = Database(mailbox.database_url)
    log = Log(mailbox.database_url, database, mailbox.organization_id)
    log.endpoint()
    [stored] = receive_raw(mailbox, make_mail(body="First words")).stored
    queue = InMemoryWebhookQueue()
    log.publish(queue)
    log.sql("UPDATE messages SET extracted_text = 'Changed since' WHERE id = %s", stored.id)

    log.clock.advance(LEASE)
    log.publish(queue)

    first, retry = queue.sent
    assert first.lease != retry.lease
    assert retry.body == first.body
    message = json.loads(first.body)["data"]["message"]
    assert message["id"] == str(stored.id)
    assert message["extracted_text"].startswith("First words")
    assert message["to"] == [{"address": "support@example.com", "name": None}]
    assert message["links"]["raw"] == f"{API}/messages/{stored.id}/raw"
    database.close()


# The reports function.


def _sqs_event(bodies: list[str]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{n}",
                "receiptHandle": f"h{n}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:webhook-reports",
                "awsRegion": "us-east-1",
            }
            for n, body in enumerate(bodies)
        ]
    }


def _report(work: WebhookWork, status_code: int) -> AttemptReport:
    return AttemptReport(
        attempt_id=uuid4(),
        delivery_id=work.delivery_id,
        organization_id=work.organization_id,
        endpoint_id=work.endpoint_id,
        lease=work.lease,
        trigger=work.trigger,
        attempted_at=datetime.now(UTC),
        latency_ms=40,
        status_code=status_code,
        error=None if status_code < 300 else f"HTTP {status_code}",
        response_body="ok\x00",
        outcome=Outcome.DELIVERED if status_code < 300 else Outcome.GONE,
    )


def test_the_reports_function_records_a_batch_and_fails_only_what_is_no_report(
    log: Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    fine, gone = log.endpoint(), log.endpoint(url="https://hooks.example.test/gone")
    log.append()
    queue = InMemoryWebhookQueue()
    log.publish(queue)
    by_endpoint = {w.endpoint_id: w for w in queue.take()}
    delivered = _report(by_endpoint[fine], 200).model_dump_json()
    refused = _report(by_endpoint[gone], 410).model_dump_json()

    with function_container(reports_handler.container, log.url, monkeypatch):
        answer = reports_handler.handler(
            _sqs_event([delivered, "not a report", refused, delivered]),
            LambdaContext("webhook-reports"),
        )

    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert log.sql("SELECT count(*), min(response_body) FROM webhook_attempts") == [(2, "ok\ufffd")]
    assert sorted(log.sql("SELECT status, attempts, lease FROM webhook_deliveries")) == [
        ("delivered", 1, None),
        ("failed", 1, None),
        ("pending", 0, None),
    ]
    assert log.sql(
        "SELECT enabled, disabled_reason FROM webhook_endpoints WHERE id = %s", gone
    ) == [(False, "gone")]
    assert log.sql(
        "SELECT last_success_at IS NOT NULL FROM webhook_endpoints WHERE id = %s", fine
    ) == [(True,)]
    assert log.deliveries()[-1] == (fine, "webhook.endpoint_disabled")


# Recording, in SQL.


def _failed(work: WebhookWork, at: datetime) -> AttemptReport:
    return _report(work, 500).model_copy(
        update={"attempted_at": at, "outcome": Outcome.FAILED, "error": "HTTP 500"}
    )


def test_a_failure_schedules_a_retry_and_marks_the_endpoint_failing(log: Log) -> None:
    endpoint = log.endpoint()
    log.append()
    queue = InMemoryWebhookQueue()
    log.publish(queue)
    [work] = queue.take()
    at = log.clock.now()

    [done] = record_reports(log.uow, [_failed(work, at)], log.clock)

    assert done.outcome is ReportOutcome.RECORDED
    [(status, attempts, lease, wait, code, error)] = log.sql(
        "SELECT status, attempts, lease, next_attempt_at - %s, last_status_code, last_error "
        "FROM webhook_deliveries",
        at,
    )
    assert (status, attempts, lease, code, error) == ("pending", 1, None, 500, "HTTP 500")
    assert timedelta(seconds=4) <= wait <= timedelta(seconds=6)
    assert log.sql("SELECT failing_since FROM webhook_endpoints WHERE id = %s", endpoint) == [(at,)]


def test_five_days_of_failures_disable_the_endpoint_and_park_its_deliveries(log: Log) -> None:
    endpoint = log.endpoint(url="https://hooks.example.test/down")
    watcher = log.endpoint(event_types=["webhook.endpoint_disabled"])
    log.append("message.sent")
    queue = InMemoryWebhookQueue()
    log.publish(queue)
    first = queue.take()[0]
    start = log.clock.now()
    record_reports(log.uow, [_failed(first, start)], log.clock)
    log.append("message.sent")
    log.clock.advance(timedelta(days=5))
    log.publish(queue)
    later = [w for w in queue.take() if w.endpoint_id == endpoint]

    done = record_reports(log.uow, [_failed(w, log.clock.now()) for w in later], log.clock)

    assert {r.outcome for r in done} == {ReportOutcome.RECORDED}
    assert [e for r in done for e in r.events] == ["webhook.endpoint_disabled"]
    assert log.sql(
        "SELECT enabled, disabled_reason, failing_since FROM webhook_endpoints WHERE id = %s",
        endpoint,
    ) == [(False, "failing", start)]
    assert log.sql(
        "SELECT count(*) FROM webhook_deliveries "
        "WHERE endpoint_id = %s AND status = 'pending' AND next_attempt_at IS NOT NULL",
        endpoint,
    ) == [(0,)]
    [(payload,)] = log.sql("SELECT payload FROM events WHERE type = 'webhook.endpoint_disabled'")
    assert datetime.fromisoformat(payload["failing_since"]) == start
    assert log.deliveries()[-1] == (watcher, "webhook.endpoint_disabled")


def test_a_success_clears_failing_since_but_not_a_later_failures(log: Log) -> None:
    endpoint = log.endpoint()
    log.append()
    log.append()
    queue = InMemoryWebhookQueue()
    log.publish(queue)
    one, two = queue.take()
    at = log.clock.now()
    record_reports(log.uow, [_failed(one, at + timedelta(seconds=2))], log.clock)
    ok = _report(two, 200).model_copy(update={"attempted_at": at + timedelta(seconds=1)})

    record_reports(log.uow, [ok], log.clock)

    assert log.sql(
        "SELECT failing_since, last_success_at FROM webhook_endpoints WHERE id = %s", endpoint
    ) == [(at + timedelta(seconds=2), at + timedelta(seconds=1))]
    three = _report(two, 200).model_copy(update={"attempted_at": at + timedelta(seconds=3)})
    log.sql(  # claimed again, as a manual retry would
        "UPDATE webhook_deliveries SET lease = %s, status = 'pending' WHERE id = %s",
        two.lease,
        two.delivery_id,
    )
    record_reports(log.uow, [three], log.clock)
    assert log.sql(
        "SELECT failing_since, last_success_at FROM webhook_endpoints WHERE id = %s", endpoint
    ) == [(None, at + timedelta(seconds=3))]


def test_the_sweep_function_queues_what_is_due_on_webhooks_fifo(
    log: Log, bare_aws: BareAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = log.endpoint()
    event = log.append()
    url = bare_aws.sqs.create_queue(QueueName="webhooks.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    monkeypatch.setenv("WEBHOOK_QUEUE_URL", url)
    monkeypatch.setenv("AWS_REGION", "us-east-1")

    with function_container(sweep_handler.container, log.url, monkeypatch):
        answer = sweep_handler.handler(
            {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}},
            LambdaContext("webhook-sweep"),
        )

    assert answer == {"published": 1, "secrets_dropped": 0}
    [message] = bare_aws.sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
    work = WebhookWork.model_validate_json(message["Body"])
    assert (work.webhook_id, work.endpoint_id) == (str(event), endpoint)
    assert message["Attributes"]["MessageGroupId"] == work.group


def test_the_sweep_function_fails_counting_what_the_queue_did_not_take(
    log: Log, bare_aws: BareAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    log.endpoint()
    log.append()
    url = bare_aws.sqs.create_queue(QueueName="webhooks.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    monkeypatch.setenv("WEBHOOK_QUEUE_URL", url + "-gone")
    monkeypatch.setenv("AWS_REGION", "us-east-1")

    with (
        function_container(sweep_handler.container, log.url, monkeypatch),
        pytest.raises(NotQueued) as refused,
    ):
        sweep_handler.handler(
            {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}},
            LambdaContext("webhook-sweep"),
        )

    assert (refused.value.queued, refused.value.failed) == (0, 1)
    assert log.sql("SELECT lease IS NOT NULL FROM webhook_deliveries") == [(True,)]


def test_mail_received_is_queued_to_the_dispatcher_by_the_inbound_function_at_once(
    mailbox: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = Log(mailbox.database_url, Database(mailbox.database_url), mailbox.organization_id)
    log.endpoint(event_types=["message.received"])
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="webhooks.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    monkeypatch.setenv("WEBHOOK_QUEUE_URL", url)
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=BUCKET, Key="raw/ses-w", Body=make_mail()
    )
    topic = "arn:aws:sns:us-east-1:000000000000:mailman-inbound"
    notification = received_notification(
        message_id="ses-w",
        source="alice@elsewhere.example",
        recipients=["support@example.com"],
        headers=[],
        bucket=BUCKET,
        object_key="raw/ses-w",
        topic_arn=topic,
    )
    record = {
        "messageId": "sqs-w",
        "receiptHandle": "handle",
        "body": sns_envelope(notification, topic),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:mailman-inbound",
        "awsRegion": "us-east-1",
    }

    with function_container(inbound_handler.container, mailbox.database_url, monkeypatch):
        inbound_handler.handler({"Records": [record]}, LambdaContext("mailman-inbound"))

    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    body = json.loads(WebhookWork.model_validate_json(message["Body"]).body)
    assert body["type"] == "message.received"
    assert body["data"]["message"]["subject"] == "Order 1234"
    log.database.close()
