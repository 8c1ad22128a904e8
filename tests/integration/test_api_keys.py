from .conftest import Api, Tenant


def test_minted_key_is_shown_once_and_works(tenant: Tenant) -> None:
    minted = tenant.api.post("/api-keys", {"name": "ci"})

    assert minted.status == 201
    body = minted.json()
    assert body["key"].startswith(body["prefix"])
    assert Api(body["key"]).get("/inboxes").status == 200
    listed = tenant.api.get("/api-keys").json()["data"]
    assert {k["name"] for k in listed} == {"test", "ci"}
    assert all("key" not in k for k in listed)
    assert "key" not in tenant.api.get(f"/api-keys/{body['id']}").json()


def test_revoked_key_stops_working(tenant: Tenant) -> None:
    minted = tenant.api.post("/api-keys", {"name": "temp"}).json()

    revoked = tenant.api.delete(f"/api-keys/{minted['id']}")

    assert revoked.status == 204
    assert Api(minted["key"]).get("/inboxes").status == 401
    assert tenant.api.get(f"/api-keys/{minted['id']}").json()["revoked_at"] is not None


def test_another_organisations_key_is_404(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = other_tenant.api.post("/api-keys", {"name": "theirs"}).json()

    assert tenant.api.get(f"/api-keys/{theirs['id']}").status == 404
    assert tenant.api.delete(f"/api-keys/{theirs['id']}").status == 404
    assert Api(theirs["key"]).get("/inboxes").status == 200


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
