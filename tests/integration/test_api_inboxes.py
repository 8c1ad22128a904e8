from uuid import uuid4

import psycopg
import pytest

from .conftest import Tenant


@pytest.fixture
def domain_id(tenant: Tenant) -> str:
    return str(tenant.api.post("/domains", {"name": "example.com"}).json()["id"])


def _count_inboxes(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM inboxes").fetchone()
    assert row is not None
    return int(row[0])


def test_create_inbox_answers_its_address(tenant: Tenant, domain_id: str) -> None:
    response = tenant.api.post(
        "/inboxes",
        {"domain_id": domain_id, "local_part": "Support", "display_name": "Support team"},
    )

    assert response.status == 201
    body = response.json()
    assert body["address"] == "support@example.com"
    assert body["display_name"] == "Support team"
    assert body["catch_all"] is False


def test_list_get_update_and_delete_an_inbox(tenant: Tenant, domain_id: str) -> None:
    created = tenant.api.post("/inboxes", {"domain_id": domain_id, "local_part": "sales"}).json()
    path = f"/inboxes/{created['id']}"

    listed = tenant.api.get("/inboxes").json()["data"]
    fetched = tenant.api.get(path).json()
    updated = tenant.api.patch(path, {"display_name": "Sales", "catch_all": True}).json()
    cleared = tenant.api.patch(path, {"display_name": None}).json()
    deleted = tenant.api.delete(path)

    assert [i["id"] for i in listed] == [created["id"]]
    assert fetched == created
    assert (updated["display_name"], updated["catch_all"]) == ("Sales", True)
    assert (cleared["display_name"], cleared["catch_all"]) == (None, True)
    assert deleted.status == 204
    assert tenant.api.get(path).status == 404
    assert tenant.api.delete(path).status == 404
    assert tenant.api.get("/inboxes").json()["data"] == []


def test_list_filters_by_domain_and_pages(tenant: Tenant, domain_id: str) -> None:
    other = tenant.api.post("/domains", {"name": "other.example"}).json()["id"]
    for name in ("a", "b", "c"):
        tenant.api.post("/inboxes", {"domain_id": domain_id, "local_part": name})
    tenant.api.post("/inboxes", {"domain_id": other, "local_part": "z"})

    first = tenant.api.get("/inboxes", query=f"domain_id={domain_id}&limit=2").json()
    rest = tenant.api.get(
        "/inboxes", query=f"domain_id={domain_id}&limit=2&page_token={first['next_page_token']}"
    ).json()

    assert [i["local_part"] for i in first["data"] + rest["data"]] == ["a", "b", "c"]
    assert rest["next_page_token"] is None


def test_duplicate_address_is_409_and_stores_nothing(
    tenant: Tenant, domain_id: str, database_url: str
) -> None:
    tenant.api.post("/inboxes", {"domain_id": domain_id, "local_part": "support"})

    response = tenant.api.post("/inboxes", {"domain_id": domain_id, "local_part": "SUPPORT"})

    assert response.status == 409
    assert response.json()["error"]["field"] == "local_part"
    assert _count_inboxes(database_url) == 1


def test_a_domain_has_one_catch_all_inbox(tenant: Tenant, domain_id: str) -> None:
    tenant.api.post("/inboxes", {"domain_id": domain_id, "local_part": "a", "catch_all": True})
    second = tenant.api.post("/inboxes", {"domain_id": domain_id, "local_part": "b"}).json()

    created = tenant.api.post(
        "/inboxes", {"domain_id": domain_id, "local_part": "c", "catch_all": True}
    )
    updated = tenant.api.patch(f"/inboxes/{second['id']}", {"catch_all": True})

    assert created.status == 409
    assert created.json()["error"]["field"] == "catch_all"
    assert updated.status == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"local_part": "support+tag"}, "local_part"),
        ({"local_part": "two..dots"}, "local_part"),
        ({"local_part": ""}, "local_part"),
        ({"local_part": "ok", "display_name": "Evil\r\nBcc: x@example.com"}, "display_name"),
        ({"local_part": "ok", "catch_all": "yes"}, "catch_all"),
        ({"local_part": 42}, "local_part"),
        ({"local_part": "ok", "colour": "blue"}, "colour"),
        ({}, "local_part"),
    ],
)
def test_invalid_inbox_is_400_naming_the_field(
    tenant: Tenant, domain_id: str, database_url: str, body: dict[str, object], field: str
) -> None:
    response = tenant.api.post("/inboxes", {"domain_id": domain_id, **body})

    assert response.status == 400
    assert response.json()["error"]["field"] == field
    assert _count_inboxes(database_url) == 0


