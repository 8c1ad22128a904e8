from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from functions.api import dependencies
from mailman.composition import Container
from mailman.domain import api_keys as key_format
from mailman.services import api_keys

from .conftest import Api, Tenant


def test_health_answers_without_a_key(tenant: Tenant) -> None:
    response = Api().get("/health")

    assert response.status == 200
    assert response.json() == {"status": "ok"}
    assert response.header("X-Trace-Id")


def test_openapi_document_and_docs_answer_without_a_key(tenant: Tenant) -> None:
    document = Api().get("/openapi.json")
    docs = Api().get("/docs")

    assert document.status == 200
    spec = document.json()
    assert {"/domains", "/inboxes/{inbox_id}", "/api-keys"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert docs.status == 200
    assert "swagger" in docs.result.body.decode().lower()


def test_missing_key_is_401_in_the_envelope(tenant: Tenant) -> None:
    response = Api().get("/inboxes")

    assert response.status == 401
    error = response.json()["error"]
    assert error["type"] == "unauthorized"
    assert error["field"] == "Authorization"
    assert error["trace_id"] == response.header("X-Trace-Id")


def test_wrong_scheme_is_401(tenant: Tenant) -> None:
    response = Api().get("/inboxes", headers={"Authorization": f"Basic {tenant.key}"})

    assert response.status == 401


def test_malformed_key_is_refused_without_a_database_query(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Point the function at a database that does not exist: a query would answer 500.
    monkeypatch.setenv("DATABASE_URL", "host=127.0.0.1 port=1 dbname=none connect_timeout=1")
    dependencies.container.cache_clear()

    response = Api("mm_live_" + "x" * 38).get("/inboxes")

    assert response.status == 401
    assert response.json()["error"]["message"] == "malformed API key"


def test_unknown_but_well_formed_key_is_401(tenant: Tenant) -> None:
    forged = key_format.mint().secret

    response = Api(forged).get("/inboxes")

    assert response.status == 401


def test_revoked_key_is_401(tenant: Tenant, container: Container) -> None:
    created = api_keys.create_api_key(
        container.uow, container.clock, tenant.organization_id, name="short-lived"
    )
    api_keys.revoke_api_key(container.uow, container.clock, tenant.organization_id, created.key.id)

    response = Api(created.secret).get("/inboxes")

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

    response = Api(created.secret).get("/inboxes")

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
    assert Api().get("/no-such-thing").status == 401
