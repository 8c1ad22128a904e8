import json
from typing import Any

import psycopg

from functions.api.budget import MAX_LAMBDA_RESPONSE_BYTES
from mailman.composition import Container
from mailman.domain.events import NewEvent

from .conftest import Tenant


def _append(
    container: Container, tenant: Tenant, n: int, kind: str = "domain.verified", *, start: int = 0
) -> None:
    """Events numbered start, start + 1, ... in one transaction."""
    with container.uow(tenant.organization_id) as work:
        for i in range(start, start + n):
            work.events.append(
                NewEvent(
                    tenant.organization_id,
                    type=kind,
                    subject_id=None,
                    dedup_key=f"{kind}:{i}",
                    payload={"n": i},
                )
            )


def test_events_are_read_in_order_after_a_cursor(tenant: Tenant, container: Container) -> None:
    _append(container, tenant, 5)

    first = tenant.api.get("/events", query="limit=2").json()
    rest = tenant.api.get("/events", query=f"after={first['cursor']}").json()
    nothing_new = tenant.api.get("/events", query=f"after={rest['cursor']}").json()

    assert [e["data"]["n"] for e in first["data"]] == [0, 1]
    assert [e["data"]["n"] for e in rest["data"]] == [2, 3, 4]
    assert nothing_new["data"] == []
    assert nothing_new["cursor"] == rest["cursor"]


def test_an_event_appended_twice_is_stored_once(tenant: Tenant, container: Container) -> None:
    _append(container, tenant, 1)
    _append(container, tenant, 1)

    assert len(tenant.api.get("/events").json()["data"]) == 1


def test_events_can_be_filtered_by_type(tenant: Tenant, container: Container) -> None:
    _append(container, tenant, 2, "domain.verified")
    _append(container, tenant, 1, "domain.dns_changed")

    found: Any = tenant.api.get("/events", query="type=domain.dns_changed").json()

    assert [e["type"] for e in found["data"]] == ["domain.dns_changed"]


def test_another_organisations_events_are_invisible(
    tenant: Tenant, other_tenant: Tenant, container: Container
) -> None:
    _append(container, tenant, 3)

    assert other_tenant.api.get("/events").json()["data"] == []


def test_a_foreign_cursor_is_400(tenant: Tenant) -> None:
    response = tenant.api.get("/events", query="after=bm9wZQ")

    assert response.status == 400
    assert response.json()["error"]["field"] == "after"


def _read_all(tenant: Tenant, after: str | None) -> tuple[list[int], str | None]:
    query = f"after={after}" if after else ""
    page = tenant.api.get("/events", query=query).json()
    return [e["data"]["n"] for e in page["data"]], page["cursor"]


def test_a_reader_loses_no_event_of_a_transaction_that_commits_late(
    tenant: Tenant, container: Container
) -> None:
    """Two writers: the first takes its place in the log, the second commits before it. A reader
    in between must not move its cursor past the first writer's event."""
    slow = psycopg.connect(container.database.conninfo(), autocommit=True)
    try:
        with slow.transaction():
            slow.execute(
                "SELECT set_config('role', 'mailman_tenant', true), "
                "set_config('mailman.organization_id', %s, true)",
                [str(tenant.organization_id)],
            )
            slow.execute(
                "INSERT INTO events (organization_id, type, subject_id, dedup_key, payload) "
                "VALUES (%s, 'domain.verified', NULL, 'slow', '{\"n\": 0}')",
                [tenant.organization_id],
            )
            _append(container, tenant, 1, start=1)
            seen_early, cursor = _read_all(tenant, None)
        seen_late, _ = _read_all(tenant, cursor)
    finally:
        slow.close()

    assert seen_early == []  # the quick one waits for the slow one, which may come first
    assert seen_late == [0, 1]


def test_an_unknown_cursor_position_is_400(
    tenant: Tenant, other_tenant: Tenant, container: Container
) -> None:
    _append(container, tenant, 1)
    theirs = tenant.api.get("/events").json()["cursor"]

    response = other_tenant.api.get("/events", query=f"after={theirs}")

    assert response.status == 400
    assert response.json()["error"]["field"] == "after"


def test_events_from_before_the_xid_order_come_first_and_lead_on(
    tenant: Tenant, container: Container
) -> None:
    """Events stored before migration 0010, or moved from another cluster (README, "Moving
    the database"), have xid 0: a cursor on them reads on into the events written since."""
    _append(container, tenant, 2)
    with psycopg.connect(container.database.conninfo(), autocommit=True) as owner:
        owner.execute("UPDATE events SET xid = '0'")
    first = tenant.api.get("/events", query="limit=1").json()
    _append(container, tenant, 1, start=2)

    found, _ = _read_all(tenant, first["cursor"])

    assert [e["data"]["n"] for e in first["data"]] == [0]
    assert found == [1, 2]


def test_a_page_of_large_events_ends_early_and_its_cursor_reads_on(
    tenant: Tenant, container: Container
) -> None:
    with container.uow(tenant.organization_id) as work:
        for i in range(100):  # a received message's event carries its subject, up to 64 KiB
            work.events.append(
                NewEvent(
                    tenant.organization_id,
                    type="message.received",
                    subject_id=None,
                    dedup_key=f"big:{i}",
                    payload={"n": i, "subject": '"' * 65_536},
                )
            )

    seen: list[int] = []
    cursor = ""
    for _ in range(10):
        answer = tenant.api.get(
            "/events", query="limit=100" + (f"&after={cursor}" if cursor else "")
        )
        assert answer.status == 200
        assert len(json.dumps(answer.result.body.decode())) < MAX_LAMBDA_RESPONSE_BYTES
        page = answer.json()
        seen += [e["data"]["n"] for e in page["data"]]
        cursor = page["cursor"]
        if not page["data"]:
            break

    assert seen == list(range(100))
