from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from functions.api import dependencies
from local.cli import main as mailman_cli
from mailman.adapters.postgres.api_keys import PostgresApiKeyRepository
from mailman.adapters.postgres.database import Database
from mailman.composition import Container
from mailman.domain import api_keys as key_format
from mailman.domain.ratelimit import FAILED_AUTHENTICATIONS_PER_MINUTE, BlockedAddresses
from mailman.services.auth import api_keys

from .conftest import ApiClient, Response, Tenant

ATTACKER = "203.0.113.7"
NEIGHBOUR = "203.0.113.8"


def test_health_answers_without_a_key(tenant: Tenant) -> None:
    response = ApiClient().get("/health")

    assert response.status == 200
    assert response.json() == {"status": "ok"}
    assert response.header("X-Trace-Id")


def test_openapi_document_and_docs_answer_without_a_key(tenant: Tenant) -> None:
    document = ApiClient().get("/openapi.json")
    docs = ApiClient().get("/docs")

    assert document.status == 200
    spec = document.json()
    assert {"/domains", "/inboxes/{inbox_id}", "/api-keys"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert docs.status == 200
    page = docs.result.body.decode()
    assert "swagger" in page.lower()
    # The page shows the document /openapi.json serves, error envelope and all.
    assert '"ErrorBody"' in page
    assert "HTTPValidationError" not in page


def test_missing_key_is_401_in_the_envelope(tenant: Tenant) -> None:
    response = ApiClient().get("/inboxes")

    assert response.status == 401
    error = response.json()["error"]
    assert error["type"] == "unauthorized"
    assert error["field"] == "Authorization"
    assert error["trace_id"] == response.header("X-Trace-Id")


def test_wrong_scheme_is_401(tenant: Tenant) -> None:
    response = ApiClient().get("/inboxes", headers={"Authorization": f"Basic {tenant.key}"})

    assert response.status == 401


def _no_key_lookup(*_: Any) -> None:
    raise AssertionError("an API key was looked up")


def test_malformed_key_is_refused_without_looking_a_key_up(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PostgresApiKeyRepository, "use", _no_key_lookup)

    response = ApiClient("mm_live_" + "x" * 38).get("/inboxes")

    assert response.status == 401
    assert response.json()["error"]["message"] == "malformed API key"


def test_unknown_but_well_formed_key_is_401(tenant: Tenant) -> None:
    forged = key_format.mint().secret

    response = ApiClient(forged).get("/inboxes")

    assert response.status == 401


def test_revoked_key_is_401(tenant: Tenant, container: Container) -> None:
    created = api_keys.create_api_key(
        container.uow, container.clock, tenant.organization_id, name="short-lived"
    )
    api_keys.revoke_api_key(container.uow, container.clock, tenant.organization_id, created.key.id)

    response = ApiClient(created.secret).get("/inboxes")

    assert response.status == 401


def test_expired_key_is_401(tenant: Tenant, container: Container, database_url: str) -> None:
    created = api_keys.create_api_key(
        container.uow,
        container.clock,
        tenant.organization_id,
        name="expiring",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = %s",
            [created.key.id],
        )

    response = ApiClient(created.secret).get("/inboxes")

    assert response.status == 401


def test_using_a_key_records_when_it_was_last_used(tenant: Tenant, container: Container) -> None:
    key_id = tenant.api.get("/api-keys").json()["data"][0]["id"]

    stored = api_keys.get_api_key(container.uow, tenant.organization_id, key_id)

    assert stored.last_used_at is not None


def test_unknown_route_with_a_key_is_404_in_the_envelope(tenant: Tenant) -> None:
    response = tenant.api.get("/no-such-thing")

    assert response.status == 404
    assert response.json()["error"]["type"] == "not_found"


def test_unknown_route_without_a_key_is_401(tenant: Tenant) -> None:
    assert ApiClient().get("/no-such-thing").status == 401


# -- deleted organisations -----------------------------------------------------------------


def _api_key_count(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM api_keys").fetchone()
    assert row is not None
    count: int = row[0]
    return count


def _refused_as_unknown(response: Response) -> bool:
    error = response.json()["error"]
    return (response.status, error["type"], error["message"], error["field"]) == (
        401,
        "unauthorized",
        "unknown, revoked or expired API key",
        "Authorization",
    )


def test_keys_of_an_organisation_deleted_with_the_cli_answer_401_to_reads_and_writes(
    tenant: Tenant, database_url: str
) -> None:
    assert tenant.api.get("/inboxes").status == 200
    keys_before = _api_key_count(database_url)

    assert mailman_cli(["orgs", "delete", str(tenant.organization_id)]) == 0
    read = tenant.api.get("/inboxes")
    write = tenant.api.post("/api-keys", {"name": "after the deletion"})

    assert _refused_as_unknown(read)
    assert _refused_as_unknown(write)
    assert _api_key_count(database_url) == keys_before


def test_a_key_of_a_deleted_organisation_is_refused_even_when_not_revoked(
    tenant: Tenant, database_url: str
) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE organizations SET deleted_at = now() WHERE id = %s", [tenant.organization_id]
        )

    read = tenant.api.get("/inboxes")
    write = tenant.api.post("/api-keys", {"name": "after the deletion"})

    assert _refused_as_unknown(read)
    assert _refused_as_unknown(write)


# -- failed authentications per source address ---------------------------------------------


def _fail_until_blocked(api: ApiClient) -> list[int]:
    """The statuses of as many failing requests as the address is allowed in a minute."""
    return [api.get("/inboxes").status for _ in range(FAILED_AUTHENTICATIONS_PER_MINUTE)]


def test_an_address_that_keeps_failing_is_refused_with_429_before_any_key_lookup(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    attacker = ApiClient(key_format.mint().secret, source_ip=ATTACKER)
    failures = _fail_until_blocked(attacker)
    monkeypatch.setattr(PostgresApiKeyRepository, "use", _no_key_lookup)

    refused = attacker.get("/inboxes")

    assert failures == [401] * FAILED_AUTHENTICATIONS_PER_MINUTE
    assert refused.status == 429
    error = refused.json()["error"]
    assert error["type"] == "rate_limited"
    assert error["trace_id"] == refused.header("X-Trace-Id")
    retry_after = int(refused.header("Retry-After") or 0)
    assert 1 <= retry_after <= 60 // FAILED_AUTHENTICATIONS_PER_MINUTE
    assert f"retry in {retry_after} s" in error["message"]


def test_missing_and_malformed_keys_cost_their_address_as_unknown_ones_do(
    tenant: Tenant,
) -> None:
    callers = [
        ApiClient(source_ip=ATTACKER),
        ApiClient("mm_live_" + "x" * 38, source_ip=ATTACKER),
        ApiClient(key_format.mint().secret, source_ip=ATTACKER),
    ]

    statuses = [
        callers[i % len(callers)].get("/inboxes").status
        for i in range(FAILED_AUTHENTICATIONS_PER_MINUTE)
    ]

    assert statuses == [401] * FAILED_AUTHENTICATIONS_PER_MINUTE
    assert [caller.get("/inboxes").status for caller in callers] == [429, 429, 429]


def test_a_blocked_address_is_refused_without_a_database_query(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    attacker = ApiClient(key_format.mint().secret, source_ip=ATTACKER)
    _fail_until_blocked(attacker)
    assert attacker.get("/inboxes").status == 429  # the database said so, once

    def no_transaction(*_: Any, **__: Any) -> None:
        raise AssertionError("the database was queried")

    monkeypatch.setattr(Database, "transaction", no_transaction)

    assert [attacker.get("/inboxes").status for _ in range(5)] == [429] * 5
    assert ApiClient(source_ip=ATTACKER).get("/inboxes").status == 429


def test_an_address_blocked_in_another_container_is_refused_here_after_one_query(
    tenant: Tenant,
) -> None:
    attacker = ApiClient(key_format.mint().secret, source_ip=ATTACKER)
    _fail_until_blocked(attacker)
    dependencies.container().blocked_addresses = BlockedAddresses()  # a new container's

    assert attacker.get("/inboxes").status == 429


def test_failures_from_one_address_never_slow_another(tenant: Tenant) -> None:
    _fail_until_blocked(ApiClient(key_format.mint().secret, source_ip=ATTACKER))

    assert ApiClient(key_format.mint().secret, source_ip=NEIGHBOUR).get("/inboxes").status == 401
    assert ApiClient(tenant.key, source_ip=NEIGHBOUR).get("/inboxes").status == 200


def test_a_good_key_costs_its_address_no_failure(tenant: Tenant) -> None:
    good = ApiClient(tenant.key, source_ip=ATTACKER)
    forged = ApiClient(key_format.mint().secret, source_ip=ATTACKER)

    successes = [good.get("/inboxes").status for _ in range(FAILED_AUTHENTICATIONS_PER_MINUTE)]
    failures = _fail_until_blocked(forged)

    assert successes == [200] * FAILED_AUTHENTICATIONS_PER_MINUTE
    assert failures == [401] * FAILED_AUTHENTICATIONS_PER_MINUTE
    assert forged.get("/inboxes").status == 429


def test_a_blocked_address_is_refused_even_with_a_good_key(tenant: Tenant) -> None:
    _fail_until_blocked(ApiClient(key_format.mint().secret, source_ip=ATTACKER))
    assert ApiClient(source_ip=ATTACKER).get("/inboxes").status == 429

    response = ApiClient(tenant.key, source_ip=ATTACKER).get("/inboxes")

    assert response.status == 429
    assert response.json()["error"]["type"] == "rate_limited"


def test_an_address_gets_its_failures_back_with_time(container: Container) -> None:
    start = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    per_token = timedelta(seconds=60 / FAILED_AUTHENTICATIONS_PER_MINUTE)

    def fail(at: datetime) -> bool:
        with container.uow(None) as work:
            return work.rate_limits.take_failure(
                ATTACKER, per_minute=FAILED_AUTHENTICATIONS_PER_MINUTE, at=at
            ).allowed

    allowed = [fail(start) for _ in range(FAILED_AUTHENTICATIONS_PER_MINUTE)]

    assert allowed == [True] * FAILED_AUTHENTICATIONS_PER_MINUTE
    assert not fail(start)
    assert not fail(start + per_token * 0.9)
    assert fail(start + per_token * 1.1)
    assert not fail(start + per_token * 1.1)


def test_long_recovered_addresses_are_forgotten(container: Container, database_url: str) -> None:
    start = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    with container.uow(None) as work:
        work.rate_limits.take_failure(ATTACKER, per_minute=20, at=start)
        work.rate_limits.take_failure(NEIGHBOUR, per_minute=20, at=start + timedelta(hours=1))

    with psycopg.connect(database_url) as conn:
        sources = [r[0] for r in conn.execute("SELECT source FROM auth_failure_buckets")]

    assert sources == [NEIGHBOUR]


def test_an_ipv6_client_cannot_escape_by_moving_within_its_slash_64(tenant: Tenant) -> None:
    guess = key_format.mint().secret
    failures = [
        ApiClient(guess, source_ip=f"2001:db8:7:7::{n + 1:x}").get("/inboxes").status
        for n in range(FAILED_AUTHENTICATIONS_PER_MINUTE)
    ]

    moved = ApiClient(guess, source_ip="2001:db8:7:7:abcd::1").get("/inboxes")
    elsewhere = ApiClient(guess, source_ip="2001:db8:7:8::1").get("/inboxes")

    assert failures == [401] * FAILED_AUTHENTICATIONS_PER_MINUTE
    assert moved.status == 429
    assert elsewhere.status == 401
