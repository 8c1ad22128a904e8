from typing import Any

from mailman.composition import Container

from .conftest import Tenant


def _append(container: Container, tenant: Tenant, n: int, kind: str = "domain.verified") -> None:
    with container.uow(tenant.organization_id) as work:
        for i in range(n):
            work.events.append(
                tenant.organization_id,
                type=kind,
                subject_id=None,
                dedup_key=f"{kind}:{i}",
                payload={"n": i},
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
