from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import psycopg

from mailman.composition import Container, build_container
from mailman.config import Settings
from mailman.domain.api_keys import hash_key
from mailman.domain.ratelimit import DEFAULT_ORGANIZATION_PER_MINUTE, RequestLimits
from mailman.services import organizations
from mailman.services.auth import api_keys

from .conftest import ApiClient, Tenant


def _key_with_limit(container: Container, tenant: Tenant, per_minute: int) -> ApiClient:
    created = api_keys.create_api_key(
        container.uow,
        container.clock,
        tenant.organization_id,
        name="limited",
        rate_limit_per_minute=per_minute,
    )
    return ApiClient(created.secret)


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
    api = ApiClient(minted["key"])

    assert api.get("/inboxes").status == 200
    assert api.get("/inboxes").status == 429


def test_the_bucket_refills_with_time(tenant: Tenant, container: Container) -> None:
    key_id = tenant.api.get("/api-keys").json()["data"][0]["id"]
    start = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

    def take(at: datetime) -> bool:
        with container.uow(None) as work:
            used = work.api_keys.use(hash_key(tenant.key), RequestLimits(2, 60), at)
            assert used is not None
            assert used.buckets is not None
            return used.buckets[0].allowed

    # The buckets were created by the request above with the default capacities; start anew.
    with container.database.transaction() as conn:
        conn.execute("DELETE FROM rate_limit_buckets WHERE api_key_id = %s", [key_id])
        conn.execute("DELETE FROM organization_rate_limit_buckets")

    assert [take(start), take(start), take(start)] == [True, True, False]
    assert not take(start + timedelta(seconds=29))
    assert take(start + timedelta(seconds=31))
    assert not take(start + timedelta(seconds=31))


# -- the organisation's limit over all its keys ---------------------------------------------


def test_an_organisations_keys_share_its_limit(tenant: Tenant, container: Container) -> None:
    organizations.set_limits(container.uow, tenant.organization_id, rate_limit_per_minute=3)
    second = _key_with_limit(container, tenant, 3)

    statuses = [tenant.api.get("/inboxes").status, second.get("/inboxes").status]
    statuses.append(tenant.api.get("/inboxes").status)
    refused = second.get("/inboxes")

    assert statuses == [200, 200, 200]
    assert refused.status == 429
    assert refused.json()["error"]["type"] == "rate_limited"
    assert refused.header("RateLimit-Limit") == "3"
    assert refused.header("RateLimit-Remaining") == "0"
    assert int(refused.header("Retry-After") or 0) == 20  # a token every 60/3 seconds


def test_a_key_with_a_limit_above_its_organisations_is_held_to_the_organisations(
    tenant: Tenant, container: Container, database_url: str
) -> None:
    # A key minted before keys were capped by their organisation's limit.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE api_keys SET rate_limit_per_minute = 100000")
    organizations.set_limits(container.uow, tenant.organization_id, rate_limit_per_minute=2)

    statuses = [tenant.api.get("/inboxes").status for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_a_request_the_organisation_refuses_takes_no_token_from_its_key(
    tenant: Tenant, container: Container, database_url: str
) -> None:
    key_id = tenant.api.get("/api-keys").json()["data"][0]["id"]  # key: 99 tokens left
    organizations.set_limits(container.uow, tenant.organization_id, rate_limit_per_minute=1)

    admitted = tenant.api.get("/inboxes")  # the organisation's bucket is new: one token
    refused = tenant.api.get("/inboxes")

    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT tokens FROM rate_limit_buckets WHERE api_key_id = %s", [key_id]
        ).fetchone()
    assert (admitted.status, refused.status) == (200, 429)
    assert refused.header("RateLimit-Limit") == "1"
    assert row is not None
    assert 98 <= row[0] < 99  # two requests took a token from the key, the refused one none


def test_headers_describe_the_organisations_bucket_when_it_is_closer_to_refusing(
    tenant: Tenant, container: Container
) -> None:
    organizations.set_limits(container.uow, tenant.organization_id, rate_limit_per_minute=50)

    response = tenant.api.get("/inboxes")

    assert response.status == 200
    assert response.header("RateLimit-Limit") == "50"
    assert response.header("RateLimit-Remaining") == "49"


def test_the_deployments_organisation_limit_applies_without_one_of_its_own(
    tenant: Tenant, container: Container
) -> None:
    busy = _key_with_limit(container, tenant, DEFAULT_ORGANIZATION_PER_MINUTE)
    tenant.api.get("/inboxes")

    response = busy.get("/inboxes")

    assert response.header("RateLimit-Limit") == str(DEFAULT_ORGANIZATION_PER_MINUTE)
    assert response.header("RateLimit-Remaining") == str(DEFAULT_ORGANIZATION_PER_MINUTE - 2)


def test_concurrent_requests_never_take_more_than_the_organisation_holds(
    tenant: Tenant, container: Container, database_url: str
) -> None:
    keys = [
        api_keys.create_api_key(
            container.uow, container.clock, tenant.organization_id, name=f"k{i}"
        ).secret
        for i in range(4)
    ]
    at = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

    def take(secret: str) -> bool:
        own = build_container(Settings(database_url=database_url))
        try:
            with own.uow(None) as work:
                used = work.api_keys.use(hash_key(secret), RequestLimits(10, 5), at)
                assert used is not None
                assert used.buckets is not None
                return used.buckets[0].allowed
        finally:
            own.database.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = list(pool.map(take, keys * 4))

    assert sum(allowed) == 5
