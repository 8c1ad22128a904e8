from typing import Any
from uuid import uuid4

import psycopg
import pytest

from mailman.domain import claims
from mailman.domain.dns_records import DnsRecord, RecordPurpose

from .conftest import LocalAwsForTests, Tenant


def _verified(tenant: Tenant, aws: LocalAwsForTests, name: str) -> dict[str, Any]:
    """A domain of the tenant, its records published and checked: verified."""
    domain = tenant.api.post("/domains", {"name": name}).json()
    aws.zone.publish(
        name,
        [
            DnsRecord(RecordPurpose(r["purpose"]), r["type"], r["name"], r["value"], r["priority"])
            for r in domain["records"]
        ],
    )
    checked = tenant.api.post(f"/domains/{domain['id']}/verify").json()
    assert checked["status"] == "verified"
    return dict(checked)


def _identities(aws: LocalAwsForTests) -> list[str]:
    return [i["IdentityName"] for i in aws.sesv2().list_email_identities()["EmailIdentities"]]


def test_create_domain_answers_201_with_the_normalised_name(tenant: Tenant) -> None:
    response = tenant.api.post("/domains", {"name": "Bücher.Example.", "from_name": "Bücher"})

    assert response.status == 201
    body = response.json()
    assert body["name"] == "xn--bcher-kva.example"
    assert body["unicode_name"] == "bücher.example"
    assert body["status"] == "pending"
    assert body["verification"] == {"mx": False, "spf": False, "dkim": False, "dmarc": False}
    assert body["from_name"] == "Bücher"


@pytest.mark.parametrize("name", ["localhost", "exa mple.com", "-x.example.com", "a" * 64 + ".com"])
def test_invalid_domain_name_is_400_naming_the_field(tenant: Tenant, name: str) -> None:
    response = tenant.api.post("/domains", {"name": name})

    assert response.status == 400
    assert response.json()["error"]["field"] == "name"
    assert tenant.api.get("/domains").json()["data"] == []


def test_invalid_reply_to_is_400_and_nothing_is_stored(tenant: Tenant) -> None:
    response = tenant.api.post("/domains", {"name": "example.com", "reply_to": "nope"})

    assert response.status == 400
    assert response.json()["error"]["field"] == "reply_to"
    assert tenant.api.get("/domains").json()["data"] == []


def test_a_domain_is_registered_once(tenant: Tenant) -> None:
    tenant.api.post("/domains", {"name": "example.com"})

    again = tenant.api.post("/domains", {"name": "EXAMPLE.com"})

    assert again.status == 409
    error = again.json()["error"]
    assert (error["type"], error["field"]) == ("conflict", "name")
    assert error["message"] == "this account already has the domain example.com"
    assert len(tenant.api.get("/domains").json()["data"]) == 1


def test_a_pending_claim_by_another_organisation_blocks_no_one(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = other_tenant.api.post("/domains", {"name": "example.com"}).json()

    response = tenant.api.post("/domains", {"name": "example.com"})

    assert response.status == 201
    mine = response.json()
    assert mine["status"] == "pending"
    ownership = [
        next(r for r in d["records"] if r["purpose"] == "ownership") for d in (mine, theirs)
    ]
    assert [r["name"] for r in ownership] == ["_mailman.example.com"] * 2
    assert ownership[0]["value"] != ownership[1]["value"]
    assert mine["dkim_tokens"] == theirs["dkim_tokens"]  # one SES identity for the name


def test_a_failed_claim_by_another_organisation_blocks_no_one(
    tenant: Tenant, other_tenant: Tenant, database_url: str
) -> None:
    theirs = other_tenant.api.post("/domains", {"name": "example.com"}).json()
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE domains SET status = 'failed' WHERE id = %s", [theirs["id"]])

    assert tenant.api.post("/domains", {"name": "example.com"}).status == 201


def test_a_domain_another_organisation_verified_is_409_naming_no_one(
    tenant: Tenant, other_tenant: Tenant, aws: LocalAwsForTests
) -> None:
    theirs = _verified(other_tenant, aws, "example.com")

    response = tenant.api.post("/domains", {"name": "Example.COM"})

    assert response.status == 409
    error = response.json()["error"]
    assert error["type"] == "conflict"
    assert error["field"] == "name"
    assert error["message"] == "example.com is in use by another account"
    assert error["trace_id"]
    assert theirs["id"].encode() not in response.result.body
    assert b"Globex" not in response.result.body
    assert tenant.api.get("/domains").json()["data"] == []


def test_a_subdomain_of_another_organisations_verified_domain_is_409_alike(
    tenant: Tenant, other_tenant: Tenant, aws: LocalAwsForTests
) -> None:
    _verified(other_tenant, aws, "example.com")

    response = tenant.api.post("/domains", {"name": "mail.example.com"})

    assert response.status == 409
    error = response.json()["error"]
    assert (error["field"], error["message"]) == (
        "name",
        "mail.example.com is in use by another account",
    )
    assert tenant.api.get("/domains").json()["data"] == []


def test_a_subdomain_of_ones_own_verified_domain_may_be_added(
    tenant: Tenant, aws: LocalAwsForTests
) -> None:
    _verified(tenant, aws, "example.com")

    response = tenant.api.post("/domains", {"name": "mail.example.com"})

    assert response.status == 201
    assert response.json()["name"] == "mail.example.com"


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("gmail.com", "mailbox provider"),
        ("Outlook.com", "mailbox provider"),
        ("gmx.de", "mailbox provider"),
        ("mx.yandex.ru", "mailbox provider"),
        ("amazonses.com", "Amazon SES or AWS"),
        ("inbound-smtp.us-east-1.amazonaws.com", "Amazon SES or AWS"),
        ("github.io", "public suffix"),
    ],
)
def test_provider_aws_and_public_suffix_domains_are_400_and_nothing_is_made(
    tenant: Tenant, aws: LocalAwsForTests, name: str, says: str
) -> None:
    response = tenant.api.post("/domains", {"name": name})

    assert response.status == 400
    error = response.json()["error"]
    assert (error["type"], error["field"]) == ("validation_error", "name")
    assert says in error["message"]
    assert tenant.api.get("/domains").json()["data"] == []
    assert _identities(aws) == []


