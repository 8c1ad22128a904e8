"""The registry of token signing keys through the API: /auth-keys."""

from typing import Any
from uuid import uuid4

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.jose import (
    ec_key,
    private_jwk,
    private_pem,
    public_jwk,
    public_pem,
    rsa_key,
    token,
)

from .conftest import ApiClient, Tenant


def _register(tenant: Tenant, kid: str = "k1", **body: Any) -> Any:
    key = ec_key()
    return tenant.api.post(
        "/auth-keys", {"kid": kid, "algorithm": "ES256", "public_key": public_pem(key), **body}
    )


def test_a_registered_key_shows_what_its_tokens_must_carry(tenant: Tenant) -> None:
    key = ec_key()

    response = tenant.api.post(
        "/auth-keys", {"kid": "agents-1", "algorithm": "ES256", "public_key": public_jwk(key)}
    )

    assert response.status == 201
    body = response.json()
    assert set(body) == {
        "id",
        "kid",
        "algorithm",
        "public_key",
        "issuer",
        "audience",
        "created_at",
        "last_used_at",
        "revoked_at",
    }
    assert (body["kid"], body["algorithm"]) == ("agents-1", "ES256")
    assert body["public_key"] == public_pem(key)
    assert body["issuer"] == str(tenant.organization_id)
    assert body["audience"] == "mailman"
    assert body["last_used_at"] is None
    assert body["revoked_at"] is None
    assert tenant.api.get(f"/auth-keys/{body['id']}").json() == body


def test_an_rsa_key_is_registered_for_rs256(tenant: Tenant) -> None:
    response = tenant.api.post(
        "/auth-keys",
        {"kid": "rsa", "algorithm": "RS256", "public_key": public_pem(rsa_key())},
    )

    assert (response.status, response.json()["algorithm"]) == (201, "RS256")


def _refusal(tenant: Tenant, body: dict[str, Any]) -> tuple[int, str, str]:
    response = tenant.api.post("/auth-keys", body)
    error = response.json()["error"]
    return response.status, error["field"], error["message"]


def test_unfit_keys_are_400_naming_public_key(tenant: Tenant) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    cases = {
        "private key": private_pem(ec_key()),
        "P-384": public_pem(ec_key(ec.SECP384R1())),
        "1024": public_pem(weak),
        "neither a PEM": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    }

    for expected, public_key in cases.items():
        status, field, message = _refusal(
            tenant,
            {
                "kid": "k",
                "algorithm": "RS256" if expected == "1024" else "ES256",
                "public_key": public_key,
            },
        )
        assert (status, field) == (400, "public_key"), expected
        assert expected in message
    assert (
        "private"
        in _refusal(
            tenant, {"kid": "k", "algorithm": "ES256", "public_key": private_jwk(ec_key())}
        )[2]
    )
    assert tenant.api.get("/auth-keys").json()["data"] == []


def test_an_algorithm_must_fit_the_key(tenant: Tenant) -> None:
    status, field, message = _refusal(
        tenant, {"kid": "k", "algorithm": "ES256", "public_key": public_pem(rsa_key())}
    )

    assert (status, field) == (400, "public_key")
    assert "RSA" in message


def test_malformed_registrations_are_400(tenant: Tenant) -> None:
    pem = public_pem(ec_key())
    cases = {
        "kid": {"kid": "k" * 129, "algorithm": "ES256", "public_key": pem},
        "algorithm": {"kid": "k", "algorithm": "HS256", "public_key": pem},
        "public_key": {"kid": "k", "algorithm": "ES256"},
    }

    for field, body in cases.items():
        assert _refusal(tenant, body)[:2] == (400, field), field
    assert _refusal(tenant, {"kid": " k", "algorithm": "ES256", "public_key": pem})[:2] == (
        400,
        "kid",
    )
    assert tenant.api.post("/auth-keys", {**cases["kid"], "kid": "k", "x": 1}).status == 400


def test_a_second_live_key_of_one_kid_is_409_until_the_first_is_revoked(tenant: Tenant) -> None:
    first = _register(tenant).json()

    conflict = _register(tenant)
    revoked = tenant.api.delete(f"/auth-keys/{first['id']}")
    again = _register(tenant)

    assert (conflict.status, conflict.json()["error"]["field"]) == (409, "kid")
    assert revoked.status == 204
    assert again.status == 201
    listed = tenant.api.get("/auth-keys").json()["data"]
    assert [(k["kid"], k["revoked_at"] is None) for k in listed] == [("k1", False), ("k1", True)]


def test_revoking_twice_is_204_and_keeps_the_first_time(tenant: Tenant) -> None:
    registered = _register(tenant).json()
    tenant.api.delete(f"/auth-keys/{registered['id']}")
    first = tenant.api.get(f"/auth-keys/{registered['id']}").json()["revoked_at"]

    assert tenant.api.delete(f"/auth-keys/{registered['id']}").status == 204
    assert tenant.api.get(f"/auth-keys/{registered['id']}").json()["revoked_at"] == first


def test_keys_are_listed_in_pages(tenant: Tenant) -> None:
    for kid in ("a", "b", "c"):
        _register(tenant, kid)

    first = tenant.api.get("/auth-keys", query="limit=2").json()
    rest = tenant.api.get("/auth-keys", query=f"limit=2&page_token={first['next_page_token']}")

    assert [k["kid"] for k in first["data"]] == ["a", "b"]
    assert [k["kid"] for k in rest.json()["data"]] == ["c"]
    assert rest.json()["next_page_token"] is None


def test_another_organisations_key_is_404(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = _register(other_tenant).json()

    assert tenant.api.get(f"/auth-keys/{theirs['id']}").status == 404
    assert tenant.api.delete(f"/auth-keys/{theirs['id']}").status == 404
    assert tenant.api.get(f"/auth-keys/{uuid4()}").status == 404
    assert tenant.api.get("/auth-keys").json()["data"] == []
    assert other_tenant.api.get(f"/auth-keys/{theirs['id']}").json()["revoked_at"] is None


def test_the_same_kid_in_two_organisations_is_two_keys(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    assert _register(tenant, "shared").status == 201
    assert _register(other_tenant, "shared").status == 201


def test_a_tokens_use_is_recorded(tenant: Tenant) -> None:
    key = ec_key()
    registered = tenant.api.post(
        "/auth-keys", {"kid": "k1", "algorithm": "ES256", "public_key": public_pem(key)}
    ).json()

    assert ApiClient(token(key, "k1", tenant.organization_id)).get("/inboxes").status == 200
    assert tenant.api.get(f"/auth-keys/{registered['id']}").json()["last_used_at"] is not None


def test_the_openapi_document_declares_keys_admin_organisation_wide(tenant: Tenant) -> None:
    paths = ApiClient().get("/openapi.json").json()["paths"]

    operations = [
        paths["/auth-keys"]["post"],
        paths["/auth-keys"]["get"],
        paths["/auth-keys/{auth_key_id}"]["get"],
        paths["/auth-keys/{auth_key_id}"]["delete"],
    ]

    for operation in operations:
        assert operation["security"] == [{"bearer": ["keys:admin"]}]
        assert operation["x-mailman-organization-wide"] is True
