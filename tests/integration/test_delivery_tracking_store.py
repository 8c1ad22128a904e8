"""Delivery tracking on PostgreSQL: the statement that decides recipients' states ends where
the in-memory store (which calls the domain's `decides`) ends, in any order of the same
events, and in any batches of them; a batch costs two round trips; two batches naming one
message wait for each other."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.wire import traced
from mailman.adapters.memory.blobs import InMemoryBlobStore
from mailman.adapters.memory.clock import FixedClock
from mailman.adapters.memory.queue import InMemoryQueue
from mailman.adapters.postgres.database import Database
from mailman.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from mailman.domain.delivery import BounceType, SesEventType
from mailman.domain.models import NewDomain
from mailman.domain.reputation import BrakeSettings
from mailman.services import inboxes, organizations
from mailman.services.sending import Compose, Sending, send
from mailman.services.telemetry import (
    Telemetry,
    TrackedEvent,
    TrackingOutcome,
    record_event,
    record_events,
)

from ..ses_events import (
    T0,
    TRACK_COLUMNS,
    Spec,
    State,
    batches,
    memory_state,
    ses_event,
    specs,
)

E = SesEventType
NO_BRAKE = BrakeSettings(min_sent=10**9)
ADDRESSES = ["jane@customer.example", "bob@customer.example", "ann@customer.example"]


@dataclass
class Store:
    database: Database
    uow: PostgresUnitOfWorkFactory
    clock: FixedClock
    organization_id: UUID
    inbox_id: UUID

    @property
    def telemetry(self) -> Telemetry:
        # The plays send to the same addresses again and again: the brake would pause the
        # domain (it has its own tests).
        return Telemetry(self.uow, self.clock, "us-east-1", brake=NO_BRAKE)

    def handed_off(self, *to: str) -> UUID:
        sending = Sending(self.uow, InMemoryBlobStore(), InMemoryQueue(), self.clock)
        sent = send(sending, self.organization_id, self.inbox_id, Compose(to=to, text="Hi"))
        with self.uow(self.organization_id) as work:
            assert work.outbox.claim(sent.message.id, self.clock.now()) is not None
        return sent.message.id

    def record(self, kind: SesEventType, pk: UUID, *to: str, **fields: object) -> TrackedEvent:
        event = ses_event(kind, to, message_pk=pk, organization_id=self.organization_id, **fields)
        return record_event(self.telemetry, event)

    def state(self, pk: UUID) -> State:
        columns = ", ".join(TRACK_COLUMNS)
        with self.database.connection().cursor() as cur:
            status = cur.execute("SELECT status FROM messages WHERE id = %s", [pk]).fetchone()
            rows = cur.execute(
                f"SELECT lower(address) AS address, status, status_reason, {columns} "  # noqa: S608
                "FROM message_recipients WHERE message_id = %s",
                [pk],
            ).fetchall()
        assert status is not None
        by_address = {r["address"]: r for r in rows}
        return status["status"], tuple(
            tuple(by_address[a][c] for c in ("status", "status_reason", *TRACK_COLUMNS))
            for a in ADDRESSES
        )


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    database = Database(database_url)
    uow = PostgresUnitOfWorkFactory(database)
    organization = organizations.create_organization(uow, "Acme")
    with uow(organization.id) as work:
        domain = work.domains.add(
            NewDomain(
                organization.id,
                name="example.com",
                unicode_name="example.com",
                from_name="Example Support",
                reply_to=None,
                bounce_address=None,
            )
        )
        work.domains.update(domain.id, {"dkim_verified": True, "ses_dkim_status": "SUCCESS"})
    inbox = inboxes.create_inbox(uow, organization.id, domain_id=domain.id, local_part="support")
    yield Store(database, uow, FixedClock(T0), organization.id, inbox.id)
    database.close()


def _play(store: Store, played: list[Spec], cuts: list[int] | None = None) -> State:
    """Each event recorded alone or, with `cuts`, in batches split there."""
    # Each play starts from a clean list: an earlier play's bounce or complaint would have
    # the send leave its address out.
    with store.uow(store.organization_id) as work:
        work.suppressions.remove(ADDRESSES, store.clock.now())
    pk = store.handed_off(*ADDRESSES)
    events = [spec.event(ADDRESSES, pk, store.organization_id) for spec in played]
    for batch in batches(events, cuts):
        record_events(store.telemetry, batch)
    return store.state(pk)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), played=specs(3))
def test_any_order_of_the_same_events_ends_where_the_in_memory_store_does(
    store: Store, data: st.DataObject, played: list[Spec]
) -> None:
    shuffled = data.draw(st.permutations(played))

    in_order = _play(store, played)

    assert _play(store, shuffled) == in_order
    assert in_order == memory_state(played, ADDRESSES)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), played=specs(3))
def test_the_same_events_in_any_batches_end_where_they_end_one_by_one(
    store: Store, data: st.DataObject, played: list[Spec]
) -> None:
    cuts = data.draw(st.lists(st.integers(1, len(played)), max_size=4))

    one_by_one = _play(store, played)

    assert _play(store, played, cuts) == one_by_one
    assert _play(store, played, []) == one_by_one


def test_an_event_takes_two_round_trips_and_a_soft_bounce_three(store: Store) -> None:
    pk = store.handed_off(*ADDRESSES)
    store.record(E.SEND, pk, *ADDRESSES, source="s1")

    with traced(store.database.connection()) as wire:
        result = store.record(
            E.BOUNCE,
            pk,
            ADDRESSES[0],
            source="b1",
            at=T0 + timedelta(minutes=1),
            bounce_type=BounceType.TRANSIENT,
        )

    assert result.counts
    # The lock, the hand-off, the reads and the rows; the soft bounces; the recipients,
    # the counts, the summary, the log and COMMIT.
    assert wire.round_trips == 3, wire.table()
    with traced(store.database.connection()) as wire:
        store.record(E.DELIVERY, pk, *ADDRESSES[1:], source="d1", at=T0 + timedelta(minutes=1))
    assert wire.round_trips == 2, wire.table()


def test_a_batch_takes_two_round_trips_and_the_brake_one_more(store: Store) -> None:
    pks = [store.handed_off(address) for address in ADDRESSES]
    org = store.organization_id
    events = [
        ses_event(E.DELIVERY, [address], message_pk=pk, organization_id=org, ses_id=f"ses-{pk}")
        for pk, address in zip(pks, ADDRESSES, strict=True)
    ]
    events.append(
        ses_event(
            E.COMPLAINT,
            ADDRESSES[:1],
            message_pk=pks[0],
            organization_id=org,
            ses_id=f"ses-{pks[0]}",
            at=T0 + timedelta(minutes=5),
            complaint_feedback_type="abuse",
        )
    )

    with traced(store.database.connection()) as wire:
        results = record_events(store.telemetry, events)

    assert [r.outcome for r in results] == [TrackingOutcome.RECORDED] * 4
    assert [r.suppressed for r in results] == [0, 0, 0, 1]
    # The lock, the hand-offs, the reads and the rows; the writes with the brake's read of
    # the domain's counts (the complaint raised them); COMMIT.
    assert wire.round_trips == 3, wire.table()


def test_two_events_of_one_message_are_recorded_one_after_the_other(store: Store) -> None:
    pk = store.handed_off(*ADDRESSES[:2])
    other = Database(store.database.conninfo())
    finished: list[TrackedEvent] = []
    try:
        with store.uow(store.organization_id) as work:
            work.delivery.lock([pk])
            waiting = threading.Thread(
                target=lambda: finished.append(
                    record_event(
                        Telemetry(PostgresUnitOfWorkFactory(other), store.clock, "us-east-1"),
                        ses_event(
                            E.DELIVERY,
                            ADDRESSES[:1],
                            message_pk=pk,
                            organization_id=store.organization_id,
                        ),
                    )
                )
            )
            waiting.start()
            waiting.join(timeout=1)
            assert waiting.is_alive(), "the second event waits for the first's transaction"
        waiting.join(timeout=10)
    finally:
        other.close()

    assert [r.outcome for r in finished] == [TrackingOutcome.RECORDED]


def test_suppressions_and_counts_are_stored_for_the_message_s_organisation(store: Store) -> None:
    pk = store.handed_off(ADDRESSES[0])

    store.record(
        E.BOUNCE,
        pk,
        ADDRESSES[0],
        bounce_type=BounceType.PERMANENT,
        bounce_sub_type="General",
        smtp_status="5.1.1",
        diagnostic_code="smtp; 550 5.1.1 unknown",
    )

    with store.database.connection().cursor() as cur:
        entry = cur.execute(
            "SELECT organization_id, reason, source_message_id, details "
            "FROM suppressed_addresses WHERE address = %s",
            [ADDRESSES[0]],
        ).fetchone()
        counts = cur.execute(
            "SELECT sent, hard_bounced, soft_bounced, hour FROM delivery_counts "
            "WHERE inbox_id = %s",
            [store.inbox_id],
        ).fetchall()
    assert entry is not None
    assert (entry["organization_id"], entry["reason"], entry["source_message_id"]) == (
        store.organization_id,
        "bounce",
        pk,
    )
    assert entry["details"]["diagnostic_code"] == "smtp; 550 5.1.1 unknown"
    assert [(c["sent"], c["hard_bounced"], c["soft_bounced"]) for c in counts] == [(1, 1, 0)]
    assert counts[0]["hour"] == T0


@pytest.mark.parametrize("delivered_first", [True, False])
def test_an_out_of_office_reply_to_a_delivered_message_is_no_strike(
    store: Store, delivered_first: bool
) -> None:
    jane = ADDRESSES[0]
    pks = [store.handed_off(jane) for _ in range(3)]
    soft = {"bounce_type": BounceType.TRANSIENT}
    delivery = (E.DELIVERY, {"at": T0 + timedelta(hours=1), "source": "d"})
    reply = (E.BOUNCE, {"at": T0 + timedelta(hours=2), "source": "ooo", **soft})
    played = [
        (pks[0], E.BOUNCE, {"at": T0, "source": "b0", **soft}),
        *[
            (pks[1], kind, fields)
            for kind, fields in ([delivery, reply] if delivered_first else [reply, delivery])
        ],
        (pks[2], E.BOUNCE, {"at": T0 + timedelta(hours=3), "source": "b2", **soft}),
    ]

    results = [
        store.record(kind, pk, jane, ses_id=f"ses-{pk}", **fields) for pk, kind, fields in played
    ]

    assert [r.suppressed for r in results] == [0, 0, 0, 0]
    with store.database.connection().cursor() as cur:
        listed = cur.execute(
            "SELECT count(*) AS n FROM suppressed_addresses WHERE organization_id = %s",
            [store.organization_id],
        ).fetchone()
    assert listed is not None
    assert listed["n"] == 0


def test_two_batches_soft_bouncing_one_address_read_its_streak_one_after_the_other(
    store: Store,
) -> None:
    jane = ADDRESSES[0]
    pks = [store.handed_off(jane) for _ in range(3)]
    soft = {"bounce_type": BounceType.TRANSIENT, "organization_id": store.organization_id}
    bounces = [
        ses_event(
            E.BOUNCE,
            [jane],
            message_pk=pk,
            ses_id=f"ses-{pk}",
            source=f"b{n}",
            at=T0 + timedelta(minutes=n),
            **soft,
        )
        for n, pk in enumerate(pks)
    ]
    store.record(E.SEND, pks[1], jane, ses_id=f"ses-{pks[1]}")
    record_event(store.telemetry, bounces[0])
    other = Database(store.database.conninfo())
    finished: list[TrackedEvent] = []
    try:
        with store.uow(store.organization_id) as work:
            # A batch with the second bounce, its row inserted, reading its streak.
            work.delivery.record(store.organization_id, [(pks[1], bounces[1])])
            work.delivery.soft_bounces(store.organization_id, [jane], T0, T0 + timedelta(hours=1))
            waiting = threading.Thread(
                target=lambda: finished.append(
                    record_event(
                        Telemetry(PostgresUnitOfWorkFactory(other), store.clock, "us-east-1"),
                        bounces[2],
                    )
                )
            )
            waiting.start()
            waiting.join(timeout=1)
            assert waiting.is_alive(), "the third bounce waits for the address"
        waiting.join(timeout=10)
    finally:
        other.close()

    # The third bounce read the second once it was committed: the streak is complete.
    assert [r.suppressed for r in finished] == [1]