def test_the_platforms_own_domains_are_400(
    tenant: Tenant, aws: LocalAwsForTests, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESERVED_DOMAINS", "mail.example.com,inbound.example.net")

    under = tenant.api.post("/domains", {"name": "acme.mail.example.com"})
    beside = tenant.api.post("/domains", {"name": "example.com"})

    assert under.status == 400
    assert under.json()["error"]["field"] == "name"
    assert "reserved" in under.json()["error"]["message"]
    assert beside.status == 201
    assert _identities(aws) == ["example.com"]


def test_another_organisations_domain_is_404(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = other_tenant.api.post("/domains", {"name": "theirs.example"}).json()["id"]

    assert tenant.api.get(f"/domains/{theirs}").status == 404
    assert tenant.api.patch(f"/domains/{theirs}", {"from_name": "x"}).status == 404
    assert tenant.api.delete(f"/domains/{theirs}").status == 404
    assert other_tenant.api.get(f"/domains/{theirs}").status == 200


def test_list_domains_pages_with_an_opaque_token(tenant: Tenant) -> None:
    for i in range(5):
        tenant.api.post("/domains", {"name": f"d{i}.example"})

    first = tenant.api.get("/domains", query="limit=2").json()
    second = tenant.api.get(
        "/domains", query=f"limit=2&page_token={first['next_page_token']}"
    ).json()
    third = tenant.api.get(
        "/domains", query=f"limit=2&page_token={second['next_page_token']}"
    ).json()

    names = [d["name"] for page in (first, second, third) for d in page["data"]]
    assert names == [f"d{i}.example" for i in range(5)]
    assert third["next_page_token"] is None


def test_a_bad_page_token_is_400(tenant: Tenant) -> None:
    response = tenant.api.get("/domains", query="page_token=bogus")

    assert response.status == 400
    assert response.json()["error"]["field"] == "page_token"


def test_update_sets_and_clears_sender_defaults(tenant: Tenant) -> None:
    domain = tenant.api.post(
        "/domains", {"name": "example.com", "from_name": "Acme", "reply_to": "help@example.com"}
    ).json()

    updated = tenant.api.patch(
        f"/domains/{domain['id']}", {"reply_to": None, "bounce_address": "bounces@example.com"}
    ).json()

    assert updated["from_name"] == "Acme"
    assert updated["reply_to"] is None
    assert updated["bounce_address"] == "bounces@example.com"


def test_delete_is_soft_and_takes_the_inboxes_along(tenant: Tenant, database_url: str) -> None:
    domain = tenant.api.post("/domains", {"name": "example.com"}).json()
    inbox = tenant.api.post("/inboxes", {"domain_id": domain["id"], "local_part": "hi"}).json()

    response = tenant.api.delete(f"/domains/{domain['id']}")

    assert response.status == 204
    assert tenant.api.get(f"/domains/{domain['id']}").status == 404
    assert tenant.api.get(f"/inboxes/{inbox['id']}").status == 404
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT (SELECT deleted_at IS NOT NULL FROM domains WHERE id = %s), "
            "(SELECT deleted_at IS NOT NULL FROM inboxes WHERE id = %s)",
            [domain["id"], inbox["id"]],
        ).fetchone()
    assert rows == (True, True)


def test_a_deleted_domain_name_can_be_registered_again(tenant: Tenant) -> None:
    first = tenant.api.post("/domains", {"name": "example.com"}).json()
    tenant.api.delete(f"/domains/{first['id']}")

    again = tenant.api.post("/domains", {"name": "example.com"})

    assert again.status == 201
    assert again.json()["id"] != first["id"]


def test_unknown_domain_id_is_404_and_non_uuid_is_400(tenant: Tenant) -> None:
    assert tenant.api.get(f"/domains/{uuid4()}").status == 404
    bad = tenant.api.get("/domains/123")
    assert bad.status == 400
    assert bad.json()["error"]["field"] == "domain_id"


def test_an_organisation_holds_at_most_its_cap_of_domains_pending_ones_included(
    tenant: Tenant, aws: LocalAwsForTests, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(claims, "MAX_LIVE_CLAIMS", 2)
    first = tenant.api.post("/domains", {"name": "one.example"}).json()
    assert tenant.api.post("/domains", {"name": "two.example"}).status == 201

    refused = tenant.api.post("/domains", {"name": "three.example"})
    assert tenant.api.delete(f"/domains/{first['id']}").status == 204
    again = tenant.api.post("/domains", {"name": "three.example"})

    assert refused.status == 409
    error = refused.json()["error"]
    assert (error["type"], error["field"]) == ("conflict", "name")
    assert "at most 2 domains" in error["message"]
    assert again.status == 201
    assert sorted(_identities(aws)) == ["three.example", "two.example"]
