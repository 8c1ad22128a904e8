from datetime import UTC, datetime, timedelta

from mailman.composition import Container
from mailman.services import api_keys

from .conftest import Api, Tenant


def _key_with_limit(container: Container, tenant: Tenant, per_minute: int) -> Api:
    created = api_keys.create_api_key(
        container.uow,
        container.clock,
        tenant.organization_id,
        name="limited",
        rate_limit_per_minute=per_minute,
    )
    return Api(created.secret)


def test_requests_beyond_the_limit_get_429_with_retry_after(
    tenant: Tenant, container: Container
) -> None:
    api = _key_with_limit(container, tenant, 3)

    statuses = [api.get("/inboxes").status for _ in range(3)]
    refused = api.get("/inboxes")

    assert statuses == [200, 200, 200]
    assert refused.status == 429
    assert refused.json()["error"]["type"] == "rate_limited"
    assert int(refused.header("Retry-After") or 0) >= 1
    assert refused.header("RateLimit-Limit") == "3"
    assert refused.header("RateLimit-Remaining") == "0"


def test_every_answer_carries_rate_limit_headers(tenant: Tenant) -> None:
    first = tenant.api.get("/inboxes")
    second = tenant.api.get("/inboxes")

    assert first.header("RateLimit-Limit") == "100"
    assert first.header("RateLimit-Remaining") == "99"
    assert second.header("RateLimit-Remaining") == "98"
    assert first.header("RateLimit-Reset") is not None


def test_limits_are_per_key(tenant: Tenant, container: Container) -> None:
    exhausted = _key_with_limit(container, tenant, 1)
    exhausted.get("/inboxes")

    assert exhausted.get("/inboxes").status == 429
    assert tenant.api.get("/inboxes").status == 200


def test_a_limit_can_be_set_when_minting_a_key_over_the_api(tenant: Tenant) -> None:
    minted = tenant.api.post("/api-keys", {"name": "slow", "rate_limit_per_minute": 1}).json()
    api = Api(minted["key"])

    assert api.get("/inboxes").status == 200
    assert api.get("/inboxes").status == 429


def test_the_bucket_refills_with_time(tenant: Tenant, container: Container) -> None:
    key_id = tenant.api.get("/api-keys").json()["data"][0]["id"]
    start = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

    def take(at: datetime) -> bool:
        with container.uow(tenant.organization_id) as work:
            return work.rate_limits.take(key_id, capacity=2, per_second=1 / 30, at=at).allowed

    # The key's bucket was created by the request above with the default capacity; start anew.
    with container.database.transaction() as conn:
        conn.execute("DELETE FROM rate_limit_buckets WHERE api_key_id = %s", [key_id])

    assert [take(start), take(start), take(start)] == [True, True, False]
    assert not take(start + timedelta(seconds=29))
    assert take(start + timedelta(seconds=31))
    assert not take(start + timedelta(seconds=31))
