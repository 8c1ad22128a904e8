import psycopg

from mailman.composition import Container
from mailman.domain.ratelimit import (
    DEFAULT_MAX_API_KEYS,
    DEFAULT_ORGANIZATION_PER_MINUTE,
    MAX_PER_MINUTE,
)
from mailman.services import organizations

from .conftest import ApiClient, Tenant


def test_minted_key_is_shown_once_and_works(tenant: Tenant) -> None:
    minted = tenant.api.post("/api-keys", {"name": "ci"})

    assert minted.status == 201
    body = minted.json()
    assert body["key"].startswith(body["prefix"])
    assert ApiClient(body["key"]).get("/inboxes").status == 200
    listed = tenant.api.get("/api-keys").json()["data"]
    assert {k["name"] for k in listed} == {"test", "ci"}
    assert all("key" not in k for k in listed)
    assert "key" not in tenant.api.get(f"/api-keys/{body['id']}").json()


def test_revoked_key_stops_working(tenant: Tenant) -> None:
    minted = tenant.api.post("/api-keys", {"name": "temp"}).json()

    revoked = tenant.api.delete(f"/api-keys/{minted['id']}")

    assert revoked.status == 204
    assert ApiClient(minted["key"]).get("/inboxes").status == 401
    assert tenant.api.get(f"/api-keys/{minted['id']}").json()["revoked_at"] is not None


def test_another_organisations_key_is_404(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = other_tenant.api.post("/api-keys", {"name": "theirs"}).json()

    assert tenant.api.get(f"/api-keys/{theirs['id']}").status == 404
    assert tenant.api.delete(f"/api-keys/{theirs['id']}").status == 404
    assert ApiClient(theirs["key"]).get("/inboxes").status == 200


def test_invalid_key_requests_are_400(tenant: Tenant) -> None:
    no_name = tenant.api.post("/api-keys", {})
    bad_limit = tenant.api.post("/api-keys", {"name": "x", "rate_limit_per_minute": 0})
    past = tenant.api.post("/api-keys", {"name": "x", "expires_at": "2001-01-01T00:00:00Z"})
    naive = tenant.api.post("/api-keys", {"name": "x", "expires_at": "2999-01-01T00:00:00"})

    assert (no_name.status, no_name.json()["error"]["field"]) == (400, "name")
    assert (bad_limit.status, bad_limit.json()["error"]["field"]) == (400, "rate_limit_per_minute")
    assert (past.status, past.json()["error"]["field"]) == (400, "expires_at")
    assert (naive.status, naive.json()["error"]["field"]) == (400, "expires_at")
    assert len(tenant.api.get("/api-keys").json()["data"]) == 1


def _key_names(tenant: Tenant) -> list[str]:
    return [k["name"] for k in tenant.api.get("/api-keys").json()["data"]]


def test_a_key_cannot_be_minted_above_its_organisations_limit(tenant: Tenant) -> None:
    response = tenant.api.post("/api-keys", {"name": "greedy", "rate_limit_per_minute": 100_000})

    assert response.status == 400
    error = response.json()["error"]
    assert (error["type"], error["field"]) == ("validation_error", "rate_limit_per_minute")
    assert f"at most {DEFAULT_ORGANIZATION_PER_MINUTE}" in error["message"]
    assert _key_names(tenant) == ["test"]


def test_a_key_may_have_its_organisations_whole_limit(tenant: Tenant) -> None:
    response = tenant.api.post(
        "/api-keys", {"name": "busy", "rate_limit_per_minute": DEFAULT_ORGANIZATION_PER_MINUTE}
    )

    assert response.status == 201
    assert response.json()["rate_limit_per_minute"] == DEFAULT_ORGANIZATION_PER_MINUTE


def test_the_cap_of_a_key_follows_its_organisations_own_limit(
    tenant: Tenant, container: Container
) -> None:
    organizations.set_limits(container.uow, tenant.organization_id, rate_limit_per_minute=1200)

    allowed = tenant.api.post("/api-keys", {"name": "busy", "rate_limit_per_minute": 1200})
    refused = tenant.api.post("/api-keys", {"name": "busier", "rate_limit_per_minute": 1201})

    assert allowed.status == 201
    assert refused.status == 400
    assert "at most 1200" in refused.json()["error"]["message"]


def test_a_limit_above_any_organisations_is_refused_by_the_schema(tenant: Tenant) -> None:
    response = tenant.api.post(
        "/api-keys", {"name": "x", "rate_limit_per_minute": MAX_PER_MINUTE + 1}
    )

    assert response.status == 400
    assert response.json()["error"]["field"] == "rate_limit_per_minute"


def test_an_organisation_holds_at_most_its_cap_of_live_keys(
    tenant: Tenant, container: Container
) -> None:
    organizations.set_limits(container.uow, tenant.organization_id, max_api_keys=3)
    minted = [tenant.api.post("/api-keys", {"name": f"k{i}"}) for i in (1, 2)]

    refused = tenant.api.post("/api-keys", {"name": "one too many"})

    assert [m.status for m in minted] == [201, 201]
    assert refused.status == 409
    error = refused.json()["error"]
    assert error["type"] == "conflict"
    assert "has reached its cap of live API keys (3)" in error["message"]
    assert _key_names(tenant) == ["test", "k1", "k2"]


def test_revoked_and_expired_keys_leave_room_under_the_cap(
    tenant: Tenant, container: Container, database_url: str
) -> None:
    organizations.set_limits(container.uow, tenant.organization_id, max_api_keys=2)
    first = tenant.api.post("/api-keys", {"name": "revoked"}).json()
    tenant.api.delete(f"/api-keys/{first['id']}")
    second = tenant.api.post("/api-keys", {"name": "expired"}).json()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = %s",
            [second["id"]],
        )

    response = tenant.api.post("/api-keys", {"name": "fresh"})

    assert response.status == 201
    assert tenant.api.post("/api-keys", {"name": "over"}).status == 409


def test_the_default_cap_on_live_keys_applies_to_every_organisation(
    tenant: Tenant, database_url: str
) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO api_keys (organization_id, name, prefix, key_hash) "
            "SELECT %s, 'filler', 'mm_live_x', md5(random()::text) || g "
            "FROM generate_series(2, %s) AS g",
            [tenant.organization_id, DEFAULT_MAX_API_KEYS],
        )

    response = tenant.api.post("/api-keys", {"name": "one too many"})

    assert response.status == 409
    message = response.json()["error"]["message"]
    assert f"has reached its cap of live API keys ({DEFAULT_MAX_API_KEYS})" in message
