"""`PostgresEventLog.latest`: the log's last events in one read off its index, the same
events `read` would show, and a cursor after them that loses nothing still to appear."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
import pytest

from mailman.adapters.postgres.database import Connection
from mailman.adapters.postgres.events import PostgresEventLog
from mailman.composition import Container
from mailman.domain.events import NewEvent
from mailman.services import events, organizations


@pytest.fixture
def org(container: Container) -> UUID:
    return organizations.create_organization(container.uow, "Acme").id


def _append(container: Container, org: UUID, numbers: range) -> None:
    """Events numbered as `numbers`, in one transaction."""
    with container.uow(org) as work:
        work.events.append_many(
            [
                NewEvent(
                    org,
                    type="domain.verified",
                    subject_id=None,
                    dedup_key=f"verified:{n}",
                    payload={"n": n},
                )
                for n in numbers
            ]
        )


def _numbers(page: events.EventPage) -> list[int]:
    return [e.payload["n"] for e in page.events]


def test_the_last_events_come_oldest_first_and_their_cursor_reads_on(
    container: Container, org: UUID
) -> None:
    _append(container, org, range(150))
    _append(container, org, range(150, 250))

    latest = events.latest_events(container.uow, org, 100)
    nothing_new = events.read_events(container.uow, org, after=latest.cursor, limit=100)
    _append(container, org, range(250, 252))
    later = events.read_events(container.uow, org, after=latest.cursor, limit=100)

    assert _numbers(latest) == list(range(150, 250))
    assert latest.cursor == latest.events[-1].cursor
    assert nothing_new.events == []
    assert _numbers(later) == [250, 251]


def test_an_empty_logs_cursor_reads_from_its_first_event(container: Container, org: UUID) -> None:
    latest = events.latest_events(container.uow, org, 10)
    _append(container, org, range(2))

    read_on = events.read_events(container.uow, org, after=latest.cursor, limit=10)

    assert latest.events == []
    assert _numbers(read_on) == [0, 1]


def test_another_organisations_events_are_not_among_the_latest(
    container: Container, org: UUID
) -> None:
    other = organizations.create_organization(container.uow, "Globex").id
    _append(container, org, range(2))
    _append(container, other, range(100, 105))

    assert _numbers(events.latest_events(container.uow, org, 3)) == [0, 1]
    assert _numbers(events.latest_events(container.uow, other, 3)) == [102, 103, 104]


def test_the_latest_wait_for_a_transaction_that_commits_late(
    container: Container, org: UUID
) -> None:
    """A writer takes its place in the log and commits after a quicker one: the cursor after
    the latest events must not pass its event, or following on from there would lose it."""
    slow = psycopg.connect(container.database.conninfo(), autocommit=True)
    try:
        with slow.transaction():
            slow.execute(
                "SELECT set_config('role', 'mailman_tenant', true), "
                "set_config('mailman.organization_id', %s, true)",
                [str(org)],
            )
            slow.execute(
                "INSERT INTO events (organization_id, type, subject_id, dedup_key, payload) "
                "VALUES (%s, 'domain.verified', NULL, 'slow', '{\"n\": 0}')",
                [org],
            )
            _append(container, org, range(1, 2))
            early = events.latest_events(container.uow, org, 10)
        read_on = events.read_events(container.uow, org, after=early.cursor, limit=10)
    finally:
        slow.close()

    assert early.events == []
    assert _numbers(read_on) == [0, 1]


def test_events_from_before_the_xid_order_are_the_oldest(container: Container, org: UUID) -> None:
    """Events of xid 0 (stored before migration 0010, or moved from another cluster) come
    before every later one, as `read` gives them."""
    _append(container, org, range(2))
    _append(container, org, range(2, 4))
    with psycopg.connect(container.database.conninfo(), autocommit=True) as owner:
        owner.execute("UPDATE events SET xid = '0' WHERE payload->>'n' IN ('2', '3')")

    latest = events.latest_events(container.uow, org, 3)
    everything = events.read_events(container.uow, org, after=None, limit=10)

    assert _numbers(everything) == [2, 3, 0, 1]
    assert _numbers(latest) == [3, 0, 1]


class _Recording:
    """The connection, keeping each statement run through it."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.statements: list[tuple[str, list[Any]]] = []

    def execute(self, query: str, params: list[Any]) -> psycopg.Cursor[Any]:
        self.statements.append((query, params))
        return self.conn.execute(query, params)


def test_the_latest_are_read_backwards_off_the_logs_index_unsorted(
    container: Container, org: UUID
) -> None:
    _append(container, org, range(3))
    with container.database.transaction(org) as conn:
        recording = _Recording(conn)
        PostgresEventLog(recording).latest(2)  # type: ignore[arg-type]
        [(query, params)] = recording.statements
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row["QUERY PLAN"] for row in conn.execute(f"EXPLAIN {query}", params))

    assert "Index Scan Backward using events_org_order" in plan
    assert "Sort" not in plan
    assert "Limit" in plan