def test_inbox_on_unknown_or_foreign_domain_is_404(
    tenant: Tenant, other_tenant: Tenant, database_url: str
) -> None:
    theirs = other_tenant.api.post("/domains", {"name": "theirs.example"}).json()["id"]

    foreign = tenant.api.post("/inboxes", {"domain_id": theirs, "local_part": "x"})
    unknown = tenant.api.post("/inboxes", {"domain_id": str(uuid4()), "local_part": "x"})

    assert foreign.status == 404
    assert foreign.json()["error"]["field"] == "domain_id"
    assert unknown.status == 404
    assert _count_inboxes(database_url) == 0


def test_another_organisations_inbox_is_404(
    tenant: Tenant, other_tenant: Tenant, domain_id: str
) -> None:
    theirs_domain = other_tenant.api.post("/domains", {"name": "theirs.example"}).json()["id"]
    theirs = other_tenant.api.post(
        "/inboxes", {"domain_id": theirs_domain, "local_part": "x"}
    ).json()["id"]

    assert tenant.api.get(f"/inboxes/{theirs}").status == 404
    assert tenant.api.patch(f"/inboxes/{theirs}", {"display_name": "mine"}).status == 404
    assert tenant.api.delete(f"/inboxes/{theirs}").status == 404
    assert tenant.api.get("/inboxes").json()["data"] == []
    assert other_tenant.api.get(f"/inboxes/{theirs}").json()["display_name"] is None


def test_non_uuid_ids_are_400_naming_the_field(tenant: Tenant) -> None:
    path = tenant.api.get("/inboxes/not-a-uuid")
    body = tenant.api.post("/inboxes", {"domain_id": "nope", "local_part": "x"})
    query = tenant.api.get("/inboxes", query="domain_id=nope")

    assert (path.status, path.json()["error"]["field"]) == (400, "inbox_id")
    assert (body.status, body.json()["error"]["field"]) == (400, "domain_id")
    assert (query.status, query.json()["error"]["field"]) == (400, "domain_id")


def test_malformed_json_is_400(tenant: Tenant) -> None:
    response = tenant.api.request("POST", "/inboxes", raw_body=b'{"local_part": ')

    assert response.status == 400
    assert response.json()["error"]["field"] == "body"


def test_a_body_that_is_not_json_is_415(tenant: Tenant, domain_id: str) -> None:
    response = tenant.api.request(
        "POST",
        "/inboxes",
        raw_body=f"domain_id={domain_id}&local_part=x".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status == 415
    assert response.json()["error"]["field"] == "Content-Type"


def test_an_oversized_body_is_413(tenant: Tenant, domain_id: str, database_url: str) -> None:
    response = tenant.api.post(
        "/inboxes", {"domain_id": domain_id, "local_part": "x", "display_name": "x" * 2_000_000}
    )

    assert response.status == 413
    assert response.json()["error"]["type"] == "payload_too_large"
    assert _count_inboxes(database_url) == 0


def test_a_deleted_address_can_be_created_again(tenant: Tenant, domain_id: str) -> None:
    first = tenant.api.post("/inboxes", {"domain_id": domain_id, "local_part": "x"}).json()
    tenant.api.delete(f"/inboxes/{first['id']}")

    assert tenant.api.post("/inboxes", {"domain_id": domain_id, "local_part": "x"}).status == 201


def test_an_inbox_address_longer_than_rfc_5321_allows_is_refused(tenant: Tenant) -> None:
    long_domain = ".".join(["d" * 63] * 3) + ".example"  # 199 characters
    domain = tenant.api.post("/domains", {"name": long_domain}).json()["id"]

    fits = tenant.api.post("/inboxes", {"domain_id": domain, "local_part": "a" * 54})
    too_long = tenant.api.post("/inboxes", {"domain_id": domain, "local_part": "b" * 55})

    assert fits.status == 201
    assert len(fits.json()["address"]) == 254
    assert too_long.status == 400
    assert too_long.json()["error"]["field"] == "local_part"
    assert "longer than 254 octets" in too_long.json()["error"]["message"]
    assert [i["local_part"] for i in tenant.api.get("/inboxes").json()["data"]] == ["a" * 54]


@pytest.mark.parametrize("name", ["Support\u2028Bcc: x@y.example", "Sup\x85port"])
def test_a_display_name_that_could_break_a_header_is_refused(
    tenant: Tenant, domain_id: str, database_url: str, name: str
) -> None:
    created = tenant.api.post(
        "/inboxes", {"domain_id": domain_id, "local_part": "support", "display_name": name}
    )
    inbox = tenant.api.post("/inboxes", {"domain_id": domain_id, "local_part": "sales"}).json()
    changed = tenant.api.patch(f"/inboxes/{inbox['id']}", {"display_name": name})

    assert (created.status, changed.status) == (400, 400)
    assert created.json()["error"]["field"] == "display_name"
    assert changed.json()["error"]["field"] == "display_name"
    assert _count_inboxes(database_url) == 1
    assert tenant.api.get(f"/inboxes/{inbox['id']}").json()["display_name"] is None
