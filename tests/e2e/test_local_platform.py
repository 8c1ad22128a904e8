"""The local platform over real HTTP: what `make dev` prints, the README's curl walk-through,
Ctrl-C, and a restart that keeps the data."""

from __future__ import annotations

import uuid
from http import HTTPStatus
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from mailman_client import AuthenticatedClient
from mailman_client.api.api_keys import api_keys_create, api_keys_list, api_keys_revoke
from mailman_client.api.domains import domains_create, domains_get
from mailman_client.api.inboxes import (
    inboxes_create,
    inboxes_delete,
    inboxes_get,
    inboxes_list,
    inboxes_update,
)
from mailman_client.models import (
    CreateApiKey,
    CreatedApiKeyOut,
    CreateDomain,
    CreateInbox,
    DomainOut,
    Error,
    InboxOut,
    ListOfApiKeyOut,
    ListOfInboxOut,
    UpdateInbox,
)
from mailman_client.types import UNSET, Response, Unset

from tests.e2e.conftest import (
    HOST,
    PROC_NET,
    READY,
    Launcher,
    LocalPlatform,
    Ports,
    listening_addresses,
    ok,
)

pytestmark = pytest.mark.e2e


# -- arrange helpers ---------------------------------------------------------------------


def create_domain(api: AuthenticatedClient) -> DomainOut:
    name = f"walk-{uuid.uuid4().hex[:10]}.example.com"
    body = CreateDomain(name=name, from_name="Example")
    return ok(DomainOut, domains_create.sync(client=api, body=body))


def create_inbox(
    api: AuthenticatedClient,
    domain_id: UUID,
    local_part: str = "support",
    display_name: str | Unset | None = "Support",
    catch_all: bool | Unset = UNSET,
) -> InboxOut:
    body = CreateInbox(
        domain_id=domain_id, local_part=local_part, display_name=display_name, catch_all=catch_all
    )
    return ok(InboxOut, inboxes_create.sync(client=api, body=body))


def assert_error(response: Response[Any], status: HTTPStatus, error_type: str) -> None:
    """A refusal as the generated client reads it: the error envelope the document names,
    its trace id the one of the `X-Trace-Id` header."""
    assert response.status_code == status, response.content
    error = ok(Error, response.parsed).error
    assert error.type_ == error_type
    assert error.message
    assert error.trace_id == response.headers["x-trace-id"]


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


def test_inboxes_created_on_a_domain_are_listed_and_fetched(api: AuthenticatedClient) -> None:
    domain = create_domain(api)

    support = create_inbox(api, domain.id, local_part="support", display_name="Support")
    catch_all = create_inbox(
        api, domain.id, local_part="everything-else", display_name=None, catch_all=True
    )
    listed = ok(ListOfInboxOut, inboxes_list.sync(client=api, domain_id=domain.id, limit=10))
    fetched = ok(InboxOut, inboxes_get.sync(support.id, client=api))

    assert support.address == f"support@{domain.name}"
    assert support.domain_id == domain.id
    assert support.catch_all is False
    assert catch_all.catch_all is True
    assert {inbox.id for inbox in listed.data} == {support.id, catch_all.id}
    assert fetched == support


def test_patching_an_inbox_changes_its_display_name(api: AuthenticatedClient) -> None:
    inbox = create_inbox(api, create_domain(api).id, display_name="Support")

    body = UpdateInbox(display_name="Help desk")
    patched = ok(InboxOut, inboxes_update.sync(inbox.id, client=api, body=body))
    fetched = ok(InboxOut, inboxes_get.sync(inbox.id, client=api))

    assert patched.display_name == "Help desk"
    assert fetched.display_name == "Help desk"
    assert fetched.address == inbox.address


def test_deleted_inbox_answers_404_in_the_error_envelope(api: AuthenticatedClient) -> None:
    domain = create_domain(api)
    inbox = create_inbox(api, domain.id)

    deleted = inboxes_delete.sync_detailed(inbox.id, client=api)
    fetched = inboxes_get.sync_detailed(inbox.id, client=api)
    listed = ok(ListOfInboxOut, inboxes_list.sync(client=api, domain_id=domain.id))

    assert deleted.status_code == HTTPStatus.NO_CONTENT
    assert deleted.content == b""
    assert_error(fetched, HTTPStatus.NOT_FOUND, "not_found")
    assert listed.data == []


def test_minted_api_key_works_until_it_is_revoked(
    local_platform: LocalPlatform, api: AuthenticatedClient
) -> None:
    body = CreateApiKey(name="ci", rate_limit_per_minute=600)
    minted = ok(CreatedApiKeyOut, api_keys_create.sync(client=api, body=body))

    with local_platform.api(minted.key) as as_new_key:
        before = ok(ListOfApiKeyOut, api_keys_list.sync(client=as_new_key))
        revoked = api_keys_revoke.sync_detailed(minted.id, client=api)
        after = api_keys_list.sync_detailed(client=as_new_key)

    assert minted.key.startswith("mm_live_")
    listed = {key.id: key for key in before.data}
    assert listed[minted.id].rate_limit_per_minute == 600
    assert minted.key.startswith(listed[minted.id].prefix)
    assert "key" not in listed[minted.id].additional_properties
    assert revoked.status_code == HTTPStatus.NO_CONTENT
    assert_error(after, HTTPStatus.UNAUTHORIZED, "unauthorized")


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
    with first.api(key) as api:
        domain = create_domain(api)
        inbox = create_inbox(api, domain.id, local_part="sales", catch_all=True)
    assert first.interrupt() == 0, first.output

    second = launch(local_dir, ports, {"MAILMAN_QUICKSTART": "1"})  # too late for it: said
    with second.api(key) as api:
        domain_again = ok(DomainOut, domains_get.sync(domain.id, client=api))
        inbox_again = ok(InboxOut, inboxes_get.sync(inbox.id, client=api))
        listed = ok(ListOfInboxOut, inboxes_list.sync(client=api, domain_id=domain.id))

    output = second.output
    assert second.organization_id == org
    assert key not in output
    prefix = second.printed("API key")
    assert prefix is not None
    assert prefix.endswith("...")
    assert key.startswith(prefix.removesuffix("..."))
    assert len(prefix.removesuffix("...")) < len(key)
    assert f"mailman keys create --org {org}" in output
    assert f"MAILMAN_QUICKSTART is for a first start: {local_dir} has its data" in output
    assert domain_again.name == domain.name
    assert inbox_again == inbox
    assert [i.id for i in listed.data] == [inbox.id]
