"""The local platform over real HTTP: what `make dev` prints, the README's curl walk-through,
Ctrl-C, and a restart that keeps the data."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.e2e.conftest import (
    HOST,
    PROC_NET,
    READY,
    Launcher,
    LocalPlatform,
    Ports,
    listening_addresses,
)

pytestmark = pytest.mark.e2e


# -- arrange helpers ---------------------------------------------------------------------


def create_domain(client: httpx.Client) -> dict[str, Any]:
    name = f"walk-{uuid.uuid4().hex[:10]}.example.com"
    response = client.post("/domains", json={"name": name, "from_name": "Example"})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def create_inbox(client: httpx.Client, domain_id: str, **fields: Any) -> dict[str, Any]:
    body = {"domain_id": domain_id, "local_part": "support", "display_name": "Support", **fields}
    response = client.post("/inboxes", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def assert_error_envelope(response: httpx.Response, status: int, error_type: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["type"] == error_type
    assert isinstance(error["message"], str)
    assert error["message"]
    assert set(error) <= {"type", "message", "field", "trace_id"}
    assert error["trace_id"] == response.headers["x-trace-id"]


# -- what the first start prints -------------------------------------------------------


def test_first_start_prints_the_api_url_the_organisation_and_a_whole_key(
    local_platform: LocalPlatform,
) -> None:
    output = local_platform.output

    assert local_platform.base_url == f"http://{HOST}:{local_platform.ports.api}"
    assert str(UUID(local_platform.organization_id)) == local_platform.organization_id
    assert local_platform.api_key.startswith("mm_live_")
    assert "shown this once" in output
    assert "mailman keys create" not in output
    assert local_platform.has_line(READY)


@pytest.mark.skipif(not (PROC_NET / "tcp").exists(), reason="reads Linux's /proc/net tables")
def test_every_server_listens_on_loopback_only(local_platform: LocalPlatform) -> None:
    ports = local_platform.ports

    api = listening_addresses("tcp", ports.api)
    aws = listening_addresses("tcp", ports.aws)
    dns = listening_addresses("udp", local_platform.dns_port)
    smtp = listening_addresses("tcp", ports.smtp)

    assert api == {HOST}
    assert aws == {HOST}
    assert dns == {HOST}
    assert smtp == {HOST}


# -- the README's walk-through ---------------------------------------------------------


def test_health_answers_without_a_key(anonymous: httpx.Client) -> None:
    response = anonymous.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_request_without_a_key_is_refused_in_the_error_envelope(anonymous: httpx.Client) -> None:
    response = anonymous.get("/inboxes")

    assert_error_envelope(response, 401, "unauthorized")
    assert response.json()["error"]["field"] == "Authorization"


def test_openapi_document_and_swagger_ui_are_served_without_a_key(
    anonymous: httpx.Client,
) -> None:
    document = anonymous.get("/openapi.json")
    docs = anonymous.get("/docs")

    assert document.status_code == 200
    assert document.json()["openapi"].startswith("3.")
    assert {"/health", "/domains", "/inboxes", "/api-keys"} <= set(document.json()["paths"])
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")
    assert "swagger" in docs.text.lower()


def test_inboxes_created_on_a_domain_are_listed_and_fetched(client: httpx.Client) -> None:
    domain = create_domain(client)

    support = create_inbox(client, domain["id"], local_part="support", display_name="Support")
    catch_all = create_inbox(
        client, domain["id"], local_part="everything-else", display_name=None, catch_all=True
    )
    listed = client.get("/inboxes", params={"domain_id": domain["id"], "limit": 10})
    fetched = client.get(f"/inboxes/{support['id']}")

    assert support["address"] == f"support@{domain['name']}"
    assert support["domain_id"] == domain["id"]
    assert support["catch_all"] is False
    assert catch_all["catch_all"] is True
    assert listed.status_code == 200
    assert {inbox["id"] for inbox in listed.json()["data"]} == {support["id"], catch_all["id"]}
    assert fetched.status_code == 200
    assert fetched.json() == support


def test_patching_an_inbox_changes_its_display_name(client: httpx.Client) -> None:
    inbox = create_inbox(client, create_domain(client)["id"], display_name="Support")

    patched = client.patch(f"/inboxes/{inbox['id']}", json={"display_name": "Help desk"})
    fetched = client.get(f"/inboxes/{inbox['id']}")

    assert patched.status_code == 200, patched.text
    assert patched.json()["display_name"] == "Help desk"
    assert fetched.json()["display_name"] == "Help desk"
    assert fetched.json()["address"] == inbox["address"]


def test_deleted_inbox_answers_404_in_the_error_envelope(client: httpx.Client) -> None:
    domain = create_domain(client)
    inbox = create_inbox(client, domain["id"])

    deleted = client.delete(f"/inboxes/{inbox['id']}")
    fetched = client.get(f"/inboxes/{inbox['id']}")
    listed = client.get("/inboxes", params={"domain_id": domain["id"]})

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_error_envelope(fetched, 404, "not_found")
    assert listed.json()["data"] == []


def test_minted_api_key_works_until_it_is_revoked(
    local_platform: LocalPlatform, client: httpx.Client
) -> None:
    minted = client.post("/api-keys", json={"name": "ci", "rate_limit_per_minute": 600})
    assert minted.status_code == 201, minted.text
    new_key, new_id = minted.json()["key"], minted.json()["id"]

    with local_platform.client(new_key) as as_new_key:
        before = as_new_key.get("/api-keys")
        revoked = client.delete(f"/api-keys/{new_id}")
        after = as_new_key.get("/api-keys")

    assert new_key.startswith("mm_live_")
    assert before.status_code == 200
    listed = {key["id"]: key for key in before.json()["data"]}
    assert listed[new_id]["rate_limit_per_minute"] == 600
    assert new_key.startswith(listed[new_id]["prefix"])
    assert "key" not in listed[new_id]
    assert revoked.status_code == 204
    assert_error_envelope(after, 401, "unauthorized")


# -- Ctrl-C and restart ------------------------------------------------------------------


def test_ctrl_c_stops_everything_cleanly(launch: Launcher, tmp_path: Path) -> None:
    running = launch(tmp_path / ".local", Ports.free())
    assert running.postmaster_pid_file.exists()  # the embedded PostgreSQL is up

    exit_code = running.interrupt()

    assert exit_code == 0, running.output
    assert running.has_line("Stopped.")
    assert not running.postmaster_pid_file.exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{running.base_url}/health", timeout=5)


def test_restart_keeps_the_data_and_shows_only_the_key_prefix(
    launch: Launcher, tmp_path: Path
) -> None:
    local_dir, ports = tmp_path / ".local", Ports.free()
    first = launch(local_dir, ports)
    key, org = first.api_key, first.organization_id
    with first.client(key) as client:
        domain = create_domain(client)
        inbox = create_inbox(client, domain["id"], local_part="sales", catch_all=True)
    assert first.interrupt() == 0, first.output

    second = launch(local_dir, ports)
    with second.client(key) as client:
        domain_again = client.get(f"/domains/{domain['id']}")
        inbox_again = client.get(f"/inboxes/{inbox['id']}")
        listed = client.get("/inboxes", params={"domain_id": domain["id"]})

    output = second.output
    assert second.organization_id == org
    assert key not in output
    prefix = second.printed("API key")
    assert prefix is not None
    assert prefix.endswith("...")
    assert key.startswith(prefix.removesuffix("..."))
    assert len(prefix.removesuffix("...")) < len(key)
    assert f"mailman keys create --org {org}" in output
    assert domain_again.status_code == 200, domain_again.text
    assert domain_again.json()["name"] == domain["name"]
    assert inbox_again.status_code == 200, inbox_again.text
    assert inbox_again.json() == inbox
    assert [i["id"] for i in listed.json()["data"]] == [inbox["id"]]
